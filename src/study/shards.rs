//! Shards of a run: the slice of the population each runs, and, for `merge`, each shard's
//! tables checked against each other and its slice, then combined into the result one
//! unsharded run gives (bands merged exactly).

use super::Study;
use super::bands::BandSet;
use super::execute::{StudyResult, SubjectRecord};
use super::metrics::MetricRow;
use super::sink::{Block, RunSink};
use super::summary::Tally;
use super::tables::{parse_metrics_csv, parse_subjects_csv};
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

/// A shard's table, refused when its last row is cut short (no final line break).
pub fn whole<'a>(file: &str, text: &'a str) -> Result<&'a str, Diagnostic> {
    match text.is_empty() || text.ends_with('\n') {
        true => Ok(text),
        false => Err(cut_short(file, text.lines().count())),
    }
}

/// The error for a shard's table `file` whose row `row` (from 1, the header included) has no
/// final line break.
pub fn cut_short(file: &str, row: usize) -> Diagnostic {
    Diagnostic::new(format!(
        "`{file}`: row {row} is cut short (the file does not end with a line break)"
    ))
    .hint("the shard's table was cut short: run the shard again")
}

/// A table's file name and text.
pub struct Table {
    pub file: String,
    pub text: String,
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
    pub metrics: Table,
    pub subjects: Table,
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
    /// (the typical curves are the first shard's; every shard computes the same).
    pub fn add(&mut self, shard: &Shard, sink: &mut dyn RunSink) -> Result<(), Diagnostic> {
        self.bands
            .merge(&shard.state.bands)
            .map_err(Diagnostic::new)?;
        self.steps += shard.state.steps;
        if shard.k == 1 {
            self.typical = shard.state.typical();
        }
        let (mut rows, subjects) = self.tables(shard)?;
        rows.sort_by_key(|row| row.arm);
        rows.iter().for_each(|row| self.tally.add(row));
        sink.block(Block {
            subjects: &subjects,
            rows: &rows,
            trajectories: "",
            observations: "",
        })
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

    /// A shard's metrics and subjects, checked against each other and its record, with the
    /// subjects' positions in the whole population.
    fn tables(&self, shard: &Shard) -> Result<(Vec<MetricRow>, Vec<SubjectRecord>), Diagnostic> {
        let study = self.study;
        let range = shard_subjects(study.population.n, Some((shard.k, shard.parts)));
        let (metrics, subjects) = (&shard.metrics, &shard.subjects);
        let rows = parse_metrics_csv(study, &metrics.file, whole(&metrics.file, &metrics.text)?)?;
        let mut shard_subjects = parse_subjects_csv(
            study,
            &subjects.file,
            whole(&subjects.file, &subjects.text)?,
        )?;
        let count = shard_subjects.len();
        if count as u64 != range.end - range.start
            || rows.len() != count * study.arms.len()
            || shard.simulations != rows.len() as u64
        {
            return Err(Diagnostic::new(format!(
                "`{}` holds {count} subjects and {} rows; shard {}/{} should hold {} subjects",
                shard.folder,
                rows.len(),
                shard.k,
                shard.parts,
                range.end - range.start
            )));
        }
        for (offset, subject) in shard_subjects.iter_mut().enumerate() {
            subject.index = range.start + offset as u64;
        }
        let mut placed = Vec::with_capacity(rows.len());
        for (k, mut row) in rows.into_iter().enumerate() {
            let subject = &shard_subjects[k % count];
            if row.id != subject.id {
                return Err(Diagnostic::new(format!(
                    "`{}` row {}: subject {}, where subjects.csv has subject {} (row {})",
                    metrics.file,
                    k + 2,
                    row.id,
                    subject.id,
                    k % count + 2
                ))
                .hint("the shard's tables were edited or mixed up: run the shard again"));
            }
            row.index = range.start + (k % count) as u64;
            placed.push(row);
        }
        Ok((placed, shard_subjects))
    }
}
