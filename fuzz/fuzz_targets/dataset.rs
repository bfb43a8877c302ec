//! NONMEM-style dataset text read as `cartsim simulate --data` and `cartsim fit` read it, against
//! two shipped models (one-compartment IV bolus, with and without a default output, and oral
//! theophylline); the first subjects of a dataset that reads run within the fuzzing caps.
#![no_main]

use cartsim::data::{ReadOptions, plan_subject, read_dataset, simulate_subject};
use cartsim::library::SHIPPED;
use cartsim::model::Model;
use cartsim::simulate::RunPlan;
use cartsim_fuzz::{bound, check_simulation, init, render, text};
use libfuzzer_sys::fuzz_target;

/// Subjects simulated per input (reading checks them all).
const SIMULATED: usize = 4;

fn shipped(file: &str) -> Model {
    let (_, text) = SHIPPED
        .iter()
        .find(|(f, _)| *f == file)
        .expect("a shipped model");
    let loaded = cartsim::spec::load_model(file, text).expect("shipped models load");
    cartsim::model::compile(&loaded).unwrap_or_else(|_| panic!("{file} compiles"))
}

thread_local! {
    static MODELS: Vec<Model> = ["onecomp_iv_bolus.yaml", "theophylline_oral_1cmt.yaml"]
        .map(shipped)
        .into();
}

fuzz_target!(|data: &[u8]| {
    init();
    let Some(text) = text(data) else { return };
    MODELS.with(|models| {
        read(text, &models[0], Some(0));
        read(text, &models[0], None);
        read(text, &models[1], None);
    });
});

fn read(text: &str, model: &Model, default_output: Option<usize>) {
    let options = ReadOptions {
        default_output,
        ..ReadOptions::default()
    };
    let dataset = match read_dataset("data.csv", text.as_bytes(), model, &options) {
        Ok(dataset) => dataset,
        Err(diagnostics) => return render(&diagnostics),
    };
    let parameters = model.parameter_values(None).expect("the file's values");
    let mut base = RunPlan::for_model(model, parameters, &model.default_regimen, None)
        .expect("a shipped model's own plan");
    bound(&mut base);
    for subject in dataset.subjects.iter().take(SIMULATED) {
        assert!(
            !subject.id.is_empty() || subject.row > 1,
            "a subject without a row"
        );
        let Ok(mut plan) = plan_subject(&base, subject) else {
            continue;
        };
        if !bound(&mut plan) {
            continue;
        }
        if let Ok(simulation) = simulate_subject(model, &base, subject) {
            check_simulation(model, &simulation);
        }
    }
}
