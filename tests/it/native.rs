//! Native code against the interpreter on every shipped model: `cartsim simulate` with
//! `CARTSIM_JIT=off` must write byte-identical trajectories (the same IEEE operations in the
//! same order, the same library calls).

use crate::repo_path;
use std::process::Command;

/// `cartsim simulate` of `model` into `folder` with `CARTSIM_JIT=jit`: the trajectory's bytes.
pub fn simulate(model: &std::path::Path, folder: &std::path::Path, jit: &str) -> Vec<u8> {
    let output = Command::new(env!("CARGO_BIN_EXE_cartsim"))
        .args(["simulate", &model.display().to_string(), "--out"])
        .arg(folder)
        .env("CARTSIM_JIT", jit)
        .output()
        .expect("cartsim runs");
    assert!(
        output.status.success(),
        "{}: {}",
        model.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read(folder.join("trajectory.csv")).expect("trajectory written")
}

#[test]
fn every_shipped_model_simulates_identically_native_and_interpreted() {
    let scratch = std::env::temp_dir().join(format!("cartsim-native-{}", std::process::id()));
    let mut models: Vec<_> = std::fs::read_dir(repo_path("models"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    models.sort();
    assert!(models.len() >= 10, "shipped models: {models:?}");
    for model in &models {
        let stem = model.file_stem().unwrap().to_string_lossy().to_string();
        let native = simulate(model, &scratch.join(format!("{stem}-native")), "on");
        let interpreted = simulate(model, &scratch.join(format!("{stem}-interpreted")), "off");
        assert!(
            native == interpreted,
            "{stem}: native and interpreted trajectories differ"
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
