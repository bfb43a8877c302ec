//! `merge` refusing what it cannot combine: missing or foreign shards, records of another
//! format, other extra tables, tables cut short or emptied.

use super::*;

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

#[test]
fn merge_refuses_a_shard_record_of_another_format_version() {
    let root = scratch("merge-format-version");
    let run = fixture("cart3_small.yaml");
    for k in 1..=2 {
        let out = root.join(format!("shard{k}")).display().to_string();
        succeed(&["run", &run, "--shard", &format!("{k}/2"), "--out", &out]);
    }
    let record = root.join("shard1/run.json");
    let text = read(&root.join("shard1"), "run.json");
    assert!(text.contains("\"format_version\": 1,"), "{text}");
    let merge = || {
        cartsim(&[
            "merge",
            &root.join("shard1").display().to_string(),
            &root.join("shard2").display().to_string(),
            "--out",
            &root.join("m").display().to_string(),
        ])
    };
    for (edited, found) in [
        (
            text.replace("\"format_version\": 1,", "\"format_version\": 0,"),
            "format_version 0",
        ),
        (
            text.replace("\"format_version\": 1,", ""),
            "no format_version",
        ),
    ] {
        std::fs::write(&record, edited).unwrap();
        let output = merge();
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&record.display().to_string()), "{stderr}");
        assert!(stderr.contains(found), "{stderr}");
        assert!(stderr.contains("reads version 1"), "{stderr}");
        assert!(!root.join("m").exists());
    }
    std::fs::write(&record, &text).unwrap();
    assert!(merge().status.success());
}

#[test]
fn merge_refuses_shards_that_saved_other_trajectories_or_a_cut_short_one() {
    let root = scratch("merge-extra-tables");
    let run = fixture("cart3_small.yaml");
    let folder = |name: &str| root.join(name).display().to_string();
    let shard = |k: u32, extra: &[&str]| {
        let mut args = vec!["run", &run, "--save-trajectories", "--out"];
        let (out, slice) = (folder(&format!("shard{k}")), format!("{k}/2"));
        args.extend([out.as_str(), "--shard", slice.as_str()]);
        args.extend(extra);
        succeed(&args);
    };
    shard(1, &["--trajectory-outputs", "EM"]);
    shard(
        2,
        &["--trajectory-outputs", "EM,T", "--trajectory-times", "0,7"],
    );
    let merge = || {
        cartsim(&[
            "merge",
            &folder("shard1"),
            &folder("shard2"),
            "--out",
            &folder("m"),
        ])
    };
    let output = merge();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("the extra tables differs"), "{stderr}");
    assert!(
        stderr.contains("trajectories.csv (EM at every output time)")
            && stderr.contains("trajectories.csv (EM, T at 0, 7)"),
        "{stderr}"
    );
    assert!(!root.join("m").exists());

    // The same subset in both: merged, and run.json says what trajectories.csv holds.
    shard(2, &["--trajectory-outputs", "EM"]);
    assert!(merge().status.success());
    let record = read(&root.join("m"), "run.json");
    assert!(
        record.contains("\"outputs\": [\n        \"EM\"\n      ]"),
        "{record}"
    );
    let merged = read(&root.join("m"), "trajectories.csv");
    let rows = |name: &str| read(&root.join(name), "trajectories.csv").lines().count() - 1;
    assert_eq!(merged.lines().count() - 1, rows("shard1") + rows("shard2"));

    // A shard's trajectories.csv cut short mid-row is refused with its row; nothing is written.
    let path = root.join("shard2/trajectories.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, &text[..text.len() - 3]).unwrap();
    std::fs::remove_dir_all(root.join("m")).unwrap();
    let output = merge();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = text.lines().count();
    assert!(
        stderr.contains(&format!("row {last} is cut short")),
        "{stderr}"
    );
    assert!(!root.join("m").exists());
}

#[test]
fn merge_refuses_an_empty_shard_table_without_its_header() {
    // 2 subjects in 3 shards: shard 1 holds none, so only its header makes its metrics.csv.
    let root = scratch("merge-empty-table");
    let run = root.join("run.yaml");
    let model = repo_path("models/cart3.yaml");
    let text = format!(
        "model: {}\nsimulation: {{end: 5, step: 1}}\npopulation: {{n: 2, seed: 1}}\n",
        model.display()
    );
    std::fs::write(&run, text).unwrap();
    let folder = |k: u32| root.join(format!("shard{k}")).display().to_string();
    for k in 1..=3 {
        let run = run.display().to_string();
        succeed(&[
            "run",
            &run,
            "--shard",
            &format!("{k}/3"),
            "--out",
            &folder(k),
        ]);
    }
    std::fs::write(root.join("shard1/metrics.csv"), "").unwrap();
    let out = root.join("m").display().to_string();
    let output = cartsim(&["merge", &folder(1), &folder(2), &folder(3), "--out", &out]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("shard1/metrics.csv` is empty: it has no header row"),
        "{stderr}"
    );
    assert!(!root.join("m").exists());
}
