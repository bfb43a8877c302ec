//! Two-class mixtures (NONMEM's $MIX) in a FOCE-I population fit: a simulated 50/50 mixture
//! of IDs whose typical value differs fourfold, recovered within the 95% intervals, each ID's
//! posterior class probability pointing at the class it was drawn from.

use super::{fit_template, subject};
use crate::model_from;
use cartsim::data::DataSubject;
use cartsim::fit::Gradient;
use cartsim::fit::likelihood::{BlqMethod, ErrorModel};
use cartsim::fit::population::{
    Covariance, Mixture, OmegaStructure, PopulationMethod, PopulationRequest, fit_population,
};
use cartsim::fit::scales_for;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

const TIMES: [f64; 5] = [0.5, 1.0, 2.0, 4.0, 8.0];

/// y = a exp(-0.2 t): a log-normal (omega 0.2) around 10 in the first class and 40 in the
/// second, half the IDs in each; log-additive error SD 0.15. Returns the IDs and each ID's
/// class (true for the first).
fn mixed_subjects(model: &cartsim::model::Model) -> (Vec<DataSubject>, Vec<bool>) {
    let mut rng = ChaCha8Rng::seed_from_u64(20_261_205);
    let standard = Normal::new(0.0, 1.0).unwrap();
    let mut classes = Vec::new();
    let subjects = (1..=60)
        .map(|id| {
            let first = rng.random::<f64>() < 0.5;
            classes.push(first);
            let typical: f64 = if first { 10.0 } else { 40.0 };
            let eta: f64 = 0.2 * standard.sample(&mut rng);
            let observed = TIMES
                .iter()
                .map(|&t| {
                    let log_y = typical.ln() + eta - 0.2 * t + 0.15 * standard.sample(&mut rng);
                    (t, log_y.exp(), false, None)
                })
                .collect();
            subject(model, id, Vec::new(), observed)
        })
        .collect();
    (subjects, classes)
}

/// The test: the fraction and both typical values recovered within their 95%
/// intervals. The classes are four SDs of the random effect apart, so nearly every ID is
/// classified with certainty: the test asks at least 58 of 60 on the right side of 0.5.
#[test]
fn a_fifty_fifty_mixture_is_recovered_with_each_ids_class() {
    let text = "name: mixed\nparameters: {a: 10, k: 0.2}\nstates: {x: 1}\nodes: {x: -k * x}\noutputs: {y: a * x}\nsimulation: {end: 8, step: 1}\n";
    let model = model_from("mixed.yaml", text);
    let (subjects, classes) = mixed_subjects(&model);
    let estimated = vec![model.parameter_index("a").unwrap()];
    let sensitivity = model.sensitivity_model(&estimated).unwrap();
    let mut initial = model.parameter_values(None).unwrap();
    initial[estimated[0]] = 8.0;
    let request = PopulationRequest {
        model: &model,
        scales: scales_for(&model, &estimated),
        estimated: estimated.clone(),
        random: vec![0],
        structure: OmegaStructure::diagonal(1),
        initial_omega: vec![0.3],
        template: fit_template(&model, initial),
        initial_sigma: vec![0.3],
        error: ErrorModel::LogAdditive,
        blq: BlqMethod::M3,
        gradient: Gradient::Sensitivity(&sensitivity),
        max_iterations: 200,
        method: PopulationMethod::Focei,
        covariance: Covariance::Hessian,
        mixture: Some(Mixture {
            parameters: vec![0],
            initial: vec![25.0],
            initial_fraction: 0.4,
        }),
    };
    let fit = fit_population(&request, &subjects).unwrap();
    assert!(fit.converged, "{}", fit.status);
    let first_share = classes.iter().filter(|&&c| c).count() as f64 / 60.0;
    for (name, truth) in [
        ("a", 10.0),
        ("a_class2", 40.0),
        ("mixture_fraction", first_share),
    ] {
        let e = fit.estimates.iter().find(|e| e.name == name).unwrap();
        assert!(
            e.low <= truth && truth <= e.high,
            "{name}: {truth} outside [{}, {}] (estimate {})",
            e.low,
            e.high,
            e.value
        );
    }
    let right = (fit.subjects.iter().zip(&classes))
        .filter(|(s, first)| (s.first_class_probability.unwrap() >= 0.5) == **first)
        .count();
    assert!(right >= 58, "{right} of 60 IDs in their class");
    let second = fit
        .subjects
        .iter()
        .zip(&classes)
        .find(|(_, first)| !**first)
        .unwrap();
    assert!(
        second.0.parameters[0] > 20.0,
        "a class-2 ID's a: {:?}",
        second.0.parameters
    );
}
