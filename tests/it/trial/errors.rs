//! Bad trial files: each refused with exit code 1, the file, line and column, the YAML path and
//! a hint, before anything is simulated or written.

use super::{fixture, trial};

/// Runs the fixture with `rest` after its levels and toxicity; returns stderr, asserting the
/// run failed with exit code 1 and wrote no output folder.
fn refused(name: &str, rest: &str, arguments: &[&str]) -> String {
    let directory = fixture(name, rest);
    let mut all = vec!["--out", "out"];
    all.extend_from_slice(arguments);
    let output = trial(&directory, &all);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        !directory.join("out").exists(),
        "an output folder was written"
    );
    stderr
}

#[test]
fn an_unknown_start_level_is_refused_with_suggestions() {
    let stderr = refused("start", "design: {kind: 3+3}\nstart: L5\n", &[]);
    assert!(
        stderr.contains("`L5` is not one of the trial's levels"),
        "{stderr}"
    );
    assert!(stderr.contains("trial.yaml:9:8"), "{stderr}");
    assert!(stderr.contains("levels: L1, L2, L3, L4"), "{stderr}");
    assert!(stderr.contains("e.g. `start: L1`"), "{stderr}");
    let stderr = refused("start2", "design: {kind: 3+3}\nstart: l2\n", &[]);
    assert!(stderr.contains("did you mean `L2`?"), "{stderr}");
}

#[test]
fn a_design_key_of_the_other_kind_is_refused_where_it_is_written() {
    let stderr = refused("key", "design: {kind: 3+3, target: 0.3}\n", &[]);
    assert!(
        stderr.contains("`target` is not a key of a 3+3 design"),
        "{stderr}"
    );
    assert!(stderr.contains("trial.yaml:8:21"), "{stderr}");
    assert!(stderr.contains("belongs to BOIN"), "{stderr}");
    let stderr = refused(
        "key2",
        "design: {kind: boin, target: 0.3, max_n: 30, deescalate: true}\n",
        &[],
    );
    assert!(
        stderr.contains("`deescalate` is not a key of a boin design"),
        "{stderr}"
    );
}

#[test]
fn a_target_outside_zero_one_is_refused() {
    for target in ["1.2", "0", "-0.1"] {
        let design = format!("design: {{kind: boin, target: {target}, max_n: 30}}\n");
        let stderr = refused("target", &design, &[]);
        assert!(stderr.contains("design.target"), "{stderr}");
        assert!(stderr.contains("trial.yaml:8:"), "{stderr}");
    }
}

#[test]
fn an_output_the_model_does_not_have_is_refused_with_suggestions() {
    let rest = "design: {kind: 3+3}\nefficacy: {output: toxx, above: 1, by: 1}\n";
    let stderr = refused("output", rest, &[]);
    assert!(
        stderr.contains("`toxx` is not an output or state of the model"),
        "{stderr}"
    );
    assert!(stderr.contains("efficacy.output"), "{stderr}");
    assert!(stderr.contains("did you mean `tox`?"), "{stderr}");
}

#[test]
fn zero_trials_are_refused_in_the_file_and_on_the_command_line() {
    let stderr = refused("zero", "design: {kind: 3+3}\ntrials: 0\n", &[]);
    assert!(stderr.contains("0 trials is not 1 to"), "{stderr}");
    assert!(stderr.contains("trial.yaml:9:9"), "{stderr}");
    let stderr = refused("zero-flag", "design: {kind: 3+3}\n", &["--trials", "0"]);
    assert!(stderr.contains("`--trials 0`"), "{stderr}");
}

#[test]
fn an_unknown_design_kind_and_a_missing_run_file_are_refused() {
    let stderr = refused("kind", "design: {kind: crm}\n", &[]);
    assert!(
        stderr.contains("`crm` is not a design cartsim runs"),
        "{stderr}"
    );
    let directory = fixture("norun", "design: {kind: 3+3}\n");
    std::fs::remove_file(directory.join("run.yaml")).unwrap();
    let output = trial(&directory, &["--out", "out"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot read the run file"), "{stderr}");
    // `--run` replaces the trial file's run file (e.g. a calibrated one); its errors say so.
    std::fs::write(directory.join("other.yaml"), "model: nowhere.yaml\n").unwrap();
    let output = trial(&directory, &["--run", "other.yaml", "--out", "out"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("the run file given by `--run`"), "{stderr}");
}

#[test]
fn a_population_that_cannot_be_sampled_is_refused_at_its_run_file_line() {
    // A covariate whose distribution lies wholly outside its bounds: found only when patients
    // are drawn, and placed at the run file's covariates (it had the YAML path alone).
    let directory = fixture("unsampled", "design: {kind: 3+3}\ntrials: 2\n");
    let run = "model: threshold.yaml\nsimulation: {end: 2, step: 1}\npopulation:\n  n: 10\n  covariates:\n    s: {distribution: normal, mean: 100, sd: 1, min: 0, max: 10}\n";
    std::fs::write(directory.join("run.yaml"), run).unwrap();
    let output = trial(&directory, &["--out", "out"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot sample the population"), "{stderr}");
    assert!(stderr.contains("covariate `s`"), "{stderr}");
    assert!(stderr.contains("run.yaml:6:5"), "{stderr}");
    assert!(stderr.contains("population.covariates"), "{stderr}");
    assert!(
        stderr.contains("widen the covariate's `min`/`max`"),
        "{stderr}"
    );
    assert!(!directory.join("out").exists());
}
