use super::{Destination, Owner, Staging, owner};
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("cartsim-output-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

fn destination(path: &Path, owner: Owner, force: bool) -> Destination {
    Destination {
        path: path.to_path_buf(),
        owner,
        force,
        inputs: Vec::new(),
    }
}

/// A previous `run` result: a record, a table and a figure the new run does not write.
fn previous_run(folder: &Path) {
    std::fs::create_dir_all(folder.join("figures")).unwrap();
    let record = r#"{"kind": "run", "cartsim_version": "0.1.0"}"#;
    std::fs::write(folder.join("provenance.json"), record).unwrap();
    std::fs::write(folder.join("summary.csv"), "old").unwrap();
    std::fs::write(folder.join("figures/fits_2.png"), "old").unwrap();
}

/// Every entry of a folder, sorted (to see leftovers such as staging folders).
fn entries(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn commit_replaces_the_previous_result_as_a_whole() {
    let parent = scratch("replace");
    let target = parent.join("result");
    previous_run(&target);
    let mut staging = Staging::new(&destination(&target, Owner::Run, false)).unwrap();
    staging.write("summary.csv", b"new").unwrap();
    staging.write("figures/fits_1.png", b"new").unwrap();
    assert_eq!(staging.files(), ["summary.csv", "figures/fits_1.png"]);
    staging.commit().unwrap();
    assert_eq!(entries(&parent), ["result"]);
    assert_eq!(entries(&target), ["figures", "summary.csv"]);
    assert_eq!(entries(&target.join("figures")), ["fits_1.png"]);
    assert_eq!(
        std::fs::read_to_string(target.join("summary.csv")).unwrap(),
        "new"
    );
}

#[test]
fn failed_commit_leaves_the_previous_result_intact() {
    let parent = scratch("failed-commit");
    let target = parent.join("result");
    previous_run(&target);
    let mut staging = Staging::new(&destination(&target, Owner::Run, false)).unwrap();
    staging.write("summary.csv", b"new").unwrap();
    // The second rename of the swap fails: its source has gone.
    std::fs::remove_dir_all(staging.path()).unwrap();
    let error = staging.commit().unwrap_err();
    assert!(
        error.message.contains("cannot move the new result"),
        "{error:?}"
    );
    assert!(error.notes[0].contains("left as it was"), "{error:?}");
    assert_eq!(entries(&parent), ["result"]);
    assert_eq!(
        entries(&target),
        ["figures", "provenance.json", "summary.csv"]
    );
    assert_eq!(
        std::fs::read_to_string(target.join("summary.csv")).unwrap(),
        "old"
    );
}

#[test]
fn abandoned_staging_leaves_no_files() {
    let parent = scratch("abandoned");
    let target = parent.join("result");
    previous_run(&target);
    let mut staging = Staging::new(&destination(&target, Owner::Run, false)).unwrap();
    staging.write("summary.csv", b"new").unwrap();
    drop(staging);
    assert_eq!(entries(&parent), ["result"]);
    assert_eq!(
        std::fs::read_to_string(target.join("summary.csv")).unwrap(),
        "old"
    );
}

#[test]
fn a_folder_without_a_cartsim_record_is_replaced_only_with_force() {
    let parent = scratch("foreign");
    let target = parent.join("thesis");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("chapter1.docx"), "mine").unwrap();
    let error = Staging::new(&destination(&target, Owner::Simulate, false))
        .err()
        .unwrap();
    assert!(
        error.message.contains("holds no cartsim result"),
        "{error:?}"
    );
    assert!(error.hints[0].contains("--force"), "{error:?}");
    assert_eq!(entries(&parent), ["thesis"]);
    let staging = Staging::new(&destination(&target, Owner::Simulate, true)).unwrap();
    staging.commit().unwrap();
    assert!(entries(&target).is_empty());
}

#[test]
fn another_commands_result_is_refused_and_an_empty_folder_is_taken() {
    let parent = scratch("other-command");
    let target = parent.join("result");
    previous_run(&target);
    assert_eq!(owner(&target), Some(Owner::Run));
    let error = destination(&target, Owner::Simulate, false)
        .check()
        .unwrap_err();
    assert!(error.message.contains("`cartsim run`"), "{error:?}");
    let empty = parent.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert!(destination(&empty, Owner::Fit, false).check().is_ok());
}

#[test]
fn shard_and_sensitivity_records_name_their_command() {
    let parent = scratch("records");
    std::fs::write(
        parent.join("run.json"),
        r#"{"cartsim_version": "0.1.0", "shard": {"k": 1, "n": 2}}"#,
    )
    .unwrap();
    assert_eq!(owner(&parent), Some(Owner::Run));
    std::fs::write(
        parent.join("sensitivity.json"),
        r#"{"cartsim_version": "0.1.0"}"#,
    )
    .unwrap();
    assert_eq!(owner(&parent), Some(Owner::Sensitivity));
    let other = parent.join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("provenance.json"), r#"{"kind": "population"}"#).unwrap();
    assert_eq!(
        owner(&other),
        None,
        "a record without cartsim_version is not cartsim's"
    );
    let fit = r#"{"kind": "population", "cartsim_version": "0.1.0"}"#;
    std::fs::write(other.join("provenance.json"), fit).unwrap();
    assert_eq!(owner(&other), Some(Owner::Fit));
}

#[test]
fn the_current_folder_its_ancestors_and_the_root_are_never_replaced() {
    let current = std::env::current_dir().unwrap();
    let folders = [current.clone(), current.join(".."), PathBuf::from("/")];
    for folder in folders {
        let error = destination(&folder, Owner::Run, true).check().unwrap_err();
        assert!(error.message.contains("never writes into it"), "{error:?}");
    }
}
