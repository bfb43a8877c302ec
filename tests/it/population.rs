//! Population runs: the same files whatever the thread count or sharding, sampling statistics,
//! common random numbers, grid expansion, per-kg dosing, metrics against the Stein closed form,
//! a subject table, and bad run files.

use crate::{repo_path, shipped};
use cartsim::diag::{Diagnostic, render_all};
use cartsim::spec::{RunSpec, load_yaml};
use cartsim::study::{Study, StudyInputs, check};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cartsim(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cartsim"))
        .args(arguments)
        .output()
        .expect("cartsim runs")
}

fn scratch(name: &str) -> PathBuf {
    let directory =
        std::env::temp_dir().join(format!("cartsim-population-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

fn succeed(arguments: &[&str]) {
    let output = cartsim(arguments);
    assert!(
        output.status.success(),
        "cartsim {arguments:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn fixture(name: &str) -> String {
    repo_path(&format!("tests/fixtures/runs/{name}"))
        .display()
        .to_string()
}

fn read(folder: &Path, name: &str) -> String {
    std::fs::read_to_string(folder.join(name))
        .unwrap_or_else(|e| panic!("{}: {e}", folder.join(name).display()))
}

/// Checks run-file text against a shipped model (named by the file's `model:`).
fn study(text: &str) -> Result<Study, Vec<Diagnostic>> {
    let loaded = load_yaml::<RunSpec>("run.yaml", text)?;
    let model = shipped(&loaded.spec.model);
    check(StudyInputs {
        run: &loaded,
        model,
        table: None,
    })
}

fn errors(text: &str) -> String {
    match study(text) {
        Ok(_) => panic!("the run file was accepted:\n{text}"),
        Err(diagnostics) => render_all(&diagnostics),
    }
}

#[test]
fn the_same_seed_gives_the_same_files_for_any_thread_count_and_sharding() {
    let root = scratch("reproducible");
    let run = fixture("cart3_small.yaml");
    let folder = |name: &str| root.join(name).display().to_string();
    succeed(&[
        "run",
        &run,
        "--threads",
        "1",
        "--save-trajectories",
        "--out",
        &folder("one"),
    ]);
    succeed(&[
        "run",
        &run,
        "--threads",
        "2",
        "--save-trajectories",
        "--out",
        &folder("two"),
    ]);
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let out = folder(&format!("shard{k}"));
        succeed(&[
            "run",
            &run,
            "--threads",
            "2",
            "--shard",
            &shard,
            "--save-trajectories",
            "--out",
            &out,
        ]);
    }
    succeed(&[
        "merge",
        &folder("shard3"),
        &folder("shard1"),
        &folder("shard2"),
        "--out",
        &folder("merged"),
    ]);
    let one = root.join("one");
    for other in ["two", "merged"] {
        for file in [
            "metrics.csv",
            "subjects.csv",
            "summary.csv",
            "percentiles.csv",
            "trajectories.csv",
        ] {
            assert!(
                read(&one, file) == read(&root.join(other), file),
                "{file} differs between one thread and `{other}`"
            );
        }
    }
    let metrics = read(&one, "metrics.csv");
    assert_eq!(
        metrics.lines().count(),
        1 + 2 * 25,
        "header + 2 arms x 25 subjects"
    );
    assert!(metrics.lines().skip(1).all(|l| l.contains(",ok,")));
    for figure in [
        "bands_single_EM.png",
        "medians_EM.png",
        "response.png",
        "cmax.png",
        "relapse_free.png",
    ] {
        let png = std::fs::read(root.join("merged/figures").join(figure)).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{figure}");
    }
    // A shard alone writes its slice (subjects 9 to 17 of 25) and the state merge needs.
    let shard = read(&root.join("shard2"), "subjects.csv");
    let ids: Vec<&str> = shard
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, (9..=16).map(|i| i.to_string()).collect::<Vec<_>>());
    assert!(root.join("shard2/shard_state.json").exists());
}

#[test]
fn merge_refuses_incomplete_or_foreign_shards() {
    let root = scratch("merge-refusal");
    let run = fixture("cart3_small.yaml");
    let out = root.join("shard1").display().to_string();
    succeed(&["run", &run, "--shard", "1/2", "--out", &out]);
    let output = cartsim(&[
        "merge",
        &out,
        "--out",
        &root.join("m").display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("missing: 2/2"), "{stderr}");
    assert!(!root.join("m/metrics.csv").exists());
}

/// Sample moments of each random effect and their correlation against the specification, within
/// 3 standard errors: SE(mean) = omega/sqrt(n), SE(SD) = omega/sqrt(2n) (normal theory),
/// SE(r) = (1 - r^2)/sqrt(n). With 8 checks at 3 SE a false failure has probability < 2%.
#[test]
fn sampled_parameters_match_the_specification() {
    let study = study(
        "model: cart3.yaml
population:
  n: 20000
  seed: 11
  variability:
    rho: {omega: 0.4}
    alpha: {omega: 0.25}
    eps: {omega: 0.01, distribution: normal}
  correlations: {rho~alpha: 0.6}
  covariates:
    KT: {distribution: lognormal, median: 1e10, omega: 0.5, min: 5e9, max: 4e10}
",
    )
    .unwrap_or_else(|d| panic!("{}", render_all(&d)));
    let population = &study.population;
    let n = population.n as usize;
    let typical: Vec<f64> = study.model.parameters.iter().map(|p| p.value).collect();
    let index = |name: &str| study.model.parameter_index(name).unwrap();
    let (rho, alpha, eps, kt) = (index("rho"), index("alpha"), index("eps"), index("KT"));
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); 3];
    for i in 0..n as u64 {
        let subject = population.subject(i).unwrap();
        let values = population.individual_parameters(&typical, &subject);
        columns[0].push((values[rho] / typical[rho]).ln());
        columns[1].push((values[alpha] / typical[alpha]).ln());
        columns[2].push(values[eps] - typical[eps]);
        assert!((5e9..=4e10).contains(&values[kt]), "KT {}", values[kt]);
    }
    let moments = |x: &[f64]| {
        let mean = x.iter().sum::<f64>() / n as f64;
        let variance = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, variance.sqrt())
    };
    let root_n = (n as f64).sqrt();
    for (column, omega) in columns.iter().zip([0.4, 0.25, 0.01]) {
        let (mean, sd) = moments(column);
        assert!(
            mean.abs() < 3.0 * omega / root_n,
            "mean {mean} for omega {omega}"
        );
        assert!(
            (sd - omega).abs() < 3.0 * omega / (2.0 * n as f64).sqrt(),
            "SD {sd} for omega {omega}"
        );
    }
    let ((mean_a, sd_a), (mean_b, sd_b)) = (moments(&columns[0]), moments(&columns[1]));
    let covariance = columns[0]
        .iter()
        .zip(&columns[1])
        .map(|(a, b)| (a - mean_a) * (b - mean_b))
        .sum::<f64>()
        / (n - 1) as f64;
    let r = covariance / (sd_a * sd_b);
    assert!(
        (r - 0.6).abs() < 3.0 * (1.0 - 0.36) / root_n,
        "correlation {r}"
    );
    let (mean_c, sd_c) = moments(&columns[2]);
    let r_alpha_eps = columns[1]
        .iter()
        .zip(&columns[2])
        .map(|(a, c)| (a - mean_b) * (c - mean_c))
        .sum::<f64>()
        / (n - 1) as f64
        / (sd_b * sd_c);
    assert!(
        r_alpha_eps.abs() < 3.0 / root_n,
        "uncorrelated: r = {r_alpha_eps}"
    );
}

#[test]
fn subjects_are_the_same_in_every_scenario_and_selection() {
    let root = scratch("common-random-numbers");
    let run = fixture("cart3_small.yaml");
    let all = root.join("all");
    let split = root.join("split");
    succeed(&["run", &run, "--out", &all.display().to_string()]);
    succeed(&[
        "run",
        &run,
        "--scenario",
        "split",
        "--out",
        &split.display().to_string(),
    ]);
    assert_eq!(read(&all, "subjects.csv"), read(&split, "subjects.csv"));
    let rows = |folder: &Path| -> Vec<String> {
        read(folder, "metrics.csv")
            .lines()
            .filter(|l| l.starts_with("split,"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(rows(&all), rows(&split));
    assert_eq!(rows(&split).len(), 25);
}

#[test]
fn identical_scenarios_give_identical_subjects_and_the_grid_crosses_every_scenario() {
    let study = study(
        "model: cart3.yaml
output: {end: 40}
scenarios:
  a: {doses: [{state: E, amount: 1e7}]}
  b: {doses: [{state: E, amount: 1e7}]}
grid: {g: [0.04, 0.05], KT: [1e9, 1e10, 1e11]}
population: {n: 6, seed: 3, variability: {rho: {omega: 0.5}}}
",
    )
    .unwrap_or_else(|d| panic!("{}", render_all(&d)));
    assert_eq!(study.arms.len(), 12);
    let (g, kt) = (
        study.model.parameter_index("g").unwrap(),
        study.model.parameter_index("KT").unwrap(),
    );
    let levels: Vec<(String, f64, f64)> = study
        .arms
        .iter()
        .map(|a| (a.scenario.clone(), a.parameters[g], a.parameters[kt]))
        .collect();
    assert_eq!(levels[0], ("a".into(), 0.04, 1e9));
    assert_eq!(levels[1], ("a".into(), 0.04, 1e10));
    assert_eq!(levels[3], ("a".into(), 0.05, 1e9));
    assert_eq!(levels[11], ("b".into(), 0.05, 1e11));
    let result = cartsim::study::execute(&study, 0..6, None, &mut |_| {}).unwrap();
    assert_eq!(result.rows.len(), 72);
    for (row_a, row_b) in result.rows[..36].iter().zip(&result.rows[36..]) {
        assert_eq!(row_a.id, row_b.id);
        assert_eq!(
            format!("{:?}", row_a.values),
            format!("{:?}", row_b.values),
            "subject {}",
            row_a.id
        );
    }
    let cmax = |arm: usize| -> Vec<f64> {
        result
            .rows
            .iter()
            .filter(|r| r.arm as usize == arm)
            .map(|r| r.values[0])
            .collect()
    };
    assert_ne!(cmax(0), cmax(1), "the grid changes the outcome");
}

#[test]
fn per_kg_doses_scale_with_each_subjects_weight() {
    let root = scratch("per-kg");
    let run = root.join("run.yaml");
    let model = repo_path("models/cd22_antigen_escape.yaml");
    std::fs::write(
        &run,
        format!(
            "model: {}
output: {{end: 2, step: 1, outputs: [car_t]}}
scenarios:
  mid: {{doses: [{{state: E, amount: 1e6, per_kg: true, time: 0}}]}}
population:
  n: 8
  covariates: {{weight: {{distribution: lognormal, median: 30, omega: 0.5, min: 10, max: 120}}}}
",
            model.display()
        ),
    )
    .unwrap();
    let out = root.join("out");
    succeed(&[
        "run",
        &run.display().to_string(),
        "--save-trajectories",
        "--out",
        &out.display().to_string(),
    ]);
    let weights: Vec<f64> = read(&out, "subjects.csv")
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(weights.len(), 8);
    assert!(weights.windows(2).any(|w| w[0] != w[1]));
    let at_zero: Vec<f64> = read(&out, "trajectories.csv")
        .lines()
        .filter(|l| l.split(',').nth(2) == Some("0"))
        .map(|l| l.split(',').nth(4).unwrap().parse().unwrap())
        .collect();
    for (weight, car_t) in weights.iter().zip(&at_zero) {
        assert!(
            (car_t - 1e6 * weight).abs() <= 1e-12 * car_t,
            "{car_t} vs {weight} kg"
        );
    }
}

/// Stein 2019 (MODELS.md, validation case 1): after tmax the total is
/// cmax ((1 - fb) e^{-alpha s} + fb e^{-beta s}), s = t - tmax. The persistence fit from 150 days
/// after Tmax sees the alpha term at below 1e-8 of the total, so it must give ln 2 / beta to 1e-6;
/// the contraction fit is checked against a least-squares fit of the closed form on the same
/// grid points (1e-6: the solver runs at rtol 1e-8).
#[test]
fn phase_metrics_match_the_stein_closed_form() {
    let study = study(
        "model: stein2019_tisagenlecleucel.yaml
output: {end: 365, step: 0.1}
metrics: {exposure: total, persistence_from: 150}
",
    )
    .unwrap_or_else(|d| panic!("{}", render_all(&d)));
    let result = cartsim::study::execute(&study, 0..1, None, &mut |_| {}).unwrap();
    let columns: Vec<String> = study
        .metrics
        .columns()
        .into_iter()
        .map(|c| study.metrics.column_name(c))
        .collect();
    let value = |name: &str| result.rows[0].values[columns.iter().position(|c| c == name).unwrap()];
    let (cmax, tmax, alpha, beta, fb, foldx) = (24000.0, 9.3, 0.16, 0.0032, 0.0079, 3900.0);
    assert!(
        (value("cmax") - cmax).abs() < 1e-6 * cmax,
        "{}",
        value("cmax")
    );
    assert!((value("tmax") - tmax).abs() < 1e-9);
    assert!((value("expansion_fold") - foldx).abs() < 1e-6 * foldx);
    let persistence = 2f64.ln() / beta;
    assert!((value("t_half_persistence") - persistence).abs() < 1e-6 * persistence);
    let closed = |s: f64| cmax * ((1.0 - fb) * (-alpha * s).exp() + fb * (-beta * s).exp());
    let points: Vec<(f64, f64)> = (0..=140)
        .map(|k| (k as f64 * 0.1, closed(k as f64 * 0.1).ln()))
        .collect();
    let n = points.len() as f64;
    let (mean_s, mean_y) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (s, y)| (a + s / n, b + y / n));
    let (sxy, sxx) = points.iter().fold((0.0, 0.0), |(a, b), (s, y)| {
        (a + (s - mean_s) * (y - mean_y), b + (s - mean_s).powi(2))
    });
    let contraction = 2f64.ln() / -(sxy / sxx);
    assert!(
        (value("t_half_contraction") - contraction).abs() < 1e-6 * contraction,
        "{} vs {contraction}",
        value("t_half_contraction")
    );
}

/// The table's first row is the typical cart3 subject, so its Cmax of E + M must match the
/// shared reference solution (rtol 1e-12) to the run's tolerance.
#[test]
fn a_subject_table_sets_each_subjects_parameters() {
    let root = scratch("table");
    succeed(&[
        "run",
        &fixture("cart3_table.yaml"),
        "--out",
        &root.display().to_string(),
    ]);
    let metrics = read(&root, "metrics.csv");
    let cmax: Vec<f64> = metrics
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap().parse().unwrap())
        .collect();
    assert_eq!(cmax.len(), 3);
    let reference = std::fs::read_to_string(repo_path("tests/data/cart3_ref_single.csv")).unwrap();
    let peak = reference
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(4)?.parse::<f64>().ok())
        .take(31)
        .fold(0.0, f64::max);
    assert!(
        (cmax[0] - peak).abs() < 1e-4 * peak,
        "{} vs {peak}",
        cmax[0]
    );
    assert!(cmax[1] != cmax[0] && cmax[2] != cmax[0]);
}

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
