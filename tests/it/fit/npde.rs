//! NPDE against replicates simulated at the true population parameters (no fit, so fast): data
//! drawn from the model itself give NPDE that look standard normal, data scaled by 2 do not,
//! and too few replicates leave every subject undecorrelated without a panic.

use crate::{repo_path, shipped};
use cartsim::data::{DataSubject, ReadOptions, read_dataset};
use cartsim::fit::Gradient;
use cartsim::fit::likelihood::{BlqMethod, ErrorModel};
use cartsim::fit::population::{
    Covariance, FittedPopulation, Npde, OmegaStructure, PopulationMethod, PopulationRequest, npde,
    simulate_replicates,
};
use cartsim::fit::scales_for;
use cartsim::model::Model;
use nalgebra::DMatrix;

/// The theophylline design (12 IDs, 11 samples each) repeated `copies` times under new IDs.
fn theophylline_design(model: &Model, copies: usize) -> Vec<DataSubject> {
    let text = std::fs::read_to_string(repo_path("tests/data/theoph/theoph.csv")).unwrap();
    let options = ReadOptions {
        default_output: model.outputs.iter().position(|o| o.name == "conc"),
        ..ReadOptions::default()
    };
    let dataset = read_dataset("theoph.csv", text.as_bytes(), model, &options).unwrap();
    (0..copies)
        .flat_map(|copy| {
            dataset.subjects.iter().map(move |s| DataSubject {
                id: format!("{copy}-{}", s.id),
                ..s.clone()
            })
        })
        .collect()
}

/// The published FOCE-I estimates of tests/it/fit/population.rs taken as the truth: ka 1.59,
/// CL 2.75, V 31.8 with omega^2 0.402, 0.0691, 0.0192 and an additive SD of 0.694.
fn truth(model: &Model) -> (PopulationRequest<'_>, Vec<f64>, DMatrix<f64>, Vec<f64>) {
    let estimated: Vec<usize> = ["ka", "cl", "v"]
        .iter()
        .map(|n| model.parameter_index(n).unwrap())
        .collect();
    let request = PopulationRequest {
        model,
        scales: scales_for(model, &estimated),
        estimated,
        random: vec![0, 1, 2],
        structure: OmegaStructure::diagonal(3),
        initial_omega: vec![0.5; 3],
        template: super::fit_template(model, model.parameter_values(None).unwrap()),
        initial_sigma: vec![1.0],
        error: ErrorModel::Additive,
        blq: BlqMethod::M3,
        gradient: Gradient::FiniteDifference,
        max_iterations: 1,
        method: PopulationMethod::Focei,
        covariance: Covariance::Hessian,
        mixture: None,
    };
    let typical = vec![1.59038f64.ln(), 2.75098f64.ln(), 31.8125f64.ln()];
    let omega = DMatrix::from_diagonal(&nalgebra::DVector::from_vec(vec![
        0.402446, 0.0690912, 0.0191687,
    ]));
    (request, typical, omega, vec![0.694446])
}

/// NPDE of a dataset drawn from the truth (seed 11), its values scaled by `scale` and those
/// below `lloq` censored, against `replicates` replicates of the truth (seed 12).
fn npde_of_truth(copies: usize, scale: f64, replicates: usize, lloq: Option<f64>) -> Npde {
    npde_and_censored(copies, scale, replicates, lloq).0
}

/// As `npde_of_truth`, with the number of censored observations.
fn npde_and_censored(
    copies: usize,
    scale: f64,
    replicates: usize,
    lloq: Option<f64>,
) -> (Npde, usize) {
    let model = shipped("theophylline_oral_1cmt.yaml");
    let mut subjects = theophylline_design(&model, copies);
    let (request, typical, omega, sigma) = truth(&model);
    let fitted = FittedPopulation {
        typical: &typical,
        omega: &omega,
        sigma: &sigma,
        second: None,
    };
    let observed = simulate_replicates(&request, &subjects, &fitted, 1, 11).unwrap();
    let mut values = observed[0].iter();
    for o in subjects.iter_mut().flat_map(|s| &mut s.observations) {
        o.value = scale * values.next().unwrap();
        if let Some(lloq) = lloq.filter(|&l| o.value < l) {
            (o.value, o.censored, o.lloq) = (lloq, true, Some(lloq));
        }
    }
    let simulated = simulate_replicates(&request, &subjects, &fitted, replicates, 12).unwrap();
    let censored = (subjects.iter().flat_map(|s| &s.observations))
        .filter(|o| o.censored)
        .count();
    let result = npde(&subjects, &simulated, ErrorModel::Additive, 13).unwrap();
    (result, censored)
}

/// sup |F_n - Phi| of the values, Phi from libm's erfc (independent of the library's KS).
fn ks_distance(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let mut distance = 0.0f64;
    for (i, x) in sorted.iter().enumerate() {
        let phi = 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2);
        distance = distance
            .max((i + 1) as f64 / n - phi)
            .max(phi - i as f64 / n);
    }
    distance
}

#[test]
fn npde_of_data_from_the_model_are_standard_normal() {
    let result = npde_of_truth(4, 1.0, 500, None);
    assert!(
        result.undecorrelated.is_empty(),
        "{:?}",
        result.undecorrelated
    );
    assert_eq!(result.values.len(), 4 * 132);
    let (mean, variance, distance) = assert_standard_normal(&result.values);
    // The library's summary agrees with the independent computation.
    let summary = result.summary;
    assert_eq!(summary.n, 528);
    assert!((summary.mean - mean).abs() < 1e-12 && (summary.variance - variance).abs() < 1e-12);
    assert!((summary.ks_statistic - distance).abs() < 1e-12);
    assert!(summary.ks_p_value > 0.01, "{summary:?}");
}

/// With an LLOQ of 2 mg/L (the npde package's own censoring test on these data; 27 of the 132
/// real samples are below it) 97 of the 528 simulated samples are BLQ; imputed as the npde
/// package does, the NPDE stay standard normal (leaving them out would keep only the high
/// values and push the mean up).
#[test]
fn npde_with_imputed_blq_data_from_the_model_are_standard_normal() {
    let (result, censored) = npde_and_censored(4, 1.0, 500, Some(2.0));
    assert!(censored > 528 / 10, "{censored} of 528 censored");
    assert_eq!(result.values.len(), 528);
    assert_standard_normal(&result.values);
}

#[test]
fn npde_of_data_scaled_by_two_are_far_from_zero() {
    let result = npde_of_truth(1, 2.0, 200, None);
    let n = result.summary.n as f64;
    // Doubled concentrations lie above most replicates: the mean NPDE is many standard errors
    // (1/sqrt(132) = 0.087) above 0. 0.5 is 5.7 SE; the test fails if NPDE cannot see it.
    assert_eq!(result.summary.n, 132);
    assert!(result.summary.mean > 0.5, "{:?}", result.summary);
    assert!(result.summary.mean > 5.0 / n.sqrt());
    assert!(result.summary.global_p_value < 1e-6, "{:?}", result.summary);
}

#[test]
fn too_few_replicates_leave_every_subject_undecorrelated() {
    // 11 samples per ID need at least 12 replicates.
    let result = npde_of_truth(1, 1.0, 11, None);
    assert_eq!(result.undecorrelated.len(), 12);
    assert!(result.values.iter().all(|v| v.is_nan()));
    assert_eq!(result.summary.n, 0);
}

/// Asserts that `values` look standard normal, and returns their mean, variance and KS
/// distance. Under the model the NPDE are N(0, 1): the mean has SE 1/sqrt(n) (0.0435 for
/// n = 528) and the sample variance SD sqrt(2/(n-1)) (0.0616); bounds at 3 of them, a false
/// alarm about 1 time in 370 each (for a fixed seed none). Kolmogorov-Smirnov at 1%: the
/// asymptotic critical value 1.628 / sqrt(n) = 0.0708 (Stephens' factor makes it 0.0706).
fn assert_standard_normal(values: &[f64]) -> (f64, f64, f64) {
    assert!(values.iter().all(|v| v.is_finite()));
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    assert!(mean.abs() < 3.0 / n.sqrt(), "mean {mean}");
    assert!(
        (variance - 1.0).abs() < 3.0 * (2.0 / (n - 1.0)).sqrt(),
        "variance {variance}"
    );
    let distance = ks_distance(values);
    assert!(distance < 1.628 / n.sqrt(), "KS distance {distance}");
    (mean, variance, distance)
}
