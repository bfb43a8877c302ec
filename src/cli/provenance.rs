//! The provenance.json every `simulate`, `run` and `fit` writes: one builder, so the three
//! record the same things the same way (see `report::provenance`).

use crate::record::provenance::{InputFile, InputRole, Kind, Provenance};
use crate::report::format::utc_timestamp;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// An input file: its path as given, its absolute path, and the SHA-256 of its text.
pub(super) fn input(role: InputRole, path: &Path, text: &str) -> InputFile {
    input_hashed(role, path, &crate::output::sha256_hex(text.as_bytes()))
}

/// An input file whose SHA-256 was taken while reading it.
pub(super) fn input_hashed(role: InputRole, path: &Path, sha256: &str) -> InputFile {
    InputFile {
        role,
        path: path.display().to_string(),
        absolute_path: std::fs::canonicalize(path)
            .ok()
            .map(|p| p.display().to_string()),
        sha256: sha256.to_string(),
    }
}

/// The files of `inputs` (their absolute paths where known), for `output::Destination`.
pub(super) fn paths(inputs: &[InputFile]) -> Vec<PathBuf> {
    (inputs.iter())
        .map(|i| PathBuf::from(i.absolute_path.as_ref().unwrap_or(&i.path)))
        .collect()
}

/// The provenance of a command that started at `started`, with the program, the command line,
/// the time and the folder it ran in filled in; the caller adds the rest.
pub(super) fn record(
    kind: Kind,
    inputs: Vec<InputFile>,
    solver: &impl serde::Serialize,
    started: Instant,
) -> Provenance {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Provenance {
        kind,
        cartsim_version: crate::version::VERSION.to_string(),
        cartsim_commit: crate::version::COMMIT.to_string(),
        created: utc_timestamp(now),
        command: std::env::args().collect(),
        working_directory: std::env::current_dir()
            .ok()
            .map(|d| d.display().to_string()),
        inputs,
        scenarios: Vec::new(),
        n: 1,
        seed: None,
        solver: serde_json::to_value(solver).unwrap_or_default(),
        solver_statistics: serde_json::Map::new(),
        wall_time_seconds: started.elapsed().as_secs_f64(),
        solver_switches: Vec::new(),
        warnings: Vec::new(),
        files: None,
    }
}
