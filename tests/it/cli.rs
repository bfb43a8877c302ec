//! The `cartsim` binary end to end: exit codes, files written, nothing written on failure, and a
//! PNG that decodes, has the promised size and is not blank.

use crate::repo_path;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn cartsim(arguments: &[&str], directory: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cartsim"))
        .args(arguments)
        .current_dir(directory)
        .output()
        .expect("cartsim runs")
}

pub fn scratch(name: &str) -> PathBuf {
    let directory =
        std::env::temp_dir().join(format!("cartsim-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

fn model(name: &str) -> String {
    repo_path(&format!("models/{name}")).display().to_string()
}

#[test]
fn simulate_writes_csv_png_and_run_json() {
    let directory = scratch("simulate");
    let output = cartsim(
        &[
            "simulate",
            &model("stein2019_tisagenlecleucel.yaml"),
            "--end",
            "28",
        ],
        &directory,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let folder = directory.join("output/stein2019");
    let csv = std::fs::read_to_string(folder.join("trajectory.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("time,E,M,total"));
    let metrics = std::fs::read_to_string(folder.join("metrics.csv")).unwrap();
    assert!(
        metrics.lines().nth(1).unwrap().starts_with("total,"),
        "{metrics}"
    );
    assert!(folder.join("events.csv").exists());
    assert_eq!(lines.count(), 29);
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("run.json")).unwrap()).unwrap();
    let text = std::fs::read(repo_path("models/stein2019_tisagenlecleucel.yaml")).unwrap();
    assert_eq!(run["model"]["sha256"], cartsim::output::sha256_hex(&text));
    assert_eq!(run["parameters"]["tmax"], 9.3);
    assert!(run["solver_statistics"]["accepted_steps"].as_u64().unwrap() > 0);
    let text = std::fs::read_to_string(folder.join("run.json")).unwrap();
    let record = cartsim::record::simulate::SimulateRun::from_json(&text, "run.json").unwrap();
    assert_eq!(record.title(), run["model"]["title"].as_str().unwrap());
    assert_eq!(record.doses().len(), run["doses"].as_array().unwrap().len());
    let versioned = text.replace("\"format_version\": 1", "\"format_version\": 0");
    let refused = cartsim::record::simulate::SimulateRun::from_json(&versioned, "run.json");
    assert!(refused.unwrap_err().message.contains("format_version 0"));

    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(folder.join("trajectory.png")).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert!(
        info.width >= 1200 && info.height >= 800,
        "{}x{}",
        info.width,
        info.height
    );
    let channels = info.color_type.samples();
    let non_white = pixels
        .chunks(channels)
        .filter(|p| p.iter().take(3).any(|&c| c < 200))
        .count();
    assert!(
        non_white > 2000,
        "the figure looks blank: {non_white} dark pixels"
    );
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn options_override_the_model_file() {
    let directory = scratch("options");
    let output = cartsim(
        &[
            "simulate",
            &model("onecomp_iv_bolus.yaml"),
            "--out",
            "here",
            "--dose",
            "A:50@1.5",
            "--dose",
            "A:50@1.5",
            "--set",
            "CL=10",
            "--end",
            "4",
            "--step",
            "0.5",
            "--solver",
            "dop853",
            "--rtol",
            "1e-10",
            "--atol",
            "1e-12",
            "--linear",
        ],
        &directory,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let csv = std::fs::read_to_string(directory.join("here/trajectory.csv")).unwrap();
    let last = csv.lines().last().unwrap();
    let amount: f64 = last.split(',').nth(1).unwrap().parse().unwrap();
    let expected = 100.0 * (-(10.0_f64 / 50.0) * 2.5).exp();
    assert!((amount - expected).abs() < 1e-8 * expected, "{last}");
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn bad_model_exits_1_and_writes_nothing() {
    let directory = scratch("bad");
    let bad = repo_path("tests/fixtures/bad/unknown_name.yaml")
        .display()
        .to_string();
    let output = cartsim(&["simulate", &bad, "--out", "never"], &directory);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown name `efector`") && stderr.contains("unknown_name.yaml:7:18"),
        "{stderr}"
    );
    assert!(!directory.join("never").exists());
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn failed_simulation_exits_1_and_writes_nothing() {
    let directory = scratch("blowup");
    let model_file = directory.join("blowup.yaml");
    std::fs::write(
        &model_file,
        "name: blowup\nstates: {y: 1}\nodes:\n  y: y^2\nsimulation: {end: 2, step: 0.1}\n",
    )
    .unwrap();
    let output = cartsim(
        &["simulate", model_file.to_str().unwrap(), "--out", "never"],
        &directory,
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("failed at time") && stderr.contains("hint:"),
        "{stderr}"
    );
    assert!(!directory.join("never").exists());
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn usage_errors_exit_2_and_unknown_parameters_exit_1() {
    let directory = scratch("usage");
    let stein = model("stein2019_tisagenlecleucel.yaml");
    for arguments in [
        vec!["simulate"],
        vec!["simulate", &stein, "--rtol", "-1"],
        vec!["simulate", &stein, "--dose", "E"],
        vec!["frobnicate"],
    ] {
        assert_eq!(
            cartsim(&arguments, &directory).status.code(),
            Some(2),
            "{arguments:?}"
        );
    }
    let output = cartsim(
        &["simulate", &stein, "--set", "alpah=0.2", "--out", "never"],
        &directory,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("did you mean `alpha`?"));
    assert!(!directory.join("never").exists());
    let missing = cartsim(&["simulate", "no-such-model.yaml"], &directory);
    assert_eq!(missing.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn check_and_models_list() {
    let directory = scratch("check");
    let output = cartsim(
        &[
            "check",
            &model("cart3.yaml"),
            &model("stein2019_tisagenlecleucel.yaml"),
        ],
        &directory,
    );
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout)
            .matches(": ok")
            .count(),
        2
    );
    let listing = cartsim(&["models"], &directory);
    let stdout = String::from_utf8_lossy(&listing.stdout);
    assert!(
        stdout.contains("models/stein2019_tisagenlecleucel.yaml") && stdout.contains("Stein AM"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn hostile_numbers_fail_cleanly_instead_of_panicking() {
    // Regressions: a tiny step or a huge span once aborted on allocation (capacity overflow),
    // a zero volume or an infinite dose surfaced only as a step-size underflow.
    let directory = scratch("hostile");
    let onecomp = model("onecomp_iv_bolus.yaml");
    let cases: [(&[&str], &str); 4] = [
        (&["--step", "1e-9"], "output grid would have"),
        (&["--end", "1e300"], "output grid would have"),
        (&["--set", "V=0"], "d(A)/dt is -inf at the start"),
        (
            &["--dose", "A:1e308@0", "--dose", "A:1e308@0"],
            "makes `A` inf",
        ),
    ];
    for (extra, expected) in cases {
        let mut arguments = vec!["simulate", onecomp.as_str(), "--out", "never"];
        arguments.extend_from_slice(extra);
        let output = cartsim(&arguments, &directory);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{extra:?}: {stderr}");
        assert!(
            stderr.contains(expected) && stderr.contains("hint:"),
            "{extra:?}: {stderr}"
        );
        assert!(
            !stderr.contains("panicked") && !directory.join("never").exists(),
            "{extra:?}"
        );
    }
    // An output that is not finite (the log of zero) is an error naming the output, not a NaN
    // in trajectory.csv.
    let log_of_zero = directory.join("log_of_zero.yaml");
    std::fs::write(&log_of_zero, "name: log_of_zero\nstates: {y: 1}\nodes:\n  y: -y\noutputs:\n  bad: ln(y - y)\nsimulation: {end: 1, step: 1}\n").unwrap();
    let output = cartsim(
        &["simulate", log_of_zero.to_str().unwrap(), "--out", "never"],
        &directory,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("output `bad` is -inf") && stderr.contains("outputs.bad"),
        "{stderr}"
    );
    assert!(!directory.join("never").exists());
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn auto_reports_its_switch_in_run_json_and_with_verbose() {
    let directory = scratch("switch");
    let output = cartsim(
        &[
            "simulate",
            &model("hardiansyah2019_crs.yaml"),
            "--out",
            "run",
            "--verbose",
        ],
        &directory,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("`auto` switched to bdf at time"));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(directory.join("run/run.json")).unwrap())
            .unwrap();
    assert!(
        run["method_switch"]["time"]
            .as_f64()
            .is_some_and(|t| t > 0.0),
        "{}",
        run["method_switch"]
    );
    assert!(
        run["solver_statistics"]["jacobian_evaluations"]
            .as_u64()
            .unwrap()
            > 0
    );
    let _ = std::fs::remove_dir_all(&directory);
}
