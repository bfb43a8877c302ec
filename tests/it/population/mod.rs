//! Population runs: the same files whatever the thread count or sharding, sampling statistics,
//! common random numbers, grid expansion, per-kg dosing, metrics against the Stein closed form,
//! a subject table, and bad run files.

mod errors;
mod failures;
mod files;
mod merging;
mod sampling;
mod summaries;

use crate::{repo_path, shipped};
use cartsim::diag::{Diagnostic, render_all};
use cartsim::spec::{RunSpec, load_yaml};
use cartsim::study::{Study, StudyInputs, check};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn cartsim(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cartsim"))
        .args(arguments)
        .output()
        .expect("cartsim runs")
}

pub fn scratch(name: &str) -> PathBuf {
    let directory =
        std::env::temp_dir().join(format!("cartsim-population-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

pub fn succeed(arguments: &[&str]) {
    let output = cartsim(arguments);
    assert!(
        output.status.success(),
        "cartsim {arguments:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

pub fn fixture(name: &str) -> String {
    repo_path(&format!("tests/fixtures/runs/{name}"))
        .display()
        .to_string()
}

pub fn read(folder: &Path, name: &str) -> String {
    std::fs::read_to_string(folder.join(name))
        .unwrap_or_else(|e| panic!("{}: {e}", folder.join(name).display()))
}

/// Checks run-file text against a shipped model (named by the file's `model:`).
pub fn study(text: &str) -> Result<Study, Vec<Diagnostic>> {
    let loaded = load_yaml::<RunSpec>("run.yaml", text)?;
    let model = shipped(&loaded.spec.model);
    check(StudyInputs {
        run: &loaded,
        model,
        table: None,
    })
}

pub fn errors(text: &str) -> String {
    match study(text) {
        Ok(_) => panic!("the run file was accepted:\n{text}"),
        Err(diagnostics) => render_all(&diagnostics),
    }
}
