//! Bad run files, tables, scenario names and shard arguments.

use super::*;

#[test]
fn bad_run_files_are_reported_with_locations_and_suggestions() {
    let base = "model: cart3.yaml\n";
    let e = errors(&format!(
        "{base}population: {{n: 10, variability: {{rhoo: {{omega: 0.3}}}}}}\n"
    ));
    assert!(
        e.contains("`rhoo` is not a parameter") && e.contains("did you mean `rho`"),
        "{e}"
    );
    assert!(e.contains("run.yaml:2:"), "{e}");
    let e = errors(&format!(
        "{base}population: {{n: 10, variability: {{rho: {{omega: -0.1}}}}}}\n"
    ));
    assert!(e.contains("omega of `rho` is -0.1"), "{e}");
    let e = errors(&format!(
        "{base}population:\n  n: 10\n  variability: {{rho: {{omega: 0.3}}, alpha: {{omega: 0.3}}, g: {{omega: 0.3}}}}\n  correlations: {{rho~alpha: 0.9, alpha~g: 0.9, rho~g: -0.9}}\n"
    ));
    assert!(
        e.contains("not positive semi-definite") && e.contains("`rho`, `alpha`, `g`"),
        "{e}"
    );
    let e = errors(&format!("{base}population: {{n: 0}}\n"));
    assert!(e.contains("`n` is 0"), "{e}");
    let e = errors(&format!(
        "{base}population: {{n: 5, variability: {{rho: {{omega: 0.3, distribution: lognormall}}}}}}\n"
    ));
    assert!(e.contains("did you mean `lognormal`"), "{e}");
    let e = errors(&format!(
        "{base}population: {{n: 5, correlations: {{rho~alpha: 0.2}}}}\n"
    ));
    assert!(e.contains("`rho` has no variability"), "{e}");
    let e = errors(&format!(
        "{base}scenarios: {{a: {{doses: [{{state: EE, amount: 1}}]}}}}\n"
    ));
    assert!(
        e.contains("unknown state `EE`") && e.contains("states: E, M, T"),
        "{e}"
    );
    let e = errors(&format!("{base}grid: {{rhoo: [1, 2]}}\n"));
    assert!(e.contains("did you mean `rho`"), "{e}");
    let e = errors(&format!("{base}metrics: {{exposure: EMM}}\n"));
    assert!(e.contains("did you mean `EM`"), "{e}");
    let e = errors(&format!("{base}metrics: {{relapse: {{above: 1e9}}}}\n"));
    assert!(e.contains("a relapse is defined after a response"), "{e}");
    let e = errors(&format!("{base}populaton: {{n: 3}}\n"));
    assert!(
        e.contains("unknown key `populaton`") && e.contains("did you mean `population`"),
        "{e}"
    );
    let e = errors(&format!(
        "{base}population: {{n: 3, covariates: {{weight: {{distribution: lognormal, median: 30, omega: 0.2}}}}}}\n"
    ));
    assert!(e.contains("`weight` is not a parameter"), "{e}");
}

#[test]
fn bad_tables_scenarios_and_shards_fail_cleanly_with_exit_codes() {
    let root = scratch("bad-cli");
    let run = root.join("run.yaml");
    let models = repo_path("models/cart3.yaml");
    std::fs::write(
        &run,
        format!(
            "model: {}\npopulation: {{table: subjects.csv}}\n",
            models.display()
        ),
    )
    .unwrap();
    std::fs::write(root.join("subjects.csv"), "ID,rho\n1,0.5\n2,fast\n").unwrap();
    let out = root.join("out").display().to_string();
    let output = cartsim(&["run", &run.display().to_string(), "--out", &out]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("row 3, column `rho`: `fast` is not a finite number"),
        "{stderr}"
    );
    assert!(stderr.contains("subjects.csv:3:3"), "{stderr}");
    // The table's own error only: no `missing key n` for a run file whose `table:` failed.
    assert!(
        stderr.ends_with("1 error found\n") && !stderr.contains("missing key"),
        "{stderr}"
    );
    assert!(
        !root.join("out").exists(),
        "nothing is written for bad input"
    );
    let output = cartsim(&[
        "run",
        &fixture("cart3_small.yaml"),
        "--scenario",
        "singel",
        "--out",
        &out,
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("did you mean `single`"), "{stderr}");
    let output = cartsim(&["run", &fixture("cart3_small.yaml"), "--shard", "4/3"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_grid_of_too_many_arms_is_refused_before_its_points_are_built() {
    // Eight parameters of ten values each cross to 1e8 arms: building them first took about
    // 6 GB (and minutes) before the 10,000-arm limit was checked.
    let values = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]";
    let grid: Vec<String> = ["rho", "alpha", "gamma", "T0", "eps", "KT", "theta", "mu"]
        .iter()
        .map(|p| format!("{p}: {values}"))
        .collect();
    let e = errors(&format!(
        "model: cart3.yaml\ngrid: {{{}}}\n",
        grid.join(", ")
    ));
    assert!(
        e.contains("100000000 arms (scenarios x grid points) are too many")
            && e.contains("run.yaml:2:"),
        "{e}"
    );
}

/// A dose its scenario's typical subject cannot be given is refused where it is written, not
/// left to fail in every simulation.
#[test]
fn a_scenario_dose_the_typical_subject_cannot_take_is_refused_at_its_line() {
    let e = errors(
        "model: cart3.yaml\nscenarios:\n  low: {doses: [{state: E, amount: 1e6}]}\n  bad: {doses: [{state: E, amount: -1e6}]}\n",
    );
    assert!(
        e.contains("scenario `bad`: the dose amount is -1000000")
            && e.contains("run.yaml:4:")
            && e.contains("scenarios.bad.doses.0.amount")
            && !e.contains("scenario `low`"),
        "{e}"
    );
}

#[test]
fn an_unknown_output_is_named_with_its_article() {
    let e = errors("model: cart3.yaml\nsimulation: {outputs: [EMM]}\n");
    assert!(
        e.contains("`EMM` is not an output or state of the model") && e.contains("`EM`"),
        "{e}"
    );
}

/// observations.csv numbers subject k of arm a as a x 10^m + k: with subject IDs near the
/// largest 64-bit number that cannot fit, and the run is refused at once (the search for the
/// power of ten looped forever, saturating at u64::MAX). The last shard of the largest `n`
/// holds one subject, so the run would otherwise be short.
#[test]
fn observation_ids_past_64_bits_are_refused_instead_of_looping() {
    let root = scratch("observation-ids");
    let run = root.join("run.yaml");
    let n = u64::MAX;
    std::fs::write(
        &run,
        format!(
            "model: {}\nsimulation: {{end: 5, step: 1}}\nscenarios:\n  a: {{doses: [{{state: E, amount: 1e7, time: 0}}]}}\n  b: {{doses: [{{state: E, amount: 1e6, time: 0}}]}}\npopulation: {{n: {n}, seed: 1, residual: {{output: EM, model: proportional, sd: 0.2}}}}\n",
            repo_path("models/cart3.yaml").display()
        ),
    )
    .unwrap();
    let shard = format!("{n}/{n}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cartsim"))
        .args(["run", &run.display().to_string(), "--shard", &shard])
        .args(["--save-observations", "--figures", "none", "--out"])
        .arg(root.join("out"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("cartsim run did not end within 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    let e = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{e}");
    assert!(
        e.contains("with 2 arms and IDs up to 18446744073709551615")
            && e.contains("population.n")
            && e.contains("run.yaml:6:17")
            && e.contains("--scenario NAME"),
        "{e}"
    );
    let left: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().collect();
    assert_eq!(left.len(), 1, "only run.yaml: no output or staging folder");
    // IDs from a subject table: the table is named, at its line, with what to change there.
    std::fs::write(
        root.join("subjects.csv"),
        format!("ID,rho\n{n},0.5\n2,0.6\n"),
    )
    .unwrap();
    let text = std::fs::read_to_string(&run).unwrap().replace(
        &format!("population: {{n: {n}, seed: 1,"),
        "population: {table: subjects.csv,",
    );
    std::fs::write(&run, text).unwrap();
    let output = cartsim(&["run", &run.display().to_string(), "--save-observations"]);
    let e = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{e}");
    assert!(
        e.contains("IDs up to 18446744073709551615")
            && e.contains("at: population.table")
            && e.contains("run.yaml:6:21")
            && e.contains("number the table's subjects with smaller IDs"),
        "{e}"
    );
}

/// Subject tables as spreadsheets save them: empty columns after the last one are named as
/// unnamed columns (not "column `` is not a parameter"), a number too large is not told to
/// use `NA` for missing values (a table may not miss any), and an ID too large for 64 bits
/// is called too large, not "not a positive whole number".
#[test]
fn subject_table_cells_from_spreadsheets_get_errors_that_fit_them() {
    let parameters = ["rho", "alpha"];
    let read = |text: &str| cartsim::population::read_table("s.csv", text, &parameters);
    let e = read("ID,rho,,\n1,0.8,,\n").unwrap_err();
    assert_eq!(
        e.message,
        "column 3 of the subject table's header has no name"
    );
    assert_eq!(
        e.location.as_ref().map(|l| (l.line, l.column)),
        Some((1, 8))
    );
    assert!(e.hints[0].contains("delete the column"), "{e:?}");
    let e = read("ID,rho\n1,1e400\n").unwrap_err();
    assert_eq!(
        e.message,
        "row 2, column `rho`: `1e400` is not a finite number"
    );
    assert_eq!(e.hints, ["write numbers like 70, 0.3 or 1e9; no units"]);
    let e = read("ID,rho\n1,0,8\n").unwrap_err();
    assert!(e.message.contains("row 2 has 3 cells"), "{e:?}");
    let e = read("ID,rho\n1,\"0,8\"\n").unwrap_err();
    assert_eq!(e.hints.len(), 1, "{e:?}");
    assert!(e.hints[0].contains("write `0.8`"), "{e:?}");
    let e = read("ID,rho\n99999999999999999999,0.8\n").unwrap_err();
    assert_eq!(
        e.message,
        "row 2, column `ID`: `99999999999999999999` is too large for an ID (at most 18446744073709551615)"
    );
    let e = read("ID,rho\n0,0.8\n").unwrap_err();
    assert!(
        e.message.contains("`0` is not a positive whole number"),
        "{e:?}"
    );
}

/// Counts that are not whole numbers from 0 are named in words, not as Rust's types (`u64`,
/// `as u128`, `floating point`).
#[test]
fn counts_out_of_range_are_named_without_type_names() {
    let cases = [
        ("-3", "found integer `-3`, expected a whole number from 0"),
        ("2.5", "found number `2.5`, expected a whole number from 0"),
        (
            "100000000000000000000",
            "found integer `100000000000000000000`, expected a whole number from 0 to 18446744073709551615",
        ),
    ];
    for (n, message) in cases {
        let e = errors(&format!("model: cart3.yaml\npopulation: {{n: {n}}}\n"));
        assert!(
            e.contains(message) && e.contains("run.yaml:2:17") && !e.contains("u64"),
            "{e}"
        );
    }
    let e = errors("model: cart3.yaml\nmetrics: {peak: grd}\n");
    assert!(
        e.contains("unknown value `grd`") && e.contains("did you mean `grid`?"),
        "{e}"
    );
    assert!(!e.contains("indentation"), "{e}");
}

/// `cartsim COMMAND run.yaml` on run-file `text` in a scratch folder: exits 1, writes
/// nothing; returns stderr.
fn refused(command: &str, name: &str, text: &str) -> String {
    let root = scratch(name);
    let run = root.join("run.yaml").display().to_string();
    std::fs::write(&run, text).unwrap();
    let out = root.join("out");
    let output = match command {
        "check" => cartsim(&["check", &run]),
        _ => cartsim(&[command, &run, "--out", &out.display().to_string()]),
    };
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!out.exists(), "nothing is written for bad input");
    stderr
}

/// An empty `model:` (null or `""`) is named as empty at its key, with what it takes, not as
/// "cannot read ``".
#[test]
fn an_empty_model_key_says_it_is_empty_and_what_it_takes() {
    for (k, value) in ["", " \"\""].iter().enumerate() {
        for command in ["run", "check"] {
            let e = refused(
                command,
                &format!("empty-model-{k}"),
                &format!("model:{value}\n"),
            );
            assert!(
                e.contains("`model:` is empty")
                    && e.contains("run.yaml:1:1")
                    && e.contains(
                        "the path of a model file (YAML), relative to this run file's folder"
                    )
                    && e.contains("the name of a shipped model (`model: cart3`")
                    && !e.contains("cannot read"),
                "{e}"
            );
        }
    }
}

/// `times: []` without an `end` is named as an empty list at the list, not as a span from 0
/// to 0 in steps of 0; in a model file too.
#[test]
fn an_empty_times_list_is_named_as_empty_with_what_to_write() {
    let model = repo_path("models/onecomp_iv_bolus.yaml");
    let text = format!("model: {}\nsimulation: {{times: []}}\n", model.display());
    let e = refused("run", "empty-times", &text);
    assert!(
        e.contains("`times` is an empty list, so the run has no end")
            && e.contains("run.yaml:2:21")
            && e.contains("at: simulation.times")
            && e.contains("`times: [0, 7, 28]`")
            && e.contains("`end: 28, step: 1`")
            && !e.contains("`step` is 0")
            && !e.contains("ends at 0"),
        "{e}"
    );
    let model_text = std::fs::read_to_string(&model)
        .unwrap()
        .replace("{end: 48, step: 1,", "{times: [],");
    let e = refused("simulate", "empty-times-model", &model_text);
    assert!(
        e.contains("`simulation.times` is an empty list, so the simulation has no end")
            && e.contains("run.yaml:20:21")
            && e.contains("`times: [0, 7, 28]`"),
        "{e}"
    );
}

/// A YAML merge key is refused at its line as not supported, not as an unknown key `<<`.
#[test]
fn a_merge_key_is_refused_as_unsupported_with_what_to_write() {
    let text = "model: cart3\nscenarios:\n  a: &base {doses: [{state: E, amount: 1e7, time: 0}]}\n  b:\n    <<: *base\n    parameters: {rho: 0.5}\n";
    let e = refused("run", "merge-key", text);
    assert!(
        e.contains("YAML merge keys (`<<: *anchor`) are not supported")
            && e.contains("run.yaml:5:5")
            && e.contains("at: scenarios.b")
            && e.contains("write the keys out in this mapping")
            && !e.contains("unknown key"),
        "{e}"
    );
}
