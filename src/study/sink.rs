//! Where a population run's per-subject results go as blocks of subjects finish: the
//! `RunSink` trait (files, for `cartsim run`: `cli/run_tables.rs`) and `Collected`, which keeps
//! them in memory.

use super::metrics::MetricRow;
use super::tables::{SubjectRecord, TrajectorySelection};
use crate::diag::Diagnostic;

/// One block of finished subjects, in subject order.
pub struct Block<'a> {
    pub subjects: &'a [SubjectRecord],
    /// Sorted by arm, then subject.
    pub rows: &'a [MetricRow],
    /// Long-format trajectory rows (empty unless the sink wants them).
    pub trajectories: &'a str,
    /// observations.csv rows (empty unless the sink wants them).
    pub observations: &'a str,
}

/// Where a run's per-subject results go (files, for `cartsim run`), block by block.
pub trait RunSink {
    /// Which trajectories (if any) and whether observations text is wanted (built only then).
    fn wants(&self) -> (Option<TrajectorySelection>, bool);
    fn block(&mut self, block: Block) -> Result<(), Diagnostic>;
}

/// A `RunSink` keeping every subject and row in memory (small runs, tests); it asks for no
/// trajectory or observation text.
#[derive(Debug, Default)]
pub struct Collected {
    pub subjects: Vec<SubjectRecord>,
    /// Per arm, its rows in subject order.
    pub per_arm: Vec<Vec<MetricRow>>,
}

impl Collected {
    /// Every row, sorted by arm, then subject (as metrics.csv).
    pub fn rows(&self) -> Vec<&MetricRow> {
        self.per_arm.iter().flatten().collect()
    }
}

impl RunSink for Collected {
    fn wants(&self) -> (Option<TrajectorySelection>, bool) {
        (None, false)
    }

    fn block(&mut self, block: Block) -> Result<(), Diagnostic> {
        self.subjects.extend_from_slice(block.subjects);
        for row in block.rows {
            let arm = row.arm as usize;
            if self.per_arm.len() <= arm {
                self.per_arm.resize(arm + 1, Vec::new());
            }
            self.per_arm[arm].push(row.clone());
        }
        Ok(())
    }
}
