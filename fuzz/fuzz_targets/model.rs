//! Model file text, loaded, checked and compiled as `cartsim simulate` and `check` do; a model
//! that compiles runs once with its own parameters and doses, within the fuzzing caps.
#![no_main]

use cartsim::simulate::RunPlan;
use cartsim_fuzz::{init, render, simulate_bounded, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    init();
    let Some(text) = text(data) else { return };
    let loaded = match cartsim::spec::load_model("model.yaml", text) {
        Ok(loaded) => loaded,
        Err(diagnostics) => return render(&diagnostics),
    };
    let model = match cartsim::model::compile(&loaded) {
        Ok(model) => model,
        Err(diagnostics) => return render(&diagnostics),
    };
    for (set, _) in model
        .parameter_sets
        .iter()
        .map(|(n, o)| (Some(n.as_str()), o))
    {
        model.parameter_values(set).expect("a set the model lists");
    }
    let Ok(parameters) = model.parameter_values(None) else {
        panic!("the file's own parameter values are always there")
    };
    match RunPlan::for_model(&model, parameters, &model.default_regimen, None) {
        Ok(plan) => {
            simulate_bounded(&model, plan);
        }
        Err(diagnostic) => render(&[diagnostic]),
    }
});
