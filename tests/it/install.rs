//! The installed tool: package metadata and licences, a version naming its commit (and every
//! record carrying it), the shipped library by name and copied out, completions and the man
//! page, and the JSON of `check` and `models`.

use crate::cli::{cartsim, scratch};
use crate::repo_path;
use cartsim::library::{FILES, SHIPPED, shipped_model};
use cartsim::spec::{CalibrationSpec, RunSpec, TrialSpec, load_yaml};
use cartsim::version::{COMMIT, LONG_VERSION, VERSION};
use std::path::Path;

fn stdout(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).to_string()
}

#[test]
fn package_metadata_and_licences() {
    let manifest = std::fs::read_to_string(repo_path("Cargo.toml")).unwrap();
    for line in [
        "license = \"MIT OR Apache-2.0\"",
        "readme = \"README.md\"",
        "rust-version = \"",
        "description = \"",
    ] {
        assert!(manifest.contains(line), "Cargo.toml lacks {line}");
    }
    let mit = std::fs::read_to_string(repo_path("LICENSE-MIT")).unwrap();
    assert!(mit.contains("Copyright (c) the cartsim authors") && mit.contains("MIT License"));
    let apache = std::fs::read_to_string(repo_path("LICENSE-APACHE")).unwrap();
    assert!(apache.contains("Apache License") && apache.contains("Version 2.0, January 2004"));
}

/// Whether `commit` is 12 lowercase hex digits, `-dirty` allowed after them.
fn is_commit(commit: &str) -> bool {
    let hash = commit.strip_suffix("-dirty").unwrap_or(commit);
    hash.len() == 12
        && hash
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let printed = stdout(&cartsim(&["--version"], &repo_path(".")));
    assert_eq!(printed, format!("cartsim {LONG_VERSION}\n"));
    let expected = match COMMIT {
        "unknown" => format!("{VERSION} (unknown commit)"),
        commit => {
            assert!(is_commit(commit), "{commit}");
            format!("{VERSION} (commit {commit})")
        }
    };
    assert_eq!(LONG_VERSION, expected);
    assert_eq!(VERSION, env!("CARGO_PKG_VERSION"));
    // Built in a git clone, the commit is the one checked out, as git itself names it.
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repo_path("."))
        .output()
        .ok()
        .filter(|h| h.status.success());
    if let Some(head) = head {
        let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
        assert!(COMMIT.starts_with(&head), "{COMMIT} is not HEAD {head}");
    }
}

#[test]
fn written_records_carry_version_and_commit() {
    let directory = scratch("install-records");
    stdout(&cartsim(
        &["simulate", "stein2019", "--end", "28", "--out", "s"],
        &directory,
    ));
    for file in ["provenance.json", "run.json"] {
        let text = std::fs::read_to_string(directory.join("s").join(file)).unwrap();
        let record: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(record["cartsim_version"], VERSION, "{file}");
        assert_eq!(record["cartsim_commit"], COMMIT, "{file}");
    }
    // The shipped model simulated by name is the file in models/, hashed as such.
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(directory.join("s/run.json")).unwrap())
            .unwrap();
    let text = std::fs::read(repo_path("models/stein2019_tisagenlecleucel.yaml")).unwrap();
    assert_eq!(run["model"]["sha256"], cartsim::output::sha256_hex(&text));
    // Its report names the commit and finds the shipped model by its name, unchanged.
    stdout(&cartsim(&["report", "s", "--format", "md"], &directory));
    let report = std::fs::read_to_string(directory.join("s/report.md")).unwrap();
    assert!(report.contains(&format!(
        "| cartsim version | {VERSION} (commit {COMMIT}) |"
    )));
    assert!(report.contains("| model | `stein2019` |") && report.contains("| matches |"));
    assert!(report.contains("Tisagenlecleucel cellular kinetics"));
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn shipped_models_by_stem_or_unique_prefix() {
    let stein = "stein2019_tisagenlecleucel.yaml";
    for name in ["stein2019_tisagenlecleucel", stein, "stein2019", "stein"] {
        assert_eq!(shipped_model(name).unwrap().file, stein, "{name}");
    }
    // `cart3` is a whole stem and also a prefix of no other: chosen even though `cart`
    // alone is ambiguous.
    assert_eq!(shipped_model("cart3").unwrap().file, "cart3.yaml");
    let ambiguous = shipped_model("cart").unwrap_err();
    assert!(
        ambiguous.message.contains("cart3, cartmath_barros2021"),
        "{}",
        ambiguous.message
    );
    let unknown = shipped_model("nosuch").unwrap_err();
    assert!(unknown.hints[0].contains("theophylline_oral_1cmt"));
    assert!(shipped_model("").is_err());
    // A file name is never a prefix: `stein.yaml` is a missing file, not Stein 2019.
    assert!(shipped_model("stein.yaml").is_err());
}

/// `relative` (with `..`) seen from the library file `from`, as a library path.
fn resolve(from: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for part in relative.split('/') {
        match part {
            ".." => {
                parts.pop();
            }
            "." => {}
            part => parts.push(part),
        }
    }
    parts.join("/")
}

#[test]
fn embedded_library_is_the_models_folder_and_closed_under_references() {
    for (name, text) in FILES {
        let on_disk = std::fs::read_to_string(repo_path(&format!("models/{name}"))).unwrap();
        assert_eq!(&on_disk, text, "{name}");
    }
    let names: Vec<&str> = FILES.iter().map(|(name, _)| *name).collect();
    for needed in [
        "runs/cd22_dose_finding.yaml",
        "trials/cd22_phase1.yaml",
        "calibrations/cd22_fry2018.yaml",
    ] {
        assert!(names.contains(&needed), "{needed}");
    }
    assert!(SHIPPED.iter().all(|(file, _)| names.contains(file)));
    for (name, text) in FILES {
        let referenced = if name.starts_with("runs/") {
            let run = load_yaml::<RunSpec>(name, text).unwrap().spec;
            let table = run.population.and_then(|p| p.table);
            [Some(run.model), table].into_iter().flatten().collect()
        } else if name.starts_with("trials/") {
            vec![load_yaml::<TrialSpec>(name, text).unwrap().spec.run]
        } else if name.starts_with("calibrations/") {
            vec![load_yaml::<CalibrationSpec>(name, text).unwrap().spec.run]
        } else {
            Vec::new()
        };
        for reference in referenced {
            let path = resolve(name, &reference);
            assert!(names.contains(&path.as_str()), "{name} names {path}");
        }
    }
}

#[test]
fn models_copy_writes_the_library_and_refuses_to_overwrite() {
    let directory = scratch("install-copy");
    stdout(&cartsim(&["models", "--copy", "lib"], &directory));
    for (name, text) in FILES {
        assert_eq!(
            &std::fs::read_to_string(directory.join("lib").join(name)).unwrap(),
            text
        );
    }
    let edited = directory.join("lib/cart3.yaml");
    std::fs::write(&edited, "edited").unwrap();
    let again = cartsim(&["models", "--copy", "lib"], &directory);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&edited).unwrap(), "edited");
    stdout(&cartsim(
        &["models", "--copy", "lib", "--force"],
        &directory,
    ));
    assert_eq!(
        std::fs::read_to_string(&edited).unwrap(),
        SHIPPED[0].1,
        "cart3.yaml"
    );
    let _ = std::fs::remove_dir_all(&directory);
}

/// A run file anywhere that names a shipped model without a folder; a file beside it wins.
#[test]
fn run_files_name_shipped_models_anywhere() {
    let directory = scratch("install-by-name");
    let run = "model: onecomp\nsimulation: {end: 2, step: 1}\n";
    std::fs::write(directory.join("run.yaml"), run).unwrap();
    let output = stdout(&cartsim(&["check", "run.yaml"], &directory));
    assert_eq!(output, "run.yaml: ok\n");
    std::fs::write(directory.join("onecomp"), "not: a model\n").unwrap();
    let beside = cartsim(&["check", "run.yaml"], &directory);
    assert_eq!(beside.status.code(), Some(1), "the file beside it is read");
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn completions_and_man_page_name_the_subcommands() {
    use clap_complete::Shell;
    let subcommands = [
        "simulate",
        "run",
        "fit",
        "calibrate",
        "models",
        "completions",
    ];
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell] {
        let mut script = Vec::new();
        cartsim::cli::write_completions(shell, &mut script);
        let script = String::from_utf8(script).unwrap();
        for name in subcommands {
            assert!(script.contains(name), "{shell}: {name}");
        }
    }
    let mut page = Vec::new();
    cartsim::cli::write_man_page(&mut page).unwrap();
    let page = String::from_utf8(page).unwrap();
    assert!(page.starts_with(".ie") && page.contains(".TH cartsim 1"));
    assert!(page.contains(LONG_VERSION));
    for name in subcommands {
        assert!(page.contains(&format!("cartsim\\-{name}")), "man: {name}");
    }
    let printed = stdout(&cartsim(&["completions", "bash"], Path::new(".")));
    assert!(printed.contains("_cartsim()"));
}

#[test]
fn check_and_models_as_json() {
    let directory = scratch("install-json");
    let listed = stdout(&cartsim(&["models", "--format", "json"], &directory));
    let listed: Vec<serde_json::Value> = serde_json::from_str(&listed).unwrap();
    let stems: Vec<&str> = SHIPPED
        .iter()
        .map(|(file, _)| file.strip_suffix(".yaml").unwrap())
        .collect();
    let listed_stems: Vec<&str> = listed.iter().map(|m| m["stem"].as_str().unwrap()).collect();
    assert_eq!(listed_stems, stems);
    assert_eq!(listed[0]["file"], "models/cart3.yaml");
    std::fs::write(directory.join("bad.yaml"), "name: bad\nstates: {A: 1}\n").unwrap();
    let models = repo_path("models");
    let files = [
        models.join("runs/cd22_dose_finding.yaml"),
        models.join("trials/cd22_phase1.yaml"),
        models.join("calibrations/cd22_fry2018.yaml"),
        directory.join("bad.yaml"),
    ];
    let mut arguments = vec!["check", "--format", "json"];
    let paths: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    arguments.extend(paths.iter().map(String::as_str));
    let output = cartsim(&arguments, &directory);
    assert_eq!(output.status.code(), Some(1), "bad.yaml has no ODEs");
    let checked: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let kinds: Vec<&str> = checked
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["run", "trial", "calibration", "model"]);
    let ok: Vec<bool> = checked.iter().map(|c| c["ok"].as_bool().unwrap()).collect();
    assert_eq!(ok, [true, true, true, false]);
    let problem = &checked[3]["problems"][0];
    assert_eq!(problem["severity"], "error");
    assert!(!problem["message"].as_str().unwrap().is_empty());
    let _ = std::fs::remove_dir_all(&directory);
}
