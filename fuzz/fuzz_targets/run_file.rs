//! Run-file text loaded and checked as `cartsim run` and `cartsim sensitivity` do, against the
//! shipped model its `model:` names (by file name; cart3 otherwise). Bytes after a NUL, if
//! any, are the population's subject table. A study that checks runs its typical subjects and
//! one virtual patient, within the fuzzing caps.
#![no_main]

use cartsim::library::SHIPPED;
use cartsim::spec::{Loaded, RunSpec, load_yaml};
use cartsim::study::{StudyInputs, check, execute};
use cartsim_fuzz::{MAX_ROWS, bound, init, render, text};
use libfuzzer_sys::fuzz_target;

/// Most arms (scenarios x grid points) a study may have to be run.
const MAX_ARMS: usize = 4;

fuzz_target!(|data: &[u8]| {
    init();
    let Some(text) = text(data) else { return };
    let (run_text, table_text) = text.split_once('\0').unwrap_or((text, ""));
    let loaded: Loaded<RunSpec> = match load_yaml("run.yaml", run_text) {
        Ok(loaded) => loaded,
        Err(diagnostics) => return render(&diagnostics),
    };
    let named = loaded.spec.model.rsplit(['/', '\\']).next().unwrap_or("");
    let (file, model_text) = SHIPPED
        .iter()
        .find(|(file, _)| *file == named)
        .or_else(|| SHIPPED.iter().find(|(file, _)| *file == "cart3.yaml"))
        .expect("cart3 is shipped");
    let model_spec = cartsim::spec::load_model(file, model_text).expect("shipped models load");
    let model = cartsim::model::compile(&model_spec).unwrap_or_else(|_| panic!("{file} compiles"));
    let table = loaded
        .spec
        .population
        .as_ref()
        .and_then(|p| p.table.as_ref())
        .map(|_| ("subjects.csv".to_string(), table_text.to_string()));
    let mut study = match check(StudyInputs {
        run: &loaded,
        model,
        table,
    }) {
        Ok(study) => study,
        Err(diagnostics) => return render(&diagnostics),
    };
    if study.arms.len() > MAX_ARMS
        || study.output_times().len() > MAX_ROWS
        || !bound(&mut study.plan)
        || study.arms.iter().any(|arm| {
            arm.regimen
                .events(&arm.parameters)
                .is_ok_and(|d| d.len() > cartsim_fuzz::MAX_DOSES)
        })
    {
        return;
    }
    let subjects = study.population.n.min(1);
    match execute(&study, 0..subjects, None, &mut |_| {}) {
        Ok(result) => assert_eq!(
            result.typical.len(),
            study.arms.len(),
            "one typical per arm"
        ),
        Err(diagnostic) => render(&[diagnostic]),
    }
});
