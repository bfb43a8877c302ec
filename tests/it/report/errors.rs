//! Reports of folders that are not what they should be: errors that say what and how to fix
//! it, exit code 1 (2 for usage), never a panic; a changed model file is flagged in the report.

use super::{input_rows, parse_report, succeeds};
use crate::cli::{cartsim, scratch};
use crate::repo_path;

#[track_caller]
fn fails(arguments: &[&str], directory: &std::path::Path, code: i32) -> String {
    let output = cartsim(arguments, directory);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(code), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn folders_without_provenance_and_bad_arguments_are_refused() {
    let directory = scratch("report-errors");
    std::fs::create_dir_all(directory.join("empty")).unwrap();
    let stderr = fails(&["report", "empty"], &directory, 1);
    assert!(
        stderr.contains("has no readable provenance.json")
            && stderr.contains("not a cartsim output folder")
            && stderr.contains("cartsim run RUN.yaml --out empty"),
        "{stderr}"
    );
    let stderr = fails(&["report", "missing"], &directory, 1);
    assert!(stderr.contains("`missing` is not a folder"), "{stderr}");
    std::fs::create_dir_all(directory.join("broken")).unwrap();
    std::fs::write(
        directory.join("broken/provenance.json"),
        "{\"kind\": \"run\"",
    )
    .unwrap();
    let stderr = fails(&["report", "broken"], &directory, 1);
    assert!(stderr.contains("not a provenance record"), "{stderr}");
    let stderr = fails(&["report", "empty", "--format", "pdf"], &directory, 2);
    assert!(stderr.contains("html"), "{stderr}");
    assert!(!directory.join("empty/report.html").exists());
}

#[test]
fn a_changed_model_file_is_flagged() {
    let directory = scratch("report-changed");
    let original = repo_path("models/onecomp_iv_bolus.yaml");
    std::fs::copy(&original, directory.join("model.yaml")).unwrap();
    succeeds(&["simulate", "model.yaml", "--out", "sim"], &directory);
    let mut text = std::fs::read_to_string(directory.join("model.yaml")).unwrap();
    text.push_str("# edited after the run\n");
    std::fs::write(directory.join("model.yaml"), text).unwrap();
    succeeds(&["report", "sim"], &directory);
    let (html, _) = parse_report(&directory.join("sim/report.html"));
    assert_eq!(input_rows(&html)[0].2, "changed since the run");
    assert_eq!(input_rows(&html)[0].1, super::sha256(&original));
    let notice = super::text(&super::select(&html, "p.notice")[0]);
    assert!(
        notice.contains("model.yaml") && notice.contains("changed since the run"),
        "{notice}"
    );
    std::fs::remove_file(directory.join("model.yaml")).unwrap();
    succeeds(&["report", "sim"], &directory);
    let (html, _) = parse_report(&directory.join("sim/report.html"));
    assert_eq!(input_rows(&html)[0].2, "not found");
    assert!(super::select(&html, "table.parameters").is_empty());
}

/// `report` reads a command's record only through its type: a run.json of another
/// `format_version` (or none, as older cartsim wrote) is refused, naming the file and versions.
#[test]
fn a_record_of_another_format_version_is_refused() {
    let directory = scratch("report-record-version");
    let model = repo_path("models/onecomp_iv_bolus.yaml")
        .display()
        .to_string();
    succeeds(&["simulate", &model, "--out", "sim"], &directory);
    let path = directory.join("sim/run.json");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"format_version\": 1"), "{text}");
    std::fs::write(
        &path,
        text.replace("\"format_version\": 1", "\"format_version\": 0"),
    )
    .unwrap();
    let stderr = fails(&["report", "sim"], &directory, 1);
    assert!(
        stderr.contains("run.json: the record has format_version 0")
            && stderr.contains("reads version 1")
            && stderr.contains("rerun the command"),
        "{stderr}"
    );
    let unversioned = text.replace("\"format_version\": 1,", "");
    std::fs::write(&path, unversioned).unwrap();
    let stderr = fails(&["report", "sim"], &directory, 1);
    assert!(stderr.contains("no format_version"), "{stderr}");
}
