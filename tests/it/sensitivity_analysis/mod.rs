//! Sensitivity analysis (`cartsim sensitivity`): estimators on functions with known indices,
//! local coefficients against closed forms, and the command end to end with bad input.

mod command;
mod estimators;
mod local;

use crate::model_from;
use cartsim::diag::render_all;
use cartsim::sensitivity::{Method, Overrides, Setup, setup};
use cartsim::spec::{RunSpec, load_yaml};
use cartsim::study::{Study, StudyInputs, check};

/// A study from run-file text and model text (the run file's `model:` is not read).
pub fn study_of(run: &str, model: &str) -> (Study, Setup) {
    let loaded =
        load_yaml::<RunSpec>("run.yaml", run).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    let study = check(StudyInputs {
        run: &loaded,
        model: model_from("model.yaml", model),
        table: None,
    })
    .unwrap_or_else(|d| panic!("{}", render_all(&d)));
    let setup = setup(&loaded, &study, &Overrides::default(), Method::Local)
        .unwrap_or_else(|d| panic!("{}", render_all(&d)));
    (study, setup)
}
