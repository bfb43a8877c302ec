//! The records of a population run: run.json of `cartsim run`, of a shard (`--shard K/N`) and
//! of `cartsim merge` (one type, so `report` and `merge` read what `run` wrote), and the
//! shard_state.json a shard keeps for `merge`.

use super::Record;
use super::provenance::Provenance;
use super::{DoseRecord, TimeSpan};
use crate::diag::Diagnostic;
use crate::study::BandSet;
use serde::{Deserialize, Serialize};

/// run.json of a population run, a shard or a merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub format_version: u32,
    pub cartsim_version: String,
    /// The git commit of the build (`version::COMMIT`); empty in records written before it.
    #[serde(default)]
    pub cartsim_commit: String,
    pub command: Vec<String>,
    pub inputs: RunInputs,
    pub run: RunDescription,
    /// The slice of the population a shard ran; None for a whole run or a merge.
    pub shard: Option<ShardSlice>,
    /// The shard folders a merge combined, in shard order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_from: Option<Vec<String>>,
    /// `--scenario` as given (empty: every scenario).
    pub scenarios_selected: Vec<String>,
    /// Worker threads of a run (a merge runs none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    pub simulations: u64,
    pub failed_simulations: u64,
    pub first_failure: Option<SubjectFailure>,
    pub solver_steps: u64,
    pub typical_subject_failures: Vec<ScenarioFailure>,
    pub wall_time_seconds: f64,
    /// The tables written besides the standard ones (absent in records before it existed).
    #[serde(default)]
    pub extra_tables: ExtraTables,
    /// The same record as provenance.json (a shard writes none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

impl Record for RunRecord {
    const FILE: &'static str = "run.json";
    const FORMAT_VERSION: u32 = 1;
}

impl RunRecord {
    /// What differs between this shard's run and `other`'s: (what, this, other) for the shard
    /// count, the scenarios selected, the cartsim build (version and commit) and each input file.
    pub fn differences(&self, other: &RunRecord) -> Vec<(String, String, String)> {
        let mut differences = Vec::new();
        let count = |r: &RunRecord| r.shard.map_or(1, |s| s.n).to_string();
        if count(self) != count(other) {
            differences.push(("the shard count".into(), count(self), count(other)));
        }
        let selected =
            |r: &RunRecord| serde_json::to_string(&r.scenarios_selected).unwrap_or_default();
        if selected(self) != selected(other) {
            differences.push((
                "the scenarios selected".into(),
                selected(self),
                selected(other),
            ));
        }
        let extra = |r: &RunRecord| r.extra_tables.describe();
        if extra(self) != extra(other) {
            differences.push(("the extra tables".into(), extra(self), extra(other)));
        }
        for ((what, one), (_, two)) in self.deciding().into_iter().zip(other.deciding()) {
            if one != two {
                differences.push((what.into(), one, two));
            }
        }
        differences
    }

    /// Refuses `other` (in folder `theirs`) as a shard of another run than this one (in
    /// `ours`): the first difference is the error, the others notes.
    pub fn same_run(&self, other: &RunRecord, ours: &str, theirs: &str) -> Result<(), Diagnostic> {
        let differences = self.differences(other);
        let Some((what, one, two)) = differences.first() else {
            return Ok(());
        };
        let diagnostic = Diagnostic::new(format!(
            "`{ours}` and `{theirs}` are shards of different runs: {what} differs ({one} and {two})"
        ));
        let diagnostic = (differences.iter().skip(1)).fold(diagnostic, |d, (w, x, y)| {
            d.note(format!("{w} differs too ({x} and {y})"))
        });
        Err(diagnostic.hint("merge only the shards of one run: the same run file, model, subject table and cartsim version"))
    }

    /// What decides a shard's numbers (see `RunInputs::deciding`).
    pub fn deciding(&self) -> [(&'static str, String); 4] {
        let build = crate::version::build(&self.cartsim_version, &self.cartsim_commit);
        self.inputs.deciding(&build)
    }
}

/// What a run wrote besides its standard tables (`--save-trajectories`, `--save-observations`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExtraTables {
    /// trajectories.csv, when written.
    pub trajectories: Option<TrajectoryTable>,
    /// Whether observations.csv was written.
    pub observations: bool,
}

/// What trajectories.csv holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryTable {
    /// Its states and outputs, in column order.
    pub outputs: Vec<String>,
    /// Its output times; empty: every output time of the run.
    pub times: Vec<f64>,
}

impl ExtraTables {
    /// The tables in words, for messages: "trajectories.csv (EM at 0, 7), observations.csv".
    pub fn describe(&self) -> String {
        let mut tables = Vec::new();
        if let Some(table) = &self.trajectories {
            let times = match table.times.is_empty() {
                true => "every output time".to_string(),
                false => (table.times.iter().map(|t| crate::diag::number(*t)))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            tables.push(format!(
                "trajectories.csv ({} at {times})",
                table.outputs.join(", ")
            ));
        }
        if self.observations {
            tables.push("observations.csv".to_string());
        }
        match tables.is_empty() {
            true => "none".to_string(),
            false => tables.join(", "),
        }
    }
}

/// Refuses a set of shards (their `k`, in order) that is not each of shards 1 to `parts` once.
pub fn every_shard_once(ks: &[u64], parts: u64) -> Result<(), Diagnostic> {
    if ks == (1..=parts).collect::<Vec<_>>() {
        return Ok(());
    }
    let missing: Vec<String> = (1..=parts)
        .filter(|k| !ks.contains(k))
        .map(|k| format!("{k}/{parts}"))
        .collect();
    let missing = match missing.is_empty() {
        true => "none (one is repeated)".to_string(),
        false => missing.join(", "),
    };
    Err(Diagnostic::new(format!(
        "the shards given are {ks:?} of {parts}; each must appear exactly once"
    ))
    .note(format!("missing: {missing}")))
}

/// The input files of a run as the run file names them, with their SHA-256.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInputs {
    pub run_file: HashedFile,
    pub model: ModelFile,
    /// The subject table, its path as the run file writes it.
    pub table: Option<HashedFile>,
}

impl RunInputs {
    /// What decides a run's numbers, by name: the cartsim build (version and commit) and the
    /// SHA-256 of each input (run file, model, subject table; "none" for no table).
    pub fn deciding(&self, cartsim_build: &str) -> [(&'static str, String); 4] {
        [
            ("the cartsim build", cartsim_build.to_string()),
            ("the run file", self.run_file.sha256.clone()),
            ("the model", self.model.sha256.clone()),
            (
                "the subject table",
                (self.table.as_ref()).map_or("none".into(), |t| t.sha256.clone()),
            ),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HashedFile {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    pub name: String,
    pub title: String,
    pub path: String,
    pub sha256: String,
}

/// What was run: arms, population, time span and solver, and how statistics are computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDescription {
    pub arms: Vec<ArmRecord>,
    pub population: PopulationRecord,
    pub time: TimeSpan,
    /// The solver settings as the run used them.
    pub solver: serde_json::Value,
    pub percentile_method: String,
    pub auc_method: String,
    /// Where Cmax and Tmax were read (`metrics.peak`); absent in records before it existed.
    #[serde(default)]
    pub cmax_method: String,
}

/// A scenario at one grid point, with its typical subject's doses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmRecord {
    pub scenario: String,
    /// Grid parameter values by name, in grid order.
    pub grid: serde_json::Map<String, serde_json::Value>,
    /// Empty when they cannot be computed.
    pub typical_doses: Vec<DoseRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationRecord {
    pub n: u64,
    pub seed: u64,
    pub random_effects: Vec<RandomEffect>,
    /// The correlation matrix of the random effects, row-major.
    pub correlations: Vec<f64>,
    pub covariates: Vec<String>,
    /// The typical subject's covariate values by parameter name (table columns at their median).
    pub typical_covariates: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomEffect {
    pub parameter: String,
    pub omega: f64,
    pub scale: EffectScale,
}

/// The scale a random effect acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EffectScale {
    LogNormal,
    Normal,
    Logit,
}

impl EffectScale {
    /// The distribution of the parameter, as reports name it.
    pub fn distribution(self) -> &'static str {
        match self {
            EffectScale::LogNormal => "log-normal",
            EffectScale::Normal => "normal",
            EffectScale::Logit => "logit",
        }
    }
}

/// Shard `k` of `n` and the subjects it ran (positions from 0, end excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardSlice {
    pub k: u64,
    pub n: u64,
    pub first_subject: u64,
    pub end_subject: u64,
}

/// A subject's failed simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubjectFailure {
    pub subject: u64,
    pub scenario: String,
    pub message: String,
}

/// A scenario whose typical subject failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioFailure {
    pub scenario: String,
    pub message: String,
}

/// What a shard keeps for `merge` besides its tables: band sketches, typical curves, steps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardState {
    pub format_version: u32,
    pub bands: BandSet,
    /// Per arm: the typical subject's tracked values (null where not a number), or its error.
    pub typical: Vec<Result<Vec<Option<f64>>, String>>,
    pub steps: u64,
}

impl Record for ShardState {
    const FILE: &'static str = "shard_state.json";
    const FORMAT_VERSION: u32 = 1;
}

impl ShardState {
    /// The state of a shard's bands, typical curves (NaN kept as null) and solver steps.
    pub fn new(bands: BandSet, typical: &[Result<Vec<f64>, Diagnostic>], steps: u64) -> ShardState {
        ShardState {
            format_version: Self::FORMAT_VERSION,
            bands,
            typical: (typical.iter())
                .map(|t| match t {
                    Ok(v) => Ok(v.iter().map(|x| (!x.is_nan()).then_some(*x)).collect()),
                    Err(failure) => Err(failure.one_line()),
                })
                .collect(),
            steps,
        }
    }

    /// The typical curves with NaN where the shard wrote null.
    pub fn typical(&self) -> Vec<Result<Vec<f64>, Diagnostic>> {
        (self.typical.iter())
            .map(|t| match t {
                Ok(v) => Ok(v.iter().map(|x| x.unwrap_or(f64::NAN)).collect()),
                Err(message) => Err(Diagnostic::new(message.clone())),
            })
            .collect()
    }
}
