//! The tables a run streams (metrics.csv arm after arm, across blocks of subjects) and the
//! summaries computed from them afterwards, checked against an independent recomputation; the
//! trajectory subsets and the grid peak.

use super::*;
use cartsim::study::{
    MetricRow, RELAPSE_OBSERVATIONS_KEPT, Tally, TrajectorySelection, summarize, visit_rows,
};

/// Type-7 quantile of sorted values, written for this test (R's default, numpy's "linear").
fn type7(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = p * (sorted.len() - 1) as f64;
    let lo = h.floor() as usize;
    match h - lo as f64 {
        0.0 => sorted[lo],
        f => sorted[lo] + f * (sorted[lo + 1] - sorted[lo]),
    }
}

fn cell(text: &str) -> f64 {
    if text.is_empty() {
        f64::NAN
    } else {
        text.parse().unwrap()
    }
}

/// 5,000 subjects in two arms cross the run's blocks of 4,096 subjects: metrics.csv must hold
/// the first arm's rows, then the second's, each in subject order, and summary.csv's
/// percentiles and counts must be what sorting metrics.csv's columns gives. The percentiles
/// are compared exactly: both sides interpolate the same two order statistics with the same
/// arithmetic, so any difference is a wrong order statistic.
#[test]
fn summaries_of_a_run_across_blocks_match_a_recomputation_from_metrics_csv() {
    let root = scratch("summaries");
    let run = root.join("run.yaml");
    let model = repo_path("models/cart3.yaml");
    std::fs::write(
        &run,
        format!(
            "model: {}
simulation: {{end: 40, step: 1}}
scenarios:
  single: {{doses: [{{state: E, amount: 1e7, time: 0}}]}}
  low: {{doses: [{{state: E, amount: 1e6, time: 0}}]}}
population:
  n: 5000
  seed: 3
  variability: {{rho: {{omega: 0.3}}, alpha: {{omega: 0.3}}, T0: {{omega: 0.5}}}}
metrics: {{exposure: EM, tumor: T, lloq: 1e3, response: {{below: 1e9, by: 28}}, relapse: {{above: 5e10}}}}
",
            model.display()
        ),
    )
    .unwrap();
    let out = root.join("out");
    succeed(&[
        "run",
        &run.display().to_string(),
        "--figures",
        "none",
        "--out",
        &out.display().to_string(),
    ]);
    assert!(
        !out.join(".scratch").exists(),
        "scratch files are not part of the result"
    );
    let metrics = read(&out, "metrics.csv");
    let mut lines = metrics.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 10_000);
    let subjects_csv = read(&out, "subjects.csv");
    let subjects: Vec<&str> = (subjects_csv.lines().skip(1))
        .map(|l| l.split(',').next().unwrap())
        .collect();
    for (k, row) in rows.iter().enumerate() {
        let (arm, subject) = (k / 5000, k % 5000);
        assert_eq!(row[0], ["single", "low"][arm], "row {k}");
        assert_eq!(row[1], subjects[subject], "row {k}");
    }
    let summary = read(&out, "summary.csv");
    let mut checked = 0;
    for line in summary.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let (scenario, metric) = (cells[0], cells[1]);
        if metric == "failed" {
            continue;
        }
        let column = header.iter().position(|h| *h == metric).unwrap();
        let arm_rows = rows.iter().filter(|r| r[0] == scenario);
        let mut values: Vec<f64> = arm_rows
            .map(|r| cell(r[column]))
            .filter(|v| v.is_finite())
            .collect();
        values.sort_by(f64::total_cmp);
        let flag = matches!(metric, "response" | "relapse");
        if flag {
            let ones = values.iter().filter(|&&v| v == 1.0).count() as f64;
            assert_eq!(cell(cells[2]), 5000.0, "{line}");
            assert_eq!(cell(cells[8]), ones / 5000.0, "{line}");
        } else {
            assert_eq!(cell(cells[2]), values.len() as f64, "{line}");
            for (k, p) in [0.05, 0.25, 0.5, 0.75, 0.95].into_iter().enumerate() {
                let expected = type7(&values, p);
                let found = cell(cells[3 + k]);
                assert!(
                    found.to_bits() == expected.to_bits() || (found.is_nan() && expected.is_nan()),
                    "{scenario} {metric} p{p}: {found} vs {expected}"
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 2 * 12, "{checked} summary rows checked");

    // The same run as one shard, merged: merge streams the shard's tables block by block
    // (5,000 subjects cross a block), so every table must come out byte for byte the same.
    let (shard, merged) = (root.join("shard"), root.join("merged"));
    let run = run.display().to_string();
    let shard_text = shard.display().to_string();
    let common = ["--figures", "none", "--out"];
    succeed(
        &[
            &["run", run.as_str(), "--shard", "1/1"][..],
            &common,
            &[&shard_text],
        ]
        .concat(),
    );
    let merged_text = merged.display().to_string();
    succeed(
        &[
            &["merge", shard_text.as_str()][..],
            &common,
            &[&merged_text],
        ]
        .concat(),
    );
    for file in [
        "metrics.csv",
        "subjects.csv",
        "summary.csv",
        "percentiles.csv",
    ] {
        assert!(
            read(&out, file) == read(&merged, file),
            "{file} differs after merge"
        );
    }
}

/// Beyond `RELAPSE_OBSERVATIONS_KEPT` responders the relapse-free curve is drawn through
/// corners of the exact curve: with every non-relapsing responder censored at the end, the
/// Kaplan-Meier curve after the i-th relapse (in time order) is 1 - i/responders, so at each
/// corner (t, S) of the thinned curve S must be 1 - (relapses at or before t)/responders
/// (the relapse times here are distinct). 1e-12: the two sides divide the same integers.
#[test]
fn a_thinned_relapse_free_curve_keeps_exact_corners() {
    let study = study(
        "model: cart3.yaml
simulation: {end: 100, step: 1}
metrics: {exposure: EM, tumor: T, lloq: 1e3, response: {below: 1e9, by: 28}, relapse: {above: 5e10}}
",
    )
    .unwrap_or_else(|d| panic!("{}", render_all(&d)));
    let columns: Vec<String> = (study.metrics.columns().into_iter())
        .map(|c| study.metrics.column_name(c))
        .collect();
    let at = |name: &str| columns.iter().position(|c| c == name).unwrap();
    let responders = RELAPSE_OBSERVATIONS_KEPT + 20_000;
    let mut tally = Tally::new(&study);
    let mut rows = Vec::new();
    for k in 0..responders as u64 {
        let mut values = vec![f64::NAN; columns.len()];
        values[at("response")] = 1.0;
        // Two thirds relapse, at distinct times spread over (0, 100) in scrambled order.
        let relapsed = k % 3 != 0;
        values[at("relapse")] = if relapsed { 1.0 } else { 0.0 };
        if relapsed {
            values[at("time_to_relapse")] = ((k * 7919) % 1_000_003) as f64 * 1e-4;
        }
        let row = MetricRow {
            arm: 0,
            index: k,
            id: k + 1,
            failure: None,
            values: values.into_boxed_slice(),
        };
        tally.add(&row);
        rows.push(row);
    }
    let mut values = |arm, visit: &mut dyn FnMut(&[f64])| {
        visit_rows(&rows, arm, visit);
        Ok(())
    };
    let summaries = summarize(&study, &tally, &mut values).unwrap();
    let summary = &summaries[0];
    assert_eq!(summary.responders, responders);
    assert!(summary.relapse_observations.is_empty());
    let mut times: Vec<f64> = (rows.iter())
        .map(|r| r.values[at("time_to_relapse")])
        .filter(|t| t.is_finite())
        .collect();
    times.sort_by(f64::total_cmp);
    assert!((1_900..=2_001).contains(&summary.relapse_free.len()));
    assert_eq!(summary.relapse_free[0], (0.0, 1.0));
    for &(t, s) in &summary.relapse_free[1..] {
        let relapsed_by_t = times.partition_point(|&x| x <= t);
        let exact = 1.0 - relapsed_by_t as f64 / responders as f64;
        assert!((s - exact).abs() < 1e-12, "at {t}: {s} vs {exact}");
    }
    assert_eq!(
        summary.relapse_free.last().unwrap().0,
        *times.last().unwrap()
    );
}

/// `--trajectory-times` keeps those rows of the table `--trajectory-outputs` alone gives,
/// unchanged and in the same order (states and outputs alike); a time off the output grid is
/// refused with the nearest one, and either option without `--save-trajectories` is a usage
/// error.
#[test]
fn a_trajectory_subset_is_the_matching_rows_of_the_full_table() {
    let root = scratch("trajectory-subset");
    let run = fixture("cart3_small.yaml");
    let folder = |name: &str| root.join(name).display().to_string();
    let (all, subset) = (folder("all"), folder("subset"));
    let names = ["--save-trajectories", "--trajectory-outputs", "T,EM"];
    succeed(
        &[
            &["run", &run, "--figures", "none", "--out", &all][..],
            &names,
        ]
        .concat(),
    );
    let times = ["--trajectory-times", "28,0"];
    succeed(
        &[
            &["run", &run, "--figures", "none", "--out", &subset][..],
            &names,
            &times,
        ]
        .concat(),
    );
    let full = read(&root.join("all"), "trajectories.csv");
    let header = full.lines().next().unwrap();
    let columns: Vec<&str> = header.split(',').collect();
    let cell = |line: &str, name: &str| {
        let k = columns.iter().position(|c| *c == name).unwrap();
        line.split(',').nth(k).unwrap().to_string()
    };
    let outputs: Vec<String> = full.lines().skip(1).map(|l| cell(l, "output")).collect();
    assert!(outputs.iter().all(|o| o == "T" || o == "EM") && outputs.contains(&"T".into()));
    let expected: Vec<&str> = (full.lines().skip(1))
        .filter(|line| ["0", "28"].contains(&cell(line, "time").as_str()))
        .collect();
    let kept = read(&root.join("subset"), "trajectories.csv");
    let mut lines = kept.lines();
    assert_eq!(lines.next(), Some(header));
    let kept: Vec<&str> = lines.collect();
    // 2 scenarios x 25 subjects x 2 times x 2 names.
    assert_eq!(kept.len(), 2 * 25 * 2 * 2);
    assert_eq!(kept, expected);
    let bad = ["--save-trajectories", "--trajectory-times", "27.5"];
    let refused = cartsim(&[&["run", &run, "--out", &folder("bad")][..], &bad].concat());
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("`--trajectory-times 27.5`: not one of the run's output times"),
        "{stderr}"
    );
    assert!(stderr.contains("the nearest output time is 27"), "{stderr}");
    assert!(!root.join("bad").exists());
    let usage = cartsim(&[
        "run",
        &run,
        "--trajectory-outputs",
        "T",
        "--out",
        &folder("usage"),
    ]);
    assert_eq!(usage.status.code(), Some(2));
    // An infinite time matched every output time (|0 - inf| <= inf): the run wrote day 0's
    // rows for `1e400`. It is a malformed value (exit 2), and the selection itself never
    // matches an infinite time.
    let infinite = ["--save-trajectories", "--trajectory-times", "1e400"];
    let usage = cartsim(&[&["run", &run, "--out", &folder("inf")][..], &infinite].concat());
    assert_eq!(usage.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&usage.stderr);
    assert!(
        stderr.contains("`1e400` is not a finite number"),
        "{stderr}"
    );
    assert!(!root.join("inf").exists());
    let study = super::study("model: cart3.yaml\nsimulation: {end: 5, step: 1}\n").unwrap();
    let flags = ["--trajectory-outputs", "--trajectory-times"];
    let selection = TrajectorySelection::new(&study, &[], &[f64::INFINITY], flags);
    let message = selection.err().map(|e| e.message).unwrap_or_default();
    assert!(
        message.contains("not one of the run's output times"),
        "{message}"
    );
}

/// `metrics: {peak: grid}` reads Cmax and Tmax off the output grid: each subject's cmax is the
/// largest EM value trajectories.csv holds for it (exactly: the same numbers) and tmax its first
/// time; on the solver's solution (the default) cmax is never below it.
#[test]
fn a_grid_peak_is_the_largest_sampled_value() {
    let root = scratch("grid-peak");
    let model = repo_path("models/cart3.yaml");
    let write = |name: &str, peak: &str| {
        let path = root.join(name);
        let text = format!(
            "model: {}\nsimulation: {{end: 30, step: 1}}\npopulation: {{n: 40, seed: 5, variability: {{rho: {{omega: 0.4}}}}}}\nmetrics: {{exposure: EM{peak}}}\n",
            model.display()
        );
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let per_subject = |folder: &Path| -> Vec<(f64, f64)> {
        let metrics = read(folder, "metrics.csv");
        let header: Vec<&str> = metrics.lines().next().unwrap().split(',').collect();
        let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
        (metrics.lines().skip(1))
            .map(|l| l.split(',').collect::<Vec<_>>())
            .map(|c| (cell(c[at("cmax")]), cell(c[at("tmax")])))
            .collect()
    };
    let save = ["--save-trajectories", "--figures", "none", "--out"];
    let grid = root.join("grid");
    let run = write("grid.yaml", ", peak: grid");
    succeed(&[&["run", &run][..], &save, &[&grid.display().to_string()]].concat());
    let solution = root.join("solution");
    let run = write("solution.yaml", "");
    succeed(
        &[
            &["run", &run][..],
            &save,
            &[&solution.display().to_string()],
        ]
        .concat(),
    );
    let trajectories = read(&grid, "trajectories.csv");
    let mut sampled: Vec<(f64, f64)> = Vec::new();
    let mut last_id = "";
    for line in trajectories.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let (id, time, value) = (cells[1], cell(cells[2]), cell(cells[4]));
        if id != last_id {
            sampled.push((f64::NEG_INFINITY, f64::NAN));
            last_id = id;
        }
        let peak = sampled.last_mut().unwrap();
        if value > peak.0 {
            *peak = (value, time);
        }
    }
    let on_grid = per_subject(&grid);
    assert_eq!(on_grid.len(), 40);
    assert_eq!(on_grid, sampled);
    for ((cmax, _), (grid_cmax, _)) in per_subject(&solution).iter().zip(&on_grid) {
        assert!(cmax >= grid_cmax, "{cmax} < {grid_cmax}");
    }
}

/// A run with no metric column at all (a model without outputs, no `metrics:`) still writes
/// its tables: nothing is spilled, and no pass over the metric values is made.
#[test]
fn a_run_without_metric_columns_writes_its_tables() {
    let root = scratch("no-metrics");
    let model = root.join("model.yaml");
    std::fs::write(
        &model,
        "name: decay\nstates: {A: {initial: 10, unit: mg}}\nparameters: {k: {value: 0.1, unit: 1/h}}\nodes: {A: -k * A}\nsimulation: {end: 5, step: 1}\n",
    )
    .unwrap();
    let run = root.join("run.yaml");
    let population = "population: {n: 3, seed: 1, variability: {k: {omega: 0.2}}}";
    std::fs::write(&run, format!("model: {}\n{population}\n", model.display())).unwrap();
    let out = root.join("out");
    let (run, out_text) = (run.display().to_string(), out.display().to_string());
    succeed(&["run", &run, "--figures", "none", "--out", &out_text]);
    assert_eq!(read(&out, "metrics.csv").lines().count(), 1 + 3);
    assert_eq!(
        read(&out, "summary.csv").lines().nth(1),
        Some("base,failed,3,,,,,,0,,")
    );
}
