//! The tables a population run streams to disk as subjects finish (metrics.csv, subjects.csv,
//! and trajectories.csv and observations.csv when asked for), so memory does not grow with
//! the population. metrics.csv is sorted by arm: the first arm's rows go straight in, later
//! arms' rows to scratch files appended at the end; every arm's metric values also go to a
//! binary scratch file that the exact summary percentiles are read back from.

use crate::diag::Diagnostic;
use crate::output::Staging;
use crate::study::{
    ArmSummary, Block, RunSink, Study, Tally, TrajectorySelection, metrics_header, metrics_rows,
    subjects_header, subjects_rows, summarize,
};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

/// A table streamed as subjects finish; `None` when it was not asked for.
pub(super) struct Streamed {
    name: &'static str,
    file: Option<BufWriter<File>>,
}

impl Streamed {
    /// The table `name` with `header`, in the staging folder when there is a header.
    pub(super) fn open(
        staging: &mut Staging,
        name: &'static str,
        header: Option<String>,
    ) -> Result<Streamed, Diagnostic> {
        let mut table = Streamed { name, file: None };
        if let Some(header) = header {
            table.file = Some(staging.create(name)?);
            table.append(header.as_bytes())?;
        }
        Ok(table)
    }

    fn append(&mut self, bytes: &[u8]) -> Result<(), Diagnostic> {
        let name = self.name;
        match self.file.as_mut() {
            Some(file) => file.write_all(bytes).map_err(|e| written(name, e)),
            None => Ok(()),
        }
    }

    fn finish(self) -> Result<(), Diagnostic> {
        let name = self.name;
        (self.file).map_or(Ok(()), |mut file| {
            file.flush().map_err(|e| written(name, e))
        })
    }
}

fn written(name: &str, error: std::io::Error) -> Diagnostic {
    Diagnostic::new(format!("cannot write {name}: {error}"))
}

/// A scratch file written during the run and read back at its end.
struct Spill {
    path: PathBuf,
    file: BufWriter<File>,
}

impl Spill {
    fn open(staging: &mut Staging, name: String) -> Result<Spill, Diagnostic> {
        let (path, file) = staging.scratch(&name)?;
        Ok(Spill {
            path,
            file: BufWriter::with_capacity(1 << 16, file),
        })
    }

    /// The file, flushed and rewound for reading.
    fn reread(&mut self) -> Result<&File, Diagnostic> {
        let failed = |e: std::io::Error| {
            Diagnostic::new(format!("cannot read back `{}`: {e}", self.path.display()))
        };
        self.file.flush().map_err(failed)?;
        let file = self.file.get_mut();
        file.seek(SeekFrom::Start(0)).map_err(failed)?;
        Ok(file)
    }
}

/// The `RunSink` of `cartsim run` and `cartsim merge`.
pub(super) struct RunTables<'a> {
    study: &'a Study,
    metrics: BufWriter<File>,
    /// metrics.csv rows of arms 1.. (arm 0's go straight into `metrics`).
    later_arms: Vec<Spill>,
    /// Per arm, the simulated rows' metric values as little-endian f64, row after row.
    values: Vec<Spill>,
    subjects: BufWriter<File>,
    /// trajectories.csv and what goes in it, when asked for.
    trajectories: Streamed,
    selection: Option<TrajectorySelection>,
    observations: Streamed,
}

impl<'a> RunTables<'a> {
    /// Opens metrics.csv and subjects.csv (with their headers) and the scratch files;
    /// `trajectories` (with what goes in it) and `observations` are the optional streamed
    /// tables.
    pub fn open(
        staging: &mut Staging,
        study: &'a Study,
        (trajectories, selection): (Streamed, Option<TrajectorySelection>),
        observations: Streamed,
    ) -> Result<RunTables<'a>, Diagnostic> {
        let mut metrics = staging.create("metrics.csv")?;
        let mut subjects = staging.create("subjects.csv")?;
        (metrics.write_all(metrics_header(study).as_bytes()))
            .map_err(|e| written("metrics.csv", e))?;
        (subjects.write_all(subjects_header(study).as_bytes()))
            .map_err(|e| written("subjects.csv", e))?;
        let arms = study.arms.len();
        let later_arms = (1..arms)
            .map(|arm| Spill::open(staging, format!("metrics-arm-{arm}.csv")))
            .collect::<Result<_, _>>()?;
        let values = (0..arms)
            .map(|arm| Spill::open(staging, format!("values-arm-{arm}.f64")))
            .collect::<Result<_, _>>()?;
        Ok(RunTables {
            study,
            metrics,
            later_arms,
            values,
            subjects,
            selection: selection.filter(|_| trajectories.file.is_some()),
            trajectories,
            observations,
        })
    }

    /// Completes metrics.csv and the streamed tables, and summarizes every arm from its
    /// values read back (exact percentiles, see `study::summarize`).
    pub fn finish(mut self, tally: &Tally) -> Result<Vec<ArmSummary>, Diagnostic> {
        for spill in &mut self.later_arms {
            let mut file = spill.reread()?;
            std::io::copy(&mut file, &mut self.metrics).map_err(|e| written("metrics.csv", e))?;
        }
        self.metrics
            .flush()
            .map_err(|e| written("metrics.csv", e))?;
        self.subjects
            .flush()
            .map_err(|e| written("subjects.csv", e))?;
        self.trajectories.finish()?;
        self.observations.finish()?;
        let study = self.study;
        let width = study.metrics.columns().len();
        let values = &mut self.values;
        summarize(study, tally, &mut |arm, visit| {
            if width == 0 {
                return Ok(()); // no metric columns: nothing was spilled
            }
            let spill = &mut values[arm];
            let path = spill.path.clone();
            let failed = |e: std::io::Error| {
                Diagnostic::new(format!("cannot read back `{}`: {e}", path.display()))
            };
            let mut reader = BufReader::with_capacity(1 << 16, spill.reread()?);
            let mut bytes = vec![0u8; 8 * width];
            let mut row = vec![0.0; width];
            loop {
                match reader.read_exact(&mut bytes) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
                    Err(e) => return Err(failed(e)),
                }
                for (value, chunk) in row.iter_mut().zip(bytes.chunks_exact(8)) {
                    *value = f64::from_le_bytes(chunk.try_into().unwrap_or_default());
                }
                visit(&row);
            }
        })
    }
}

impl RunSink for RunTables<'_> {
    fn wants(&self) -> (Option<TrajectorySelection>, bool) {
        (self.selection.clone(), self.observations.file.is_some())
    }

    fn block(&mut self, block: Block) -> Result<(), Diagnostic> {
        let study = self.study;
        let first_arm = block.rows.partition_point(|row| row.arm == 0);
        metrics_rows(study, &block.rows[..first_arm], &mut self.metrics)
            .map_err(|e| written("metrics.csv", e))?;
        for arm in 1..study.arms.len() {
            let from = block.rows.partition_point(|row| (row.arm as usize) < arm);
            let to = block.rows.partition_point(|row| (row.arm as usize) <= arm);
            metrics_rows(
                study,
                &block.rows[from..to],
                &mut self.later_arms[arm - 1].file,
            )
            .map_err(|e| written("metrics.csv", e))?;
        }
        for row in block.rows.iter().filter(|row| row.failure.is_none()) {
            let spill = &mut self.values[row.arm as usize];
            for value in row.values.iter() {
                (spill.file.write_all(&value.to_le_bytes()))
                    .map_err(|e| written("the metric values", e))?;
            }
        }
        subjects_rows(block.subjects, &mut self.subjects)
            .map_err(|e| written("subjects.csv", e))?;
        self.trajectories.append(block.trajectories.as_bytes())?;
        self.observations.append(block.observations.as_bytes())
    }
}
