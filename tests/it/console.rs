//! Command-line habits: `--quiet` silences warnings but not errors, `--color` and NO_COLOR,
//! a `--dose` without its time refused, and counts written in the singular when they are 1.

use crate::cli::{cartsim, scratch};
use std::process::Command;

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

/// A run file of one typical subject in one arm that warns (the deprecated `output:` block).
const DEPRECATED: &str = "model: onecomp\noutput: {end: 2, step: 1}\n";

#[test]
fn quiet_silences_warnings_not_errors() {
    let directory = scratch("console-quiet");
    std::fs::write(directory.join("run.yaml"), DEPRECATED).unwrap();
    let loud = cartsim(&["check", "run.yaml"], &directory);
    assert!(loud.status.success());
    assert!(stderr(&loud).starts_with("warning: `output:` in a run file is deprecated"));
    for quiet in ["-q", "--quiet"] {
        let silent = cartsim(&[quiet, "check", "run.yaml"], &directory);
        assert!(silent.status.success());
        assert_eq!(stderr(&silent), "", "{quiet}");
        assert_eq!(String::from_utf8_lossy(&silent.stdout), "run.yaml: ok\n");
    }
    let failing = cartsim(&["check", "missing.yaml", "--quiet"], &directory);
    assert_eq!(failing.status.code(), Some(1));
    assert!(stderr(&failing).starts_with("error: "));
    let both = cartsim(&["-q", "-v", "models"], &directory);
    assert_eq!(both.status.code(), Some(2), "quiet and verbose conflict");
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn color_always_never_and_no_color() {
    let directory = scratch("console-color");
    std::fs::write(directory.join("run.yaml"), DEPRECATED).unwrap();
    let run = |arguments: &[&str], no_color: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cartsim"));
        command.args(arguments).current_dir(&directory);
        match no_color {
            Some(value) => command.env("NO_COLOR", value),
            None => command.env_remove("NO_COLOR"),
        };
        stderr(&command.output().unwrap())
    };
    let colored = run(&["check", "run.yaml", "--color", "always"], None);
    assert!(
        colored.starts_with("\x1b[1;33mwarning:\x1b[0m `output:`"),
        "{colored:?}"
    );
    assert!(colored.contains("= \x1b[1;36mhint\x1b[0m: rename the block"));
    let forced = run(&["check", "run.yaml", "--color=always"], Some("1"));
    assert_eq!(
        forced, colored,
        "an explicit --color always wins over NO_COLOR"
    );
    // stderr is a pipe here, so `auto` never colours; NO_COLOR must not change that either.
    for (arguments, no_color) in [
        (&["check", "run.yaml", "--color", "never"][..], None),
        (&["check", "run.yaml"][..], None),
        (&["check", "run.yaml"][..], Some("1")),
    ] {
        let plain = run(arguments, no_color);
        assert!(
            plain.starts_with("warning:") && !plain.contains('\x1b'),
            "{arguments:?}"
        );
    }
    let error = run(&["check", "missing.yaml", "--color", "always"], None);
    assert!(error.starts_with("\x1b[1;31merror:\x1b[0m "), "{error:?}");
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn a_dose_without_its_time_is_refused_with_the_fix() {
    let directory = scratch("console-dose");
    let output = cartsim(&["simulate", "onecomp", "--dose", "A:100"], &directory);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output)
            .contains("`A:100` gives no dose time; write STATE:AMOUNT@TIME, e.g. `--dose A:100@0`"),
        "{}",
        stderr(&output)
    );
    assert!(!directory.join("output").exists());
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn one_subject_in_one_arm_is_counted_in_the_singular() {
    let directory = scratch("console-plural");
    std::fs::write(
        directory.join("run.yaml"),
        "model: onecomp\nsimulation: {end: 2, step: 1}\n",
    )
    .unwrap();
    let output = cartsim(&["run", "run.yaml", "--out", "r"], &directory);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("run.json (1 subject x 1 arm in "),
        "{stdout}"
    );
    assert_eq!(
        cartsim::diag::count(1, "arm") + " " + &cartsim::diag::count(4, "arm"),
        "1 arm 4 arms"
    );
    assert_eq!(cartsim::diag::count(0u64, "file"), "0 files");
    let _ = std::fs::remove_dir_all(&directory);
}

/// Runs cartsim in `directory` with `input` on its standard input.
fn piped(arguments: &[&str], directory: &std::path::Path, input: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_cartsim"))
        .args(arguments)
        .current_dir(directory)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A command that does not read its input may exit first: a broken pipe is no failure.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().unwrap()
}

/// `-` reads the model (simulate) or the dataset (fit) from standard input: the same files as
/// from the path, byte for byte; both `-` at once is refused.
#[test]
fn a_dash_reads_the_model_or_the_dataset_from_standard_input() {
    let directory = scratch("console-stdin");
    let model = std::fs::read(crate::repo_path("models/onecomp_iv_bolus.yaml")).unwrap();
    std::fs::write(directory.join("model.yaml"), &model).unwrap();
    let from_file = cartsim(&["simulate", "model.yaml", "--out", "file"], &directory);
    assert!(from_file.status.success(), "{}", stderr(&from_file));
    let from_pipe = piped(&["simulate", "-", "--out", "pipe"], &directory, &model);
    assert!(from_pipe.status.success(), "{}", stderr(&from_pipe));
    for table in ["trajectory.csv", "metrics.csv"] {
        let read = |folder: &str| std::fs::read(directory.join(folder).join(table)).unwrap();
        assert_eq!(read("file"), read("pipe"), "{table}");
    }
    let data =
        b"ID,TIME,DV,AMT,EVID,CMT\n1,0,.,100,1,1\n1,1,4.5,.,0,.\n1,4,2.9,.,0,.\n1,8,1.6,.,0,.\n";
    let fit = |data_path: &str, out: &str| {
        piped(
            &[
                "fit",
                "model.yaml",
                "--data",
                data_path,
                "--estimate",
                "CL",
                "--out",
                out,
            ],
            &directory,
            data,
        )
    };
    std::fs::write(directory.join("data.csv"), data).unwrap();
    let (by_path, by_pipe) = (fit("data.csv", "fit_file"), fit("-", "fit_pipe"));
    assert!(by_pipe.status.success(), "{}", stderr(&by_pipe));
    assert!(by_path.status.success(), "{}", stderr(&by_path));
    let estimates = |folder: &str| std::fs::read(directory.join(folder).join("estimates.csv"));
    assert_eq!(
        estimates("fit_file").unwrap(),
        estimates("fit_pipe").unwrap()
    );
    let both = piped(
        &["fit", "-", "--data", "-", "--estimate", "CL"],
        &directory,
        data,
    );
    assert_eq!(both.status.code(), Some(1));
    assert!(
        stderr(&both).contains("both `-` (standard input)"),
        "{}",
        stderr(&both)
    );
    let _ = std::fs::remove_dir_all(&directory);
}
