//! Output folders hold one result: a re-run replaces the old result as a whole, foreign folders
//! are refused, SIGINT leaves the previous result intact, reports show only what the record
//! lists, merge refuses shards that differ in what decides their numbers, and the command line
//! exits quietly into a closed pipe.

use crate::cli::{cartsim, scratch};
use crate::repo_path;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn model(name: &str) -> String {
    repo_path(&format!("models/{name}")).display().to_string()
}

#[track_caller]
fn succeed(arguments: &[&str], directory: &Path) -> String {
    let output = cartsim(arguments, directory);
    assert!(
        output.status.success(),
        "cartsim {arguments:?}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).to_string()
}

#[track_caller]
fn fail(arguments: &[&str], directory: &Path) -> String {
    let output = cartsim(arguments, directory);
    assert_eq!(output.status.code(), Some(1), "cartsim {arguments:?}");
    String::from_utf8_lossy(&output.stderr).to_string()
}

/// Every file under a folder (relative paths, sorted), hidden ones included.
fn tree(folder: &Path) -> Vec<String> {
    fn walk(root: &Path, folder: &Path, names: &mut Vec<String>) {
        for entry in std::fs::read_dir(folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, names);
            } else {
                let relative = path.strip_prefix(root).unwrap();
                names.push(relative.display().to_string());
            }
        }
    }
    let mut names = Vec::new();
    walk(folder, folder, &mut names);
    names.sort();
    names
}

#[test]
fn a_rerun_replaces_the_previous_result_as_a_whole() {
    let root = scratch("folders-rerun");
    let data = repo_path("tests/fixtures/data/onecomp.csv");
    let onecomp = model("onecomp_iv_bolus.yaml");
    succeed(&["simulate", &onecomp, "--out", "out"], &root);
    assert!(root.join("out/metrics.csv").exists());
    assert!(root.join("out/trajectory.png").exists());
    succeed(
        &[
            "simulate",
            &onecomp,
            "--data",
            &data.display().to_string(),
            "--out",
            "out",
        ],
        &root,
    );
    let files = tree(&root.join("out"));
    assert!(!files.contains(&"metrics.csv".to_string()), "{files:?}");
    assert!(!files.contains(&"trajectory.png".to_string()), "{files:?}");
    assert!(files.contains(&"observations.csv".to_string()), "{files:?}");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("out/provenance.json")).unwrap())
            .unwrap();
    let mut listed: Vec<String> = serde_json::from_value(record["files"].clone()).unwrap();
    listed.sort();
    assert_eq!(listed, files, "the record lists exactly the folder's files");
    assert_eq!(
        tree(&root).len(),
        files.len(),
        "nothing left beside the folder"
    );
}

#[test]
fn folders_of_other_files_or_commands_are_refused_unless_forced() {
    let root = scratch("folders-foreign");
    let stein = model("stein2019_tisagenlecleucel.yaml");
    std::fs::create_dir_all(root.join("mine")).unwrap();
    std::fs::write(root.join("mine/notes.txt"), "keep me").unwrap();
    let error = fail(&["simulate", &stein, "--out", "mine", "--end", "5"], &root);
    assert!(
        error.contains("`mine` is not empty and holds no cartsim result"),
        "{error}"
    );
    assert!(error.contains("--force"), "{error}");
    assert_eq!(tree(&root), ["mine/notes.txt"]);
    let error = fail(
        &["simulate", &stein, "--out", ".", "--force", "--end", "5"],
        &root,
    );
    assert!(error.contains("`.` is the current folder"), "{error}");
    assert_eq!(tree(&root), ["mine/notes.txt"]);
    succeed(
        &["simulate", &stein, "--out", "mine", "--force", "--end", "5"],
        &root,
    );
    assert!(!root.join("mine/notes.txt").exists());
    let run = repo_path("tests/fixtures/runs/cart3_small.yaml");
    let error = fail(&["run", &run.display().to_string(), "--out", "mine"], &root);
    assert!(
        error.contains("holds the result of `cartsim simulate`"),
        "{error}"
    );
}

#[test]
fn a_folder_holding_an_input_is_never_replaced_even_forced() {
    let root = scratch("folders-inputs");
    std::fs::create_dir_all(root.join("study")).unwrap();
    let onecomp = std::fs::read(repo_path("models/onecomp_iv_bolus.yaml")).unwrap();
    std::fs::write(root.join("study/model.yaml"), &onecomp).unwrap();
    let data = repo_path("tests/fixtures/data/onecomp.csv");
    std::fs::copy(&data, root.join("study/data.csv")).unwrap();
    let model = "study/model.yaml";
    let error = fail(&["simulate", model, "--out", "study", "--force"], &root);
    assert!(
        error.contains("`study` holds `study/model.yaml`, an input of this command"),
        "{error}"
    );
    assert!(error.contains("--out study/results"), "{error}");
    let shipped = "onecomp_iv_bolus";
    let with_data = ["simulate", shipped, "--data", "study/data.csv"];
    let error = fail(
        &[&with_data[..], &["--out", "study", "--force"]].concat(),
        &root,
    );
    assert!(error.contains("holds `study/data.csv`"), "{error}");
    // A folder holding an earlier result of the same command is replaced without `--force`,
    // but not once an input has been put there.
    succeed(&["simulate", model, "--out", "result"], &root);
    std::fs::copy(root.join(model), root.join("result/edited.yaml")).unwrap();
    let error = fail(
        &["simulate", "result/edited.yaml", "--out", "result"],
        &root,
    );
    assert!(error.contains("holds `result/edited.yaml`"), "{error}");
    assert!(root.join("result/edited.yaml").exists());
    assert_eq!(
        tree(&root.join("study")),
        ["data.csv", "model.yaml"],
        "the inputs are untouched"
    );
}

/// A run file of `n` cart3 subjects (one scenario) in `folder`, for the signal test.
fn cart3_run(folder: &Path, name: &str, n: u64) -> PathBuf {
    let path = folder.join(name);
    let text = format!(
        "model: {}\nsimulation: {{end: 365, step: 1}}\nscenarios:\n  single: {{doses: [{{state: E, amount: 1e7, time: 0}}]}}\n\
         population:\n  n: {n}\n  seed: 3\n  variability:\n    rho: {{omega: 0.3}}\n",
        model("cart3.yaml")
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn sigint_and_sigterm_stop_a_run_and_keep_the_previous_result() {
    let root = scratch("folders-signals");
    let small = cart3_run(&root, "small.yaml", 4);
    succeed(
        &["run", &small.display().to_string(), "--out", "out"],
        &root,
    );
    let before = std::fs::read_to_string(root.join("out/summary.csv")).unwrap();
    // Long enough to be stopped (minutes in the dev profile); it must stop within seconds.
    let large = cart3_run(&root, "large.yaml", 1_000_000);
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let child = Command::new(env!("CARGO_BIN_EXE_cartsim"))
            .args(["run", &large.display().to_string(), "--out", "out"])
            .args(["--threads", "2"])
            .current_dir(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let staging = root.join(format!(".out.cartsim-staging-{}", child.id()));
        let started = std::time::Instant::now();
        while !staging.exists() {
            assert!(started.elapsed().as_secs() < 60, "no staging folder");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        let kill = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status();
        assert!(kill.unwrap().success());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{stderr}");
        assert!(
            stderr.contains(&format!("stopped by SIG{signal}")),
            "{stderr}"
        );
        assert!(
            started.elapsed().as_secs() < 30,
            "SIG{signal}: no quick stop"
        );
        let mut entries: Vec<String> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        entries.sort();
        assert_eq!(entries, ["large.yaml", "out", "small.yaml"]);
        let partial = tree(&root.join("out"))
            .into_iter()
            .any(|f| f.contains("partial"));
        assert!(!partial);
        let after = std::fs::read_to_string(root.join("out/summary.csv")).unwrap();
        assert_eq!(after, before);
    }
}

#[test]
fn a_report_embeds_only_the_figures_the_record_lists() {
    let root = scratch("folders-report");
    let stein = model("stein2019_tisagenlecleucel.yaml");
    succeed(&["simulate", &stein, "--out", "out", "--end", "30"], &root);
    let out = root.join("out");
    std::os::unix::fs::symlink("/etc/passwd", out.join("zz.png")).unwrap();
    std::fs::copy(out.join("trajectory.png"), out.join("stray.png")).unwrap();
    succeed(&["report", "out"], &root);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    // Every embedded PNG's base64 starts with its signature; /etc/passwd's with `root:`.
    assert_eq!(html.matches("base64,iVBORw0KGgo").count(), 1);
    assert!(!html.contains("cm9vd"));
    assert!(!html.contains("zz.png") && !html.contains("stray.png"));
    // A listed figure replaced by a link out of the folder is refused, not read.
    std::fs::remove_file(out.join("trajectory.png")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", out.join("trajectory.png")).unwrap();
    let error = fail(&["report", "out"], &root);
    assert!(
        error.contains("trajectory.png`, listed in provenance.json, is not a file cartsim wrote"),
        "{error}"
    );
}

#[test]
fn a_report_refuses_a_truncated_table_naming_file_and_row() {
    let root = scratch("folders-truncated");
    let stein = model("stein2019_tisagenlecleucel.yaml");
    succeed(&["simulate", &stein, "--out", "out", "--end", "30"], &root);
    let metrics = root.join("out/metrics.csv");
    let text = std::fs::read_to_string(&metrics).unwrap();
    std::fs::write(&metrics, &text[..text.len() - 5]).unwrap();
    let error = fail(&["report", "out"], &root);
    assert!(
        error.contains("metrics.csv`: row 2 is cut short"),
        "{error}"
    );
    assert!(!root.join("out/report.html").exists());
}

#[test]
fn report_md_escapes_html_from_the_model() {
    let root = scratch("folders-md-escape");
    let text = std::fs::read_to_string(repo_path("models/onecomp_iv_bolus.yaml")).unwrap();
    let hostile = text.replacen("title:", "title: \"<script>alert(1)</script>\" #", 1);
    assert_ne!(hostile, text, "the model has a title to replace");
    std::fs::write(root.join("hostile.yaml"), hostile).unwrap();
    succeed(&["simulate", "hostile.yaml", "--out", "out"], &root);
    succeed(&["report", "out", "--format", "md"], &root);
    let markdown = std::fs::read_to_string(root.join("out/report.md")).unwrap();
    assert!(!markdown.contains("<script>"), "{markdown}");
    assert!(markdown.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn merge_refuses_shards_of_an_edited_model_or_a_truncated_table() {
    let root = scratch("folders-merge");
    let model_text = std::fs::read_to_string(repo_path("models/cart3.yaml")).unwrap();
    std::fs::write(root.join("cart3.yaml"), &model_text).unwrap();
    let run = "model: cart3.yaml\nsimulation: {end: 30, step: 1}\npopulation:\n  n: 6\n  seed: 1\n  variability: {rho: {omega: 0.3}}\n";
    std::fs::write(root.join("run.yaml"), run).unwrap();
    succeed(&["run", "run.yaml", "--shard", "1/2", "--out", "s1"], &root);
    std::fs::write(root.join("cart3.yaml"), format!("{model_text}\n# edited\n")).unwrap();
    succeed(&["run", "run.yaml", "--shard", "2/2", "--out", "s2"], &root);
    let error = fail(&["merge", "s1", "s2", "--out", "merged"], &root);
    assert!(
        error.contains("shards of different runs: the model differs"),
        "{error}"
    );
    assert!(!root.join("merged").exists());
    // Both shards with the model as it is now, and then the model edited back: refused too.
    succeed(&["run", "run.yaml", "--shard", "1/2", "--out", "s1"], &root);
    std::fs::write(root.join("cart3.yaml"), &model_text).unwrap();
    let error = fail(&["merge", "s1", "s2", "--out", "merged"], &root);
    assert!(
        error.contains("the model has changed since the shards ran"),
        "{error}"
    );
    std::fs::write(root.join("cart3.yaml"), format!("{model_text}\n# edited\n")).unwrap();
    succeed(&["merge", "s1", "s2", "--out", "merged"], &root);
    // Without --out, merge writes where the unsharded run would: output/<run file name>.
    succeed(&["merge", "s1", "s2"], &root);
    assert_eq!(
        std::fs::read(root.join("output/run/metrics.csv")).unwrap(),
        std::fs::read(root.join("merged/metrics.csv")).unwrap()
    );
    let metrics = root.join("s2/metrics.csv");
    let text = std::fs::read_to_string(&metrics).unwrap();
    std::fs::write(&metrics, &text[..text.len() - 3]).unwrap();
    let error = fail(&["merge", "s1", "s2", "--out", "merged"], &root);
    assert!(
        error.contains("s2/metrics.csv`: row 4 is cut short"),
        "{error}"
    );
    std::fs::write(&metrics, text.replacen("\nbase,4,", "\nbase,5,", 1)).unwrap();
    let error = fail(&["merge", "s1", "s2", "--out", "merged"], &root);
    assert!(
        error.contains("s2/metrics.csv` row 2: subject 5, where subjects.csv has subject 4"),
        "{error}"
    );
    let lines: Vec<&str> = text.lines().take(3).collect();
    std::fs::write(&metrics, lines.join("\n") + "\n").unwrap();
    let error = fail(&["merge", "s1", "s2", "--out", "merged"], &root);
    assert!(error.contains("holds 3 subjects and 2 rows"), "{error}");
}

#[test]
fn printing_into_a_closed_pipe_exits_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cartsim"))
        .arg("models")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn formula_like_names_are_written_as_text_and_read_back_by_merge_and_report() {
    let root = scratch("folders-formula");
    let run = format!(
        "model: {}\nsimulation: {{end: 20, step: 1}}\nscenarios:\n  \"=SUM(1)\": {{doses: [{{state: E, amount: 1e7, time: 0}}]}}\n  \
         \"-low, dose\": {{doses: [{{state: E, amount: 1e6, time: 0}}]}}\n\
         population:\n  n: 4\n  seed: 1\n  variability: {{rho: {{omega: 0.3}}}}\n",
        model("cart3.yaml")
    );
    std::fs::write(root.join("run.yaml"), run).unwrap();
    succeed(
        &["run", "run.yaml", "--out", "one", "--save-trajectories"],
        &root,
    );
    let metrics = std::fs::read_to_string(root.join("one/metrics.csv")).unwrap();
    assert!(
        metrics
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("'=SUM(1),1,ok,"),
        "{metrics}"
    );
    assert!(metrics.contains("\n\"'-low, dose\",1,ok,"), "{metrics}");
    let trajectories = std::fs::read_to_string(root.join("one/trajectories.csv")).unwrap();
    assert!(
        trajectories
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("'=SUM(1),1,0,")
    );
    for k in ["1", "2"] {
        let shard = format!("{k}/2");
        let out = format!("s{k}");
        succeed(
            &[
                "run",
                "run.yaml",
                "--shard",
                &shard,
                "--out",
                &out,
                "--save-trajectories",
            ],
            &root,
        );
    }
    succeed(&["merge", "s1", "s2", "--out", "merged"], &root);
    for file in ["metrics.csv", "summary.csv", "trajectories.csv"] {
        let read = |folder: &str| std::fs::read_to_string(root.join(folder).join(file)).unwrap();
        assert!(read("one") == read("merged"), "{file} differs after merge");
    }
    succeed(&["report", "one", "--format", "md"], &root);
    let markdown = std::fs::read_to_string(root.join("one/report.md")).unwrap();
    assert!(markdown.contains("Scenario =SUM(1): metrics"), "{markdown}");
    assert!(
        markdown.contains("Scenario -low, dose: metrics"),
        "{markdown}"
    );
}
