//! Subjects whose simulation fails: the run finishes, metrics.csv marks each failed row with
//! when it failed, the states it left and what to try, and the console warns with the same
//! parts; a run in which every simulation fails is refused and writes nothing; shards with
//! failed subjects merge into the unsharded run's table.

use super::{cartsim, read, scratch};
use std::path::{Path, PathBuf};

/// y' = k y^2 from y(0) = 1 blows up at t = 1/k: with k typical 0.3 and a log-normal omega of
/// 1, subjects with k > 0.5 (about 30%) fail before the end at t = 2, the others finish.
fn blowup_run(folder: &Path, typical_k: f64) -> PathBuf {
    std::fs::write(
        folder.join("blowup.yaml"),
        format!(
            "name: blowup\nparameters:\n  k: {{value: {typical_k}}}\nstates:\n  y: {{initial: 1}}\n\
             odes:\n  y: k * y^2\noutputs:\n  level: {{expr: y}}\n\
             simulation: {{end: 2, step: 0.1}}\n"
        ),
    )
    .unwrap();
    let run = folder.join("run.yaml");
    std::fs::write(
        &run,
        "model: blowup.yaml\nsimulation: {end: 2, step: 0.1}\nscenarios:\n  only: {}\n\
         population: {n: 40, seed: 3, variability: {k: {omega: 1}}}\n",
    )
    .unwrap();
    run
}

#[test]
fn a_failed_subject_keeps_its_time_states_and_hint_in_metrics_and_on_the_console() {
    let folder = scratch("failures-some");
    let run = blowup_run(&folder, 0.3);
    let out = folder.join("out");
    let output = cartsim(&["run", run.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let metrics = read(&out, "metrics.csv");
    let failed: Vec<&str> = metrics.lines().filter(|l| l.contains(",failed,")).collect();
    let ok = metrics.lines().filter(|l| l.contains(",ok,")).count();
    assert!(!failed.is_empty() && ok > 0, "{metrics}");
    for line in &failed {
        assert!(
            line.contains(",failed,\"at time ")
                && line.contains("states at time ")
                && line.contains("y = ")
                && line.contains("hint: "),
            "a failed row lost its time, states or hint: {line}"
        );
    }
    let first = stderr
        .lines()
        .find(|l| l.starts_with("warning: "))
        .unwrap_or_default();
    assert!(
        first.contains(&format!("{} of 40 simulations failed", failed.len()))
            && first.contains("the first: subject ")
            && first.contains("at time "),
        "{stderr}"
    );
    assert!(
        stderr.contains("= note: states at time ") && stderr.contains("= hint: "),
        "{stderr}"
    );
    let record = read(&out, "run.json");
    assert!(record.contains("states at time "), "{record}");
    let _ = std::fs::remove_dir_all(&folder);
}

#[test]
fn a_run_in_which_every_simulation_fails_is_refused_and_writes_nothing() {
    let folder = scratch("failures-all");
    // k typical 50 blows up at t = 0.02; omega 1 leaves no subject with k below 0.5.
    let run = blowup_run(&folder, 50.0);
    let out = folder.join("out");
    let output = cartsim(&["run", run.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: every simulation failed; the first: subject ")
            && stderr.contains("= note: states at time ")
            && stderr.contains("solver settings in `simulation:`"),
        "{stderr}"
    );
    assert!(!out.exists(), "a refused run leaves no folder");
    let _ = std::fs::remove_dir_all(&folder);
}

/// The failure reasons (commas, quotes and all) survive a shard's metrics.csv and its merge:
/// two shards merged give the unsharded run's table byte for byte.
#[test]
fn shards_with_failed_subjects_merge_into_the_unsharded_table() {
    let folder = scratch("failures-shards");
    let run = blowup_run(&folder, 0.3);
    let run = run.to_str().unwrap();
    let path = |name: &str| folder.join(name).display().to_string();
    for (shard, out) in [("1/2", "s1"), ("2/2", "s2")] {
        let output = cartsim(&["run", run, "--shard", shard, "--out", &path(out)]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let merged = cartsim(&["merge", &path("s1"), &path("s2"), "--out", &path("merged")]);
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let whole = cartsim(&["run", run, "--out", &path("whole")]);
    assert!(
        whole.status.success(),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );
    let table = read(&folder.join("merged"), "metrics.csv");
    assert!(table.contains(",failed,\"at time "), "{table}");
    assert_eq!(table, read(&folder.join("whole"), "metrics.csv"));
    let _ = std::fs::remove_dir_all(&folder);
}
