//! Bad calibration files: each refused with exit code 1, where the problem is written, with a
//! hint or suggestion, and nothing written.

use super::{calibrate, fixture};

fn refused(name: &str, estimate: &str, targets: &str) -> String {
    let text = format!("run: run.yaml\nestimate:\n{estimate}targets:\n{targets}subjects: 50\n");
    let directory = fixture(name, &text);
    let output = calibrate(&directory, &["--out", "out"]);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        !directory.join("out").exists(),
        "an output folder was written"
    );
    stderr
}

const ESTIMATE: &str = "  s: {typical: [0.2, 5]}\n";
const TARGET: &str = "  - {scenario: mid, metric: response, responders: 13, n: 20}\n";

#[test]
fn an_unknown_scenario_or_metric_is_refused_with_suggestions() {
    let stderr = refused(
        "scenario",
        ESTIMATE,
        "  - {scenario: midd, metric: response, responders: 1, n: 2}\n",
    );
    assert!(
        stderr.contains("`midd` is not a scenario of the run file"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `mid`?"), "{stderr}");
    assert!(stderr.contains("cal.yaml:5:16"), "{stderr}");
    let stderr = refused(
        "metric",
        ESTIMATE,
        "  - {scenario: mid, metric: responce, responders: 1, n: 2}\n",
    );
    assert!(
        stderr.contains("`responce` is not a metric of the run file"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `response`?"), "{stderr}");
}

#[test]
fn more_responders_than_patients_are_refused() {
    let stderr = refused(
        "responders",
        ESTIMATE,
        "  - {scenario: mid, metric: response, responders: 21, n: 20}\n",
    );
    assert!(stderr.contains("21 responders of 20 patients"), "{stderr}");
    assert!(stderr.contains("targets.0.responders"), "{stderr}");
}

#[test]
fn bounds_that_do_not_contain_the_start_are_refused() {
    let stderr = refused("bounds", "  s: {typical: [2, 5]}\n", TARGET);
    assert!(
        stderr.contains("do not contain the start value 1"),
        "{stderr}"
    );
    assert!(stderr.contains("cal.yaml:3:"), "{stderr}");
}

#[test]
fn a_parameter_with_neither_bounds_nor_variability_is_refused() {
    let stderr = refused("nothing", "  s: {}\n", TARGET);
    assert!(stderr.contains("nothing of `s` is estimated"), "{stderr}");
    let stderr = refused("novariability", "  dose: {omega: [0.1, 1]}\n", TARGET);
    assert!(
        stderr.contains("`dose` has no variability in the run file"),
        "{stderr}"
    );
    assert!(stderr.contains("population.variability"), "{stderr}");
}

#[test]
fn a_target_no_patient_has_is_refused_before_the_search() {
    // The fixture runs one day: no patient has a persistence half-life (from day 60 on).
    let target = "  - {scenario: mid, metric: t_half_persistence, median: 5, se: 1}\n";
    let stderr = refused("undefined", ESTIMATE, target);
    assert!(
        stderr.contains("cannot be computed at the start"),
        "{stderr}"
    );
    assert!(stderr.contains("targets.0"), "{stderr}");
    // Placed at the target in the calibration file (the run file has no `targets`).
    assert!(stderr.contains("cal.yaml:5:5"), "{stderr}");
}
