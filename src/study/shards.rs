//! Shards of a run: the slice of the population each runs, and, for `merge`, each shard's
//! tables checked against each other and its slice, then combined into the result one
//! unsharded run gives (bands merged exactly).

use super::Study;
use super::bands::BandSet;
use super::execute::BLOCK;
use super::metrics::MetricRow;
use super::shard_rows::{
    Lines, TableSource, check_metrics_header, parse_metrics_row, parse_subject_row,
};
use super::sink::{Block, RunSink};
use super::summary::StudyResult;
use super::summary::Tally;
use super::tables::SubjectRecord;
use crate::diag::Diagnostic;
use crate::record::run::ShardState;
use std::ops::Range;

/// The subjects (positions from 0) of shard `k` of `parts` of a population of `n`: a
/// contiguous slice; all of them without a shard.
pub fn shard_subjects(n: u64, shard: Option<(u64, u64)>) -> Range<u64> {
    match shard {
        None => 0..n,
        Some((k, parts)) => {
            let bound = |j: u64| (u128::from(n) * u128::from(j) / u128::from(parts)) as u64;
            bound(k - 1)..bound(k)
        }
    }
}

/// What `merge` reads of one shard.
pub struct Shard {
    /// The shard's folder, for messages.
    pub folder: String,
    /// Shard `k` of `parts`.
    pub k: u64,
    pub parts: u64,
    /// Simulations its record counts.
    pub simulations: u64,
    pub state: ShardState,
    pub metrics: TableSource,
    pub subjects: TableSource,
}

/// Shards combined one at a time, in shard order: their rows and subjects go on to a
/// `RunSink` as one run's would, their bands and counts are merged.
pub struct Merger<'a> {
    study: &'a Study,
    bands: BandSet,
    tally: Tally,
    typical: Vec<Result<Vec<f64>, Diagnostic>>,
    steps: u64,
}

impl<'a> Merger<'a> {
    pub fn new(study: &'a Study) -> Merger<'a> {
        Merger {
            study,
            bands: BandSet::new(
                study.arms.len(),
                study.tracked.len(),
                study.output_times().len(),
            ),
            tally: Tally::new(study),
            typical: Vec::new(),
            steps: 0,
        }
    }

    /// Adds the next shard: its bands and steps, and its rows and subjects given to `sink`
    /// block by block (the typical curves are the first shard's; every shard computes the
    /// same). Its tables are checked against each other and its slice as they are read.
    pub fn add(&mut self, shard: &Shard, sink: &mut dyn RunSink) -> Result<(), Diagnostic> {
        self.bands
            .merge(&shard.state.bands)
            .map_err(Diagnostic::new)?;
        self.steps += shard.state.steps;
        if shard.k == 1 {
            self.typical = shard.state.typical();
        }
        let study = self.study;
        let range = shard_subjects(study.population.n, Some((shard.k, shard.parts)));
        let count = self.counted(shard, range.end - range.start)?;
        let mut subjects = Lines::open(&shard.subjects)?;
        subjects.skip(1)?;
        let mut arms = self.arm_readers(shard, count)?;
        let widths = (
            study.covariate_names().len(),
            study.population.effects.parameters.len(),
        );
        let mut first = 0;
        while first < count {
            let size = (count - first).min(BLOCK as usize);
            let mut block = Vec::with_capacity(size);
            for offset in first..first + size {
                let row = subjects.next_row()?.ok_or_else(|| ended(&shard.subjects))?;
                let subject = parse_subject_row(&shard.subjects.file, row, widths)?;
                let index = range.start + offset as u64;
                block.push(SubjectRecord { index, ..subject });
            }
            let mut rows = Vec::with_capacity(size * arms.len());
            for (arm, lines) in arms.iter_mut().enumerate() {
                for subject in &block {
                    let row = lines.next_row()?.ok_or_else(|| ended(&shard.metrics))?;
                    let line = row.0;
                    let row = parse_metrics_row(study, &shard.metrics.file, row)?;
                    rows.push(placed(shard, (arm, line), row, subject, count)?);
                }
            }
            rows.iter().for_each(|row| self.tally.add(row));
            sink.block(Block {
                subjects: &block,
                rows: &rows,
                trajectories: "",
                observations: "",
            })?;
            first += size;
        }
        Ok(())
    }

    /// One reader of the shard's metrics.csv per arm, each at its arm's first row (the header
    /// checked on the first).
    fn arm_readers<'s>(
        &self,
        shard: &'s Shard,
        count: usize,
    ) -> Result<Vec<Lines<'s>>, Diagnostic> {
        let mut arms = Vec::with_capacity(self.study.arms.len());
        for arm in 0..self.study.arms.len() {
            let mut lines = Lines::open(&shard.metrics)?;
            match (arm, lines.next_row()?) {
                (0, Some((_, header))) => {
                    check_metrics_header(self.study, &shard.metrics.file, header)?;
                }
                (0, None) => {
                    return Err(Diagnostic::new(format!(
                        "`{}` is empty: it has no header row",
                        shard.metrics.file
                    ))
                    .hint("the shard's table was cut short: run the shard again"));
                }
                _ => lines.skip(arm * count)?,
            }
            arms.push(lines);
        }
        Ok(arms)
    }

    /// The subjects of a shard, refused unless its subjects.csv holds the `expected` subjects
    /// and its metrics.csv one row per subject and arm, as its record counts.
    fn counted(&self, shard: &Shard, expected: u64) -> Result<usize, Diagnostic> {
        let subjects = Lines::open(&shard.subjects)?.count()?.saturating_sub(1);
        let rows = Lines::open(&shard.metrics)?.count()?.saturating_sub(1);
        if subjects as u64 != expected
            || rows != subjects * self.study.arms.len()
            || shard.simulations != rows as u64
        {
            return Err(self.miscounted(shard, subjects, rows));
        }
        Ok(subjects)
    }

    fn miscounted(&self, shard: &Shard, subjects: usize, rows: usize) -> Diagnostic {
        let range = shard_subjects(self.study.population.n, Some((shard.k, shard.parts)));
        Diagnostic::new(format!(
            "`{}` holds {subjects} subjects and {rows} rows; shard {}/{} should hold {} subjects",
            shard.folder,
            shard.k,
            shard.parts,
            range.end - range.start
        ))
    }

    pub fn finish(self) -> StudyResult {
        StudyResult {
            times: self.study.output_times(),
            tally: self.tally,
            bands: self.bands,
            typical: self.typical,
            steps: self.steps,
        }
    }
}

/// A table that ended before the rows its count promised (it changed while merge read it).
fn ended(table: &TableSource) -> Diagnostic {
    Diagnostic::new(format!("`{}` ended early", table.file))
        .hint("a shard's tables must not change while `merge` reads them")
}

/// A shard's metrics row for `subject`, refused when it is of another arm or subject than its
/// place in the table (arm `arm`, line `line`) says; with the subject's position.
fn placed(
    shard: &Shard,
    (arm, line): (usize, usize),
    row: MetricRow,
    subject: &SubjectRecord,
    count: usize,
) -> Result<MetricRow, Diagnostic> {
    let refuse = |message: String| {
        Err(Diagnostic::new(format!(
            "`{}` row {}: {message}",
            shard.metrics.file,
            line + 1
        ))
        .hint("the shard's tables were edited or mixed up: run the shard again"))
    };
    if row.arm as usize != arm {
        return refuse(format!(
            "a row of another scenario or grid point than the rows around it (metrics.csv lists each arm's {count} subjects in turn)"
        ));
    }
    if row.id != subject.id {
        return refuse(format!(
            "subject {}, where subjects.csv has subject {} (row {})",
            row.id,
            subject.id,
            line - arm * count + 1
        ));
    }
    Ok(MetricRow {
        index: subject.index,
        ..row
    })
}
