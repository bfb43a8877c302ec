//! Provenance: what made an output folder (the program, the command, every input file with its
//! role and SHA-256, seed, solver settings and statistics, wall time, solver switches and
//! warnings). Every command writes it as provenance.json; reports are built from it.

use serde::{Deserialize, Serialize};

/// The file name in an output folder.
pub const FILE: &str = "provenance.json";

/// Which command wrote a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Simulate,
    Run,
    Fit,
    /// `fit --population`.
    Population,
    Trial,
    Calibrate,
}

impl Kind {
    /// The command that writes this kind of folder.
    pub fn command(self) -> &'static str {
        match self {
            Kind::Simulate => "simulate",
            Kind::Run => "run",
            Kind::Fit => "fit",
            Kind::Population => "fit --population",
            Kind::Trial => "trial",
            Kind::Calibrate => "calibrate",
        }
    }
}

/// What an input file was to the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InputRole {
    #[serde(rename = "model")]
    Model,
    #[serde(rename = "run file")]
    RunFile,
    #[serde(rename = "data")]
    Data,
    #[serde(rename = "subject table")]
    SubjectTable,
    #[serde(rename = "trial file")]
    TrialFile,
    #[serde(rename = "calibration file")]
    CalibrationFile,
}

impl InputRole {
    /// The role as records and reports write it.
    pub fn label(self) -> &'static str {
        match self {
            InputRole::Model => "model",
            InputRole::RunFile => "run file",
            InputRole::Data => "data",
            InputRole::SubjectTable => "subject table",
            InputRole::TrialFile => "trial file",
            InputRole::CalibrationFile => "calibration file",
        }
    }
}

/// An input file: its role, the path as given on the command line (or in the run file), the
/// absolute path when it could be resolved, and the SHA-256 of its contents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputFile {
    pub role: InputRole,
    pub path: String,
    pub absolute_path: Option<String>,
    pub sha256: String,
}

/// What made an output folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub kind: Kind,
    pub cartsim_version: String,
    /// The git commit of the build (`version::COMMIT`); empty in records written before it.
    #[serde(default)]
    pub cartsim_commit: String,
    /// UTC time the command finished, `YYYY-MM-DD HH:MM:SS UTC`.
    pub created: String,
    pub command: Vec<String>,
    pub working_directory: Option<String>,
    pub inputs: Vec<InputFile>,
    /// Scenarios run (for `simulate` and `fit`: empty).
    #[serde(default)]
    pub scenarios: Vec<String>,
    /// Subjects per scenario (`run`), IDs (`fit`, `simulate --data`), or 1.
    pub n: u64,
    pub seed: Option<u64>,
    /// The solver settings (method, tolerances, step limits) as the run used them.
    pub solver: serde_json::Value,
    /// Work done by the solver (counters by name).
    #[serde(default)]
    pub solver_statistics: serde_json::Map<String, serde_json::Value>,
    pub wall_time_seconds: f64,
    /// Solver method switches (such as `auto` switching to BDF).
    #[serde(default)]
    pub solver_switches: Vec<String>,
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Every file the command wrote, relative to the folder (this record included); a report
    /// shows only these. None in folders of older versions.
    #[serde(default)]
    pub files: Option<Vec<String>>,
}

impl Provenance {
    /// The input file with this role.
    pub fn input(&self, role: InputRole) -> Option<&InputFile> {
        self.inputs.iter().find(|i| i.role == role)
    }

    /// Adds a simulation's solver work and its switch, if any; the switch is prefixed
    /// `ID <id>: ` when `id` is given (one simulation of a dataset's).
    pub fn add_simulation(&mut self, id: Option<&str>, simulation: &crate::simulate::Simulation) {
        add_counters(&mut self.solver_statistics, &simulation.stats);
        if let Some(method_switch) = &simulation.method_switch {
            let text = switch_text(method_switch);
            self.solver_switches.push(match id {
                Some(id) => format!("ID {id}: {text}"),
                None => text,
            });
        }
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

/// Adds counters (a struct of whole numbers, such as solver `Stats`) into `total`, by name.
fn add_counters(total: &mut serde_json::Map<String, serde_json::Value>, counters: &impl Serialize) {
    if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(counters) {
        for (name, value) in map {
            let sum = total.get(&name).and_then(|v| v.as_u64()).unwrap_or(0)
                + value.as_u64().unwrap_or(0);
            total.insert(name, sum.into());
        }
    }
}

/// A solver switch as records and the console show it.
pub fn switch_text(switch: &crate::solver::MethodSwitch) -> String {
    format!(
        "`auto` switched to bdf at time {}: {}",
        switch.time, switch.reason
    )
}
