//! `cartsim export --to mrgsolve` and `--to nlmixr2` on every shipped model and on one using
//! every function of the expression language: the text is what the tools' syntax needs (R is
//! not installed here): mrgsolve's `$ODE`, `$MAIN` and `$TABLE` C++ compiled by g++ in a
//! harness written here, nlmixr2's `model()` evaluated by a little R evaluator written here
//! (`r_eval`), and both compared with cartsim's own right-hand side, initial states and
//! outputs at random states and times; structural checks (every state has one ODE and an
//! initial value, every parameter is declared with its value); the models refused, with their
//! reason.

mod mrgsolve;
mod nlmixr2;
mod r_eval;

use crate::{repo_path, shipped};
use cartsim::model::Model;
use cartsim::spec::{ModelSpec, load_model};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Shipped models neither tool can express, and why: extinction floors (CARTmath), floors and
/// an event (CD22).
const REFUSED: [(&str, &str); 2] = [
    ("cartmath_barros2021", "extinction floor"),
    ("cd22_antigen_escape", "extinction floor"),
];

/// Every shipped model, and the model using every function of the expression language
/// (crate::functions): (file stem, spec, compiled model).
fn exported_models() -> Vec<(String, ModelSpec, Model)> {
    let mut models = Vec::new();
    for entry in std::fs::read_dir(repo_path("models")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let spec = load_model(&path.display().to_string(), &text)
            .unwrap_or_else(|d| panic!("{}", cartsim::diag::render_all(&d)))
            .spec;
        models.push((stem.clone(), spec, shipped(&format!("{stem}.yaml"))));
    }
    models.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(models.len() >= 10, "{} shipped models", models.len());
    let every_function = crate::functions::EVERY_FUNCTION;
    models.push((
        "every_function".into(),
        load_model("every_function.yaml", every_function)
            .unwrap()
            .spec,
        crate::model_from("every_function.yaml", every_function),
    ));
    models
}

/// A point where both sides are evaluated: a time and the states.
struct Point {
    t: f64,
    states: Vec<f64>,
}

/// What cartsim computes at a point: derivatives and outputs.
struct Truth {
    derivatives: Vec<f64>,
    outputs: Vec<f64>,
}

/// Random points for `model`: times uniform over the span, away (> 1e-3) from every time
/// switch (where the two sides may legitimately take different branches), states log-uniform
/// from 1e-2 to 1e4 times 1 + |initial value| (every state positive and of its own scale).
fn points(model: &Model, count: usize, seed: u64) -> (Vec<f64>, Vec<Point>, Vec<f64>) {
    let parameters = model.parameter_values(None).unwrap();
    let mut registers = vec![0.0; model.register_count()];
    model.setup(&mut registers, &parameters);
    let initial = model.initial_states(&registers);
    let switches = model.switch_times(&registers);
    let mut random = ChaCha8Rng::seed_from_u64(seed);
    let end = model.simulation.end.max(1.0);
    let mut points = Vec::new();
    while points.len() < count {
        let t = random.random_range(0.0..end);
        if switches.iter().any(|s| (s - t).abs() < 1e-3) {
            continue;
        }
        let states = (initial.iter())
            .map(|x| (1.0 + x.abs()) * 10f64.powf(random.random_range(-2.0..4.0)))
            .collect();
        points.push(Point { t, states });
    }
    (parameters, points, initial)
}

/// cartsim's derivatives and outputs at `point`.
fn truth(model: &Model, parameters: &[f64], point: &Point) -> Truth {
    let mut registers = vec![0.0; model.register_count()];
    model.setup(&mut registers, parameters);
    model.set_switches(&mut registers, point.t);
    let mut derivatives = vec![0.0; model.states.len()];
    model.rhs(
        &mut registers,
        point.t,
        &point.states,
        parameters,
        &mut derivatives,
    );
    let mut outputs = vec![0.0; model.outputs.len()];
    model.outputs(
        &mut registers,
        point.t,
        &point.states,
        parameters,
        &mut outputs,
    );
    Truth {
        derivatives,
        outputs,
    }
}

/// Same number: both not finite, or within 1e-9 relative (both sides evaluate the same
/// formulas in double precision, in orders that differ by a few roundings: 1e-12 would do
/// for most; 1e-9 leaves room for the cancellation in a difference of large terms) or 1e-12
/// absolute.
fn assert_same(exported: f64, cartsim: f64, what: &str) {
    if !cartsim.is_finite() {
        assert!(!exported.is_finite(), "{what}: {exported} vs {cartsim}");
        return;
    }
    let tolerance = 1e-9 * exported.abs().max(cartsim.abs()) + 1e-12;
    assert!(
        (exported - cartsim).abs() <= tolerance,
        "{what}: exported {exported} vs cartsim {cartsim}"
    );
}

#[test]
fn export_writes_the_default_file_names_and_refuses_with_a_reason() {
    let directory = crate::cli::scratch("export-r");
    let model = directory.join("stein.yaml");
    std::fs::copy(repo_path("models/stein2019_tisagenlecleucel.yaml"), &model).unwrap();
    for (to, file, first) in [
        ("mrgsolve", "stein.cpp", "$PROB Tisagenlecleucel"),
        ("nlmixr2", "stein.R", "# Tisagenlecleucel"),
    ] {
        let output = crate::cli::cartsim(&["export", "stein.yaml", "--to", to], &directory);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(directory.join(file)).unwrap();
        assert!(text.starts_with(first), "{text}");
    }
    let cd22 = repo_path("models/cd22_antigen_escape.yaml")
        .display()
        .to_string();
    let refused = crate::cli::cartsim(
        &["export", &cd22, "--to", "mrgsolve", "--out", "cd22.cpp"],
        &directory,
    );
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("extinction floor of `E` has no mrgsolve form"),
        "{stderr}"
    );
    assert!(!directory.join("cd22.cpp").exists());
}

#[test]
fn names_the_tools_keep_are_refused_by_name() {
    let text = "name: kept\nparameters: {k: 1}\nstates: {time: 1}\nodes: {time: -k * time}\nsimulation: {end: 1}\n";
    let spec = load_model("kept.yaml", text).unwrap().spec;
    for message in [
        cartsim::export::mrgsolve(&spec).unwrap_err().message,
        cartsim::export::nlmixr2(&spec).unwrap_err().message,
    ] {
        assert!(message.contains("`time` is a name"), "{message}");
    }
}
