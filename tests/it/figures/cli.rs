//! The figure settings from the command line and from a run file's `figures:` block.

use crate::cli::{cartsim, scratch};
use crate::repo_path;

/// Points per millimetre.
const PT_PER_MM: f64 = 72.0 / 25.4;

/// The width of a PDF's first MediaBox, in points.
fn page_width(pdf: &std::path::Path) -> f64 {
    let text = String::from_utf8_lossy(&std::fs::read(pdf).unwrap()).to_string();
    let after = text.split_once("/MediaBox [").unwrap().1;
    after.split_whitespace().nth(2).unwrap().parse().unwrap()
}

#[test]
fn simulate_writes_each_format_asked_at_the_size_asked() {
    let directory = scratch("figures-simulate");
    let model = repo_path("models/onecomp_iv_bolus.yaml")
        .display()
        .to_string();
    let arguments = ["simulate", &model, "--out", "out", "--figures", "svg,pdf"];
    let output = cartsim(
        &[&arguments[..], &["--figure-size", "120x80"]].concat(),
        &directory,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out = directory.join("out");
    assert!(!out.join("trajectory.png").exists());
    assert!(out.join("trajectory.svg").exists());
    // 120 mm is 340.2 pt; the canvas is whole drawing units (0.17 mm).
    assert!((page_width(&out.join("trajectory.pdf")) - 120.0 * PT_PER_MM).abs() < 0.6);
}

#[test]
fn a_run_files_figures_block_applies_and_the_command_line_overrides_it() {
    let directory = scratch("figures-run");
    let model = repo_path("models/onecomp_iv_bolus.yaml")
        .display()
        .to_string();
    let run = format!("model: {model}\nfigures:\n  formats: [pdf]\n  size: single\n");
    std::fs::write(directory.join("run.yaml"), run).unwrap();
    let output = cartsim(&["run", "run.yaml", "--out", "a"], &directory);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let figures: Vec<_> = std::fs::read_dir(directory.join("a/figures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!figures.is_empty());
    for figure in &figures {
        assert_eq!(figure.extension().unwrap(), "pdf", "{}", figure.display());
        // 85 mm is 240.9 pt.
        assert!(
            (page_width(figure) - 85.0 * PT_PER_MM).abs() < 0.6,
            "{}",
            figure.display()
        );
    }
    let output = cartsim(
        &["run", "run.yaml", "--out", "b", "--figures", "png"],
        &directory,
    );
    assert!(output.status.success());
    let names: Vec<_> = std::fs::read_dir(directory.join("b/figures"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(names.iter().all(|n| n.ends_with(".png")), "{names:?}");
}

#[test]
fn a_bad_figures_block_is_an_error_with_a_hint() {
    let directory = scratch("figures-bad");
    let model = repo_path("models/onecomp_iv_bolus.yaml")
        .display()
        .to_string();
    let run = format!("model: {model}\nfigures:\n  size: poster\n");
    std::fs::write(directory.join("run.yaml"), run).unwrap();
    let output = cartsim(&["run", "run.yaml", "--out", "a"], &directory);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`figures: size` is `poster`"), "{stderr}");
    assert!(stderr.contains("single (85 mm)"), "{stderr}");
    let output = cartsim(&["run", "run.yaml", "--figure-size", "9x9"], &directory);
    assert_eq!(output.status.code(), Some(2), "a usage error");
}

/// Every figure file a folder holds, at its top and in figures/.
fn figure_files(folder: &std::path::Path) -> Vec<std::path::PathBuf> {
    [folder.to_path_buf(), folder.join("figures")]
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flatten()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let extension = path.extension().and_then(|e| e.to_str());
            matches!(extension, Some("png" | "svg" | "pdf"))
        })
        .collect()
}

#[test]
fn figures_none_writes_the_tables_and_no_figure() {
    let directory = scratch("figures-none");
    let model = repo_path("models/onecomp_iv_bolus.yaml")
        .display()
        .to_string();
    let simulate = ["simulate", &model, "--out", "s", "--figures", "none"];
    let output = cartsim(&simulate, &directory);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(directory.join("s/trajectory.csv").exists());
    assert_eq!(
        figure_files(&directory.join("s")),
        Vec::<std::path::PathBuf>::new()
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("trajectory.png"), "{stdout}");

    // With a dataset: the summary says the figures were not drawn (not "0 figures", nor that
    // 0 of the IDs were drawn).
    let data = repo_path("tests/fixtures/data/onecomp.csv")
        .display()
        .to_string();
    let with_data = [&simulate[..], &["--data", &data, "--force"]].concat();
    let output = cartsim(&with_data, &directory);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        figure_files(&directory.join("s")),
        Vec::<std::path::PathBuf>::new()
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("figures not drawn (`--figures none`)")
            && !stdout.contains("0 figures")
            && !stdout.contains("drawn for"),
        "{stdout}"
    );
    // Two formats are two files of one figure: one ID of three is drawn, not two.
    let two = ["--figures", "png,svg", "--max-figures", "1", "--out", "two"];
    let output = cartsim(
        &[&simulate[..2], &["--data", &data], &two[..]].concat(),
        &directory,
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(figure_files(&directory.join("two")).len(), 2);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("and 1 figure in figures/")
            && stdout.contains("figures drawn for 1 of 3 IDs"),
        "{stdout}"
    );

    let run = format!("model: {model}\npopulation: {{n: 5}}\nfigures: {{formats: [none]}}\n");
    std::fs::write(directory.join("run.yaml"), run).unwrap();
    let output = cartsim(&["run", "run.yaml", "--out", "r"], &directory);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(directory.join("r/metrics.csv").exists());
    assert_eq!(
        figure_files(&directory.join("r")),
        Vec::<std::path::PathBuf>::new()
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("figures/"));

    // `none` beside a format is refused, naming the flag.
    let mixed = ["simulate", &model, "--out", "m", "--figures", "none,png"];
    let output = cartsim(&mixed, &directory);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`--figures` names `none` with formats"),
        "{stderr}"
    );
    assert!(!directory.join("m").exists());
}
