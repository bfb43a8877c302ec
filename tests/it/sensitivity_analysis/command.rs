//! `cartsim sensitivity` end to end: each method writes its tables and figures, the same seed
//! gives the same files for any thread count, and bad requests fail with exit code 1, a
//! location or option, a suggestion, and nothing written.

use crate::population::{cartsim, read, scratch};
use crate::repo_path;
use std::path::Path;

/// Decodes a PNG file: at least 1200x800, with text and marks (over 1,000 dark pixels) in more
/// than ten colours.
fn decode_file(path: &Path) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert!(
        info.width >= 1200 && info.height >= 800,
        "{}x{}",
        info.width,
        info.height
    );
    let inked = pixels
        .chunks(3)
        .filter(|p| p.iter().all(|&c| c < 150))
        .count();
    let colours: std::collections::HashSet<&[u8]> = pixels.chunks(3).collect();
    assert!(
        inked > 1000 && colours.len() > 10,
        "{} is nearly blank",
        path.display()
    );
}

/// A Stein run file with bounds on three parameters, written into `folder`.
fn stein_run(folder: &Path, extra: &str) -> String {
    let model = repo_path("models/stein2019_tisagenlecleucel.yaml");
    let text = format!(
        "model: {}
simulation: {{end: 60, step: 1, outputs: [total]}}
metrics: {{exposure: total}}
sensitivity:
  metrics: [cmax, total@5, total@28]
  bounds:
    tmax: {{min: 7, max: 12}}
    alpha: {{min: 0.05, max: 0.5, scale: log}}
    fb: {{min: 0.002, max: 0.03, scale: log}}
{extra}",
        model.display()
    );
    let path = folder.join("stein_gsa.yaml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn succeed(arguments: &[&str]) -> String {
    let output = cartsim(arguments);
    assert!(
        output.status.success(),
        "{arguments:?}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).to_string()
}

#[test]
fn sobol_writes_indices_and_figures_the_same_for_any_thread_count() {
    let folder = scratch("gsa-sobol");
    let run = stein_run(&folder, "");
    let (one, two) = (folder.join("one"), folder.join("two"));
    for (out, threads) in [(&one, "1"), (&two, "2")] {
        let out = out.display().to_string();
        succeed(&[
            "sensitivity",
            &run,
            "--method",
            "sobol",
            "--n",
            "128",
            "--seed",
            "5",
            "--threads",
            threads,
            "--out",
            &out,
        ]);
    }
    let table = read(&one, "sobol.csv");
    assert_eq!(table, read(&two, "sobol.csv"));
    let mut lines = table.lines();
    assert_eq!(
        lines.next(),
        Some(
            "metric,parameter,min,max,scale,source,S1,S1_low,S1_high,ST,ST_low,ST_high,samples_used"
        )
    );
    assert_eq!(lines.count(), 3 * 3);
    assert!(table.contains("\ncmax,alpha,0.05,0.5"), "{table}");
    // Before day 7 (the lowest tmax) the level depends on tmax alone: C(5) = cmax foldx^(5/tmax - 1).
    // Then f(A_B^tmax) = f(B) and f(A_B^i) = f(A) for the others, row by row, so the Jansen
    // estimators give S1 = 1 for tmax and ST = 0 for alpha and fb exactly (rounding only), and
    // S1 of alpha is 1 - ST of tmax; ST of tmax is 1 only in expectation (its interval holds 1).
    let row = |metric: &str, parameter: &str| -> Vec<f64> {
        let prefix = format!("{metric},{parameter},");
        let line = table.lines().find(|l| l.starts_with(&prefix)).unwrap();
        line.split(',')
            .skip(6)
            .map(|x| x.parse().unwrap())
            .collect()
    };
    let tmax = row("total@5", "tmax");
    assert!(
        (tmax[0] - 1.0).abs() < 1e-12 && tmax[4] <= 1.0 && 1.0 <= tmax[5],
        "{tmax:?}"
    );
    for parameter in ["alpha", "fb"] {
        let other = row("total@5", parameter);
        assert_eq!(other[3], 0.0);
        assert!((other[0] - (1.0 - tmax[3])).abs() < 1e-12, "{other:?}");
    }
    for metric in ["cmax", "total_at_5", "total_at_28"] {
        decode_file(&one.join(format!("figures/sobol_{metric}.png")));
    }
    let record: serde_json::Value = serde_json::from_str(&read(&one, "sensitivity.json")).unwrap();
    assert_eq!(record["simulations"], 128 * 5);
    assert_eq!(record["failed_simulations"], 0);
    assert_eq!(record["ranges"][1]["scale"], "log");
}

#[test]
fn local_and_morris_write_their_tables_and_figures() {
    let folder = scratch("gsa-local");
    let run = stein_run(&folder, "  parameters: [tmax, alpha, fb, cmax]\n");
    let out = folder.join("local").display().to_string();
    succeed(&["sensitivity", &run, "--method", "local", "--out", &out]);
    let metrics = read(Path::new(&out), "local_metrics.csv");
    assert_eq!(metrics.lines().count(), 1 + 4 * 3);
    // Cmax and every later level scale with the cmax parameter: coefficient 1.
    let coefficient = metrics
        .lines()
        .find(|l| l.starts_with("cmax,24000,cmax,"))
        .unwrap()
        .split(',')
        .nth(4)
        .unwrap();
    assert!(
        (coefficient.parse::<f64>().unwrap() - 1.0).abs() < 1e-5,
        "{metrics}"
    );
    assert_eq!(
        read(Path::new(&out), "local_over_time.csv").lines().count(),
        1 + 4 * 61
    );
    for name in ["tornado_cmax", "tornado_total_at_28", "over_time_total"] {
        decode_file(&Path::new(&out).join(format!("figures/{name}.png")));
    }
    let out = folder.join("morris").display().to_string();
    succeed(&[
        "sensitivity",
        &run,
        "--method",
        "morris",
        "--n",
        "8",
        "--parameters",
        "tmax,alpha,fb",
        "--out",
        &out,
    ]);
    let table = read(Path::new(&out), "morris.csv");
    assert_eq!(
        table.lines().next(),
        Some("metric,parameter,min,max,scale,source,mu,mu_star,sigma,effects")
    );
    assert_eq!(table.lines().count(), 1 + 3 * 3);
    decode_file(&Path::new(&out).join("figures/morris_total_at_28.png"));
}

/// Runs a failing request: exit code 1, the stderr text, and nothing written.
fn fail(arguments: &[&str], out: &Path) -> String {
    let output = cartsim(arguments);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !out.exists() || std::fs::read_dir(out).unwrap().next().is_none(),
        "wrote into {}",
        out.display()
    );
    String::from_utf8_lossy(&output.stderr).to_string()
}

#[test]
fn bad_requests_say_what_where_and_how_to_fix() {
    let folder = scratch("gsa-errors");
    let run = stein_run(&folder, "");
    let out = folder.join("out");
    let o = out.display().to_string();
    let base = ["sensitivity", run.as_str(), "--out", o.as_str(), "--method"];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let run_with = |extra: &[&str]| {
        let arguments = with(extra);
        fail(
            &arguments.iter().map(String::as_str).collect::<Vec<_>>(),
            &out,
        )
    };
    let text = run_with(&["sobol", "--parameters", "tmax,alpah"]);
    assert!(
        text.contains("`alpah` is not a parameter") && text.contains("did you mean `alpha`?"),
        "{text}"
    );
    let text = run_with(&["sobol", "--metrics", "cmx,total@28.5"]);
    assert!(
        text.contains("`cmx` is not a metric") && text.contains("did you mean `cmax`?"),
        "{text}"
    );
    assert!(text.contains("time 28.5 is not an output time"), "{text}");
    let text = run_with(&["morris", "--parameters", "beta"]);
    assert!(
        text.contains("`beta` has no range") && text.contains("bounds"),
        "{text}"
    );
    // A metric named twice (as written or after parsing its time) would write one file twice.
    let text = run_with(&["sobol", "--metrics", "total@28,cmax,total@28.0"]);
    assert!(text.contains("`total@28.0` is listed twice"), "{text}");
    // An out-of-range option value is a usage error (exit 2), like every numeric option.
    let arguments = with(&["local", "--change", "1.5"]);
    let output = cartsim(&arguments.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("strictly between 0 and 1"), "{text}");
    let text = run_with(&["sobol", "--scenario", "bse"]);
    assert!(
        text.contains("no scenario `bse`") && text.contains("did you mean `base`?"),
        "{text}"
    );
    // Problems in the run file's block point at their line and column.
    let bad = stein_run(
        &folder,
        "    beta: {min: 0.01, max: 0.001}\n    rhoo: {min: 1, max: 2}\n",
    );
    let text = fail(
        &["sensitivity", &bad, "--method", "sobol", "--out", &o],
        &out,
    );
    assert!(
        text.contains("the bounds of `beta` are [0.01, 0.001]")
            && text.contains("stein_gsa.yaml:10:"),
        "{text}"
    );
    assert!(
        text.contains("`rhoo` is not a parameter") && text.contains("stein_gsa.yaml:11:5"),
        "{text}"
    );
    // Usage errors are clap's: exit code 2.
    let output = cartsim(&["sensitivity", &run, "--method", "sobel"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_shipped_cart3_run_file_runs_the_local_method() {
    // models/runs/cart3_sensitivity.yaml is the benchmark's run file: its block must check and
    // all 6 x 3 coefficients come out finite. Raising the expansion rate rho or the tumor T0
    // (the stimulus, T / (KT + T) < 1 at T0) by 20% raises the peak (Cmax).
    let folder = scratch("gsa-cart3");
    let run = repo_path("models/runs/cart3_sensitivity.yaml")
        .display()
        .to_string();
    let out = folder.join("out").display().to_string();
    succeed(&["sensitivity", &run, "--method", "local", "--out", &out]);
    let table = read(Path::new(&out), "local_metrics.csv");
    assert_eq!(table.lines().count(), 1 + 6 * 3);
    let column = |parameter: &str, metric: &str, k: usize| -> f64 {
        let prefix = format!("{parameter},");
        let line = (table.lines())
            .find(|l| l.starts_with(&prefix) && l.contains(&format!(",{metric},")))
            .unwrap();
        line.split(',').nth(k).unwrap().parse().unwrap()
    };
    for line in table.lines().skip(1) {
        let coefficient: f64 = line.split(',').nth(4).unwrap().parse().unwrap();
        assert!(coefficient.is_finite(), "{line}");
    }
    assert!(
        column("rho", "cmax", 8) > 0.0 && column("T0", "cmax", 8) > 0.0,
        "{table}"
    );
}
