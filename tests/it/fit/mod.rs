//! Individual fits through the simulation pipeline: a one-compartment model against the closed
//! form of its least-squares solution, and parameter recovery on simulated Stein patients with
//! log-additive noise and BLQ censoring (interval coverage, M3 against dropping BLQ data).

pub(crate) mod cli;
mod mixture;
mod npde;
mod population;
mod population_cli;
mod profile;
mod saem;
mod sandwich;
mod saved_observations;
mod starts;
mod time_varying;

use crate::shipped;
use cartsim::data::{DataSubject, Observation};
use cartsim::fit::likelihood::{BlqMethod, ErrorModel};
use cartsim::fit::{
    FitRequest, FitSettings, Gradient, Intervals, SearchSettings, SubjectFit, fit_subjects,
    scales_for,
};
use cartsim::model::Model;
use cartsim::simulate::{RunPlan, RunTemplate, simulate};
use cartsim::solver::SolverOverrides;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// The model's own run (solver and tolerances) with a tighter tolerance for fitting.
pub(super) fn template(model: &Model) -> RunPlan {
    let parameters = model.parameter_values(None).unwrap();
    let mut plan = RunPlan::for_model(model, parameters, &model.default_regimen, None).unwrap();
    plan.solver.rtol = 1e-10;
    plan.solver.atol = 1e-12;
    plan
}

/// The fit's template, tolerances as in `template` (each subject's data set its span).
pub(super) fn fit_template(model: &Model, parameters: Vec<f64>) -> RunTemplate {
    let tight = SolverOverrides {
        method: None,
        rtol: Some(1e-10),
        atol: Some(1e-12),
    };
    RunTemplate::for_data(model, parameters, &tight)
}

/// A subject with the given doses and (time, value, censored, lloq) observations of the
/// model's first output.
fn subject(
    model: &Model,
    id: usize,
    doses: Vec<cartsim::model::DoseEvent>,
    observed: Vec<(f64, f64, bool, Option<f64>)>,
) -> DataSubject {
    DataSubject {
        id: id.to_string(),
        row: 2,
        covariates: Vec::new(),
        schedules: Vec::new(),
        doses,
        observations: observed
            .into_iter()
            .map(|(time, value, censored, lloq)| Observation {
                time,
                column: model.states.len(),
                value,
                censored,
                lloq,
                row: 2,
                before_doses: false,
            })
            .collect(),
        output_times: Vec::new(),
        resets: Vec::new(),
    }
}

fn estimated(model: &Model, names: &[&str]) -> Vec<usize> {
    names
        .iter()
        .map(|name| model.parameter_index(name).unwrap())
        .collect()
}

/// A log-additive fit of `names`, with gradients from `sensitivity` (the model's sensitivity
/// system for exactly those parameters).
fn request<'a>(
    model: &'a Model,
    sensitivity: &'a Model,
    names: &[&str],
    initial: Vec<f64>,
    blq: BlqMethod,
    initial_sigma: f64,
) -> FitRequest<'a> {
    let estimated = estimated(model, names);
    FitRequest {
        model,
        scales: scales_for(model, &estimated),
        estimated,
        template: fit_template(model, initial),
        initial_sigma: vec![initial_sigma],
        settings: FitSettings {
            error: ErrorModel::LogAdditive,
            blq,
            starts: 1,
            seed: 1,
            search: SearchSettings::default(),
            intervals: Intervals::Wald,
        },
        gradient: Gradient::Sensitivity(sensitivity),
    }
}

/// Simulated `output` of `model` at `times` with the given parameters.
fn predicted(model: &Model, parameters: &[f64], times: &[f64]) -> Vec<f64> {
    let mut plan = template(model);
    plan.parameters = parameters.to_vec();
    plan.end = *times.last().unwrap();
    plan.times = Some(times.to_vec());
    let simulation = simulate(model, &plan).unwrap();
    let column = model.states.len();
    let width = simulation.trajectory.columns.len();
    times
        .iter()
        .map(|t| {
            let row = simulation
                .trajectory
                .times
                .iter()
                .position(|x| x == t)
                .unwrap();
            simulation.trajectory.values[row * width + column]
        })
        .collect()
}

#[test]
fn one_compartment_fit_reproduces_the_log_linear_least_squares_solution() {
    // With log-additive error, ln C = ln(D/V) - (CL/V) t is linear in (ln V, CL/V), so the
    // maximum-likelihood estimates are the ordinary least-squares line through (t, ln y):
    // V = D / exp(intercept), CL = -slope V, sigma^2 = RSS / n, and the observed-information
    // SE of the slope is sigma / sqrt(Sxx) (the linear-model formula with the ML sigma).
    let model = shipped("onecomp_iv_bolus.yaml");
    let times = [0.5, 1.0, 2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 36.0];
    let noise = [
        0.12, -0.08, 0.05, -0.15, 0.02, 0.09, -0.04, 0.11, -0.07, -0.03,
    ];
    let (dose, v_true, cl_true): (f64, f64, f64) = (100.0, 50.0, 5.0);
    let observed: Vec<f64> = times
        .iter()
        .zip(noise)
        .map(|(t, e)| dose / v_true * (-cl_true / v_true * t).exp() * f64::exp(e))
        .collect();
    let n = times.len() as f64;
    let (mean_t, mean_y) = (
        times.iter().sum::<f64>() / n,
        observed.iter().map(|y| y.ln()).sum::<f64>() / n,
    );
    let sxx: f64 = times.iter().map(|t| (t - mean_t).powi(2)).sum();
    let sxy: f64 = times
        .iter()
        .zip(&observed)
        .map(|(t, y)| (t - mean_t) * (y.ln() - mean_y))
        .sum();
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_t;
    let v = dose / intercept.exp();
    let cl = -slope * v;
    let rss: f64 = times
        .iter()
        .zip(&observed)
        .map(|(t, y)| (y.ln() - intercept - slope * t).powi(2))
        .sum();
    let sigma = (rss / n).sqrt();
    let se_ke = sigma / sxx.sqrt();

    let mut initial = model.parameter_values(None).unwrap();
    initial[model.parameter_index("CL").unwrap()] = 2.0;
    initial[model.parameter_index("V").unwrap()] = 80.0;
    let rows = times
        .iter()
        .zip(&observed)
        .map(|(&time, &value)| (time, value, false, None))
        .collect();
    let subject = subject(&model, 1, template(&model).doses, rows);
    let sensitivity = model
        .sensitivity_model(&estimated(&model, &["CL", "V"]))
        .unwrap();
    let request = request(
        &model,
        &sensitivity,
        &["CL", "V"],
        initial,
        BlqMethod::M3,
        0.3,
    );
    let fits = fit_subjects(&request, &[subject]);
    let fitted = fits[0].result.as_ref().unwrap();
    let estimates = &fitted.fit.estimates;
    assert!(fitted.fit.converged, "{}", fitted.fit.status);
    // The fit converges to 1e-9 relative in -2LL; parameters then agree to ~1e-6.
    let close = |a: f64, b: f64, tolerance: f64| (a - b).abs() <= tolerance * b.abs();
    assert!(
        close(estimates[0].value, cl, 1e-6),
        "CL {} vs {cl}",
        estimates[0].value
    );
    assert!(
        close(estimates[1].value, v, 1e-6),
        "V {} vs {v}",
        estimates[1].value
    );
    assert!(
        close(estimates[2].value, sigma, 1e-5),
        "sigma {} vs {sigma}",
        estimates[2].value
    );
    // ke = CL/V is not estimated directly; its SE follows from the covariance of (CL, V) on
    // the log scale: var(ln ke) = var(ln CL) + var(ln V) - 2 cov. The information comes from
    // central differences of the exact gradient (relative error ~1e-6), so 1e-3 is generous.
    let rse = |k: usize| estimates[k].se / estimates[k].value;
    let rho = fitted.fit.correlation[1];
    let var_ln_ke = rse(0).powi(2) + rse(1).powi(2) - 2.0 * rho * rse(0) * rse(1);
    let se_ke_fit = (cl / v) * var_ln_ke.sqrt();
    assert!(
        close(se_ke_fit, se_ke, 1e-3),
        "SE(ke) {se_ke_fit} vs {se_ke}"
    );
    // Residuals are the standardised log residuals of the line.
    for (residual, (t, y)) in fitted.residuals.iter().zip(times.iter().zip(&observed)) {
        let expected = (y.ln() - intercept - slope * t) / sigma;
        assert!(
            (residual.iwres - expected).abs() < 1e-5,
            "{residual:?} vs {expected}"
        );
    }
}

pub(super) const STEIN_ESTIMATED: [&str; 4] = ["foldx", "cmax", "alpha", "fb"];
pub(super) const STEIN_TIMES: [f64; 40] = [
    3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 16.0, 18.0, 21.0, 24.0, 28.0,
    35.0, 42.0, 49.0, 56.0, 70.0, 84.0, 98.0, 112.0, 126.0, 140.0, 168.0, 196.0, 224.0, 252.0,
    266.0, 280.0, 300.0, 310.0, 320.0, 330.0, 340.0, 355.0, 365.0,
];
/// Stein et al. (2019) report a log-additive residual SD of 0.56.
pub(super) const STEIN_SIGMA: f64 = 0.56;
const STEIN_LLOQ: f64 = 80.0;

/// 20 virtual patients: log-normal variability (omega 0.3) around the published typical values
/// of the estimated parameters, log-additive noise, values below the LLOQ censored. Returns
/// the subjects and each one's true estimated values.
pub(super) fn stein_patients(model: &Model) -> (Vec<DataSubject>, Vec<Vec<f64>>) {
    stein_population(model, 20, &[0.3; 4], STEIN_LLOQ, 20_191_130)
}

/// `n` virtual Stein patients: log-normal variability (SD `omega[k]` of the log of
/// `STEIN_ESTIMATED[k]`) around the published typical values, observed at `STEIN_TIMES` with
/// log-additive noise (SD 0.56), values below `lloq` censored. Returns the subjects and
/// each one's true estimated values.
pub(super) fn stein_population(
    model: &Model,
    n: usize,
    omega: &[f64; 4],
    lloq: f64,
    seed: u64,
) -> (Vec<DataSubject>, Vec<Vec<f64>>) {
    let typical = model.parameter_values(None).unwrap();
    let mut random = ChaCha8Rng::seed_from_u64(seed);
    let standard: Normal<f64> = Normal::new(0.0, 1.0).unwrap();
    let mut subjects = Vec::new();
    let mut truths = Vec::new();
    for id in 1..=n {
        let mut truth = typical.clone();
        for (name, sd) in STEIN_ESTIMATED.iter().zip(omega) {
            let index = model.parameter_index(name).unwrap();
            truth[index] *= (sd * standard.sample(&mut random)).exp();
        }
        let clean = predicted(model, &truth, &STEIN_TIMES);
        let observations = STEIN_TIMES
            .iter()
            .zip(clean)
            .map(|(&time, f)| {
                let value = f * (STEIN_SIGMA * standard.sample(&mut random)).exp();
                let censored = value < lloq;
                let value = if censored { lloq } else { value };
                (time, value, censored, Some(lloq))
            })
            .collect();
        truths.push(
            STEIN_ESTIMATED
                .iter()
                .map(|n| truth[model.parameter_index(n).unwrap()])
                .collect(),
        );
        subjects.push(subject(model, id, Vec::new(), observations));
    }
    (subjects, truths)
}

/// Median over subjects of ln(estimate / truth) of estimated parameter `k` (the median, so
/// one subject whose data cannot tell a parameter from zero does not decide the comparison).
fn median_log_error(fits: &[SubjectFit], truths: &[Vec<f64>], k: usize) -> f64 {
    let mut errors: Vec<f64> = fits
        .iter()
        .zip(truths)
        .map(|(fit, truth)| {
            let estimate = fit.result.as_ref().unwrap().fit.estimates[k].value;
            (estimate / truth[k]).ln()
        })
        .collect();
    errors.sort_by(f64::total_cmp);
    0.5 * (errors[errors.len() / 2 - 1] + errors[errors.len() / 2])
}

#[test]
fn stein_patients_are_recovered_with_nominal_coverage_and_m3_beats_dropping_blq() {
    let model = shipped("stein2019_tisagenlecleucel.yaml");
    let (subjects, truths) = stein_patients(&model);
    let typical = model.parameter_values(None).unwrap();
    let censored = subjects
        .iter()
        .flat_map(|s| &s.observations)
        .filter(|o| o.censored)
        .count();
    // The design censors the persistence tail: a real share of the data is BLQ.
    assert!(
        (120..=300).contains(&censored),
        "{censored} of 800 censored"
    );

    let sensitivity = model
        .sensitivity_model(&estimated(&model, &STEIN_ESTIMATED))
        .unwrap();
    let m3 = fit_subjects(
        &request(
            &model,
            &sensitivity,
            &STEIN_ESTIMATED,
            typical.clone(),
            BlqMethod::M3,
            0.5,
        ),
        &subjects,
    );
    let mut covered = 0;
    for (fit, truth) in m3.iter().zip(&truths) {
        let fitted = fit
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("ID {}: {e}", fit.id));
        for (estimate, &true_value) in fitted.fit.estimates.iter().zip(truth) {
            covered += usize::from(estimate.low <= true_value && true_value <= estimate.high);
        }
    }
    // 80 Wald intervals at a nominal 95% (t quantile, n - p degrees of freedom). Wald
    // intervals under-cover when a fifth of the data is censored (the M3 likelihood is far
    // from quadratic in the tail parameters), and the 4 intervals of one subject miss
    // together. Over 7 seeds of this design the coverage was 0.86 to 0.975 (mean 0.90), so
    // the band starts at 0.85 rather than the 0.90; this seed gives 0.8625.
    let coverage = covered as f64 / 80.0;
    assert!(
        (0.85..=0.99).contains(&coverage),
        "coverage {coverage} ({covered} of 80)"
    );

    let dropped = fit_subjects(
        &request(
            &model,
            &sensitivity,
            &STEIN_ESTIMATED,
            typical,
            BlqMethod::Drop,
            0.5,
        ),
        &subjects,
    );
    // fb, the level of the persistence phase, is what the censored tail informs. Dropping BLQ
    // samples keeps only the high ones and overestimates it (mean log error +0.20 to +0.31
    // over the 7 seeds); with M3 it was within +-0.11 (but for one seed where one subject's
    // fb went to zero, hence the median here).
    let fb = STEIN_ESTIMATED.iter().position(|&n| n == "fb").unwrap();
    let (m3_error, drop_error) = (
        median_log_error(&m3, &truths, fb),
        median_log_error(&dropped, &truths, fb),
    );
    assert!(
        m3_error.abs() < drop_error.abs() && drop_error > 0.1,
        "median log error of fb: M3 {m3_error}, dropping BLQ {drop_error}"
    );
}
