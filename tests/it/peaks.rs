//! Cmax and Tmax located on the solver's solution between output times (`locate_peaks`),
//! against closed forms.

use crate::{Run, assert_close, doses, model_from, run};
use cartsim::model::Model;
use cartsim::simulate::{RunPlan, Simulation, locate_peaks};
use cartsim::trajectory::Peak;

/// The model's own plan with `step` and tolerances, simulated, and the peak of `column`.
fn peak_of(model: &Model, settings: Run, column: &str) -> (Simulation, Peak) {
    let step = settings.step;
    let (rtol, atol) = (settings.rtol, settings.atol);
    let dose_list = settings.doses;
    let simulation = run(model, settings);
    let regimen = match dose_list {
        Some(list) => model.compile_regimen(list, "test", &|_, _| None).unwrap(),
        None => model.default_regimen.clone(),
    };
    let parameters = model.parameter_values(None).unwrap();
    let mut plan = RunPlan::for_model(model, parameters, &regimen, step).unwrap();
    plan.solver.rtol = rtol.unwrap_or(plan.solver.rtol);
    plan.solver.atol = atol.unwrap_or(plan.solver.atol);
    let index = simulation
        .trajectory
        .columns
        .iter()
        .position(|c| c == column)
        .unwrap();
    let peak = locate_peaks(model, &plan, &simulation, &[index]).unwrap()[0].unwrap();
    (simulation, peak)
}

const ORAL: &str = "name: oral\nparameters: {ka: 1.59, cl: 2.75, v: 31.8}\nstates: {depot: 0, central: 0}\nodes:\n  depot: -ka * depot\n  central: ka * depot - cl / v * central\noutputs:\n  conc: central / v\ndoses:\n  - {state: depot, amount: 320, time: 0}\nsimulation: {end: 24, step: 4, rtol: 1e-10, atol: 1e-12}\n";

/// The Bateman function C(t) = D ka / (V (ka - ke)) (exp(-ke t) - exp(-ka t)) peaks at
/// tmax = ln(ka / ke) / (ka - ke) (e.g. Gabrielsson & Weiner, 5th ed.).
#[test]
fn cmax_and_tmax_of_an_oral_dose_are_found_between_four_hour_output_times() {
    let model = model_from("oral.yaml", ORAL);
    let (simulation, peak) = peak_of(&model, Run::default(), "conc");
    let (dose, ka, cl, v): (f64, f64, f64, f64) = (320.0, 1.59, 2.75, 31.8);
    let ke = cl / v;
    let tmax = (ka / ke).ln() / (ka - ke);
    let cmax = dose * ka / (v * (ka - ke)) * ((-ke * tmax).exp() - (-ka * tmax).exp());
    let grid = cartsim::metrics::nca(
        &simulation.trajectory.times,
        &simulation.trajectory.column("conc").unwrap(),
        0.0,
    )
    .unwrap();
    assert_eq!(grid.tmax, 4.0, "the grid alone puts Tmax at 4 h");
    assert!(
        grid.cmax < 0.95 * cmax,
        "and misses Cmax by over 5%: {}",
        grid.cmax
    );
    // Two rounds leave samples step/256 = 0.0156 h apart; the parabola through three of them
    // misplaces the vertex by about spacing^2 |C'''/C''| / 3 ~ 1.4e-4 h here (measured 6.7e-5)
    // and Cmax by C'' times its square (below 1e-8 relative, as is the solver at rtol 1e-10).
    assert_close(peak.cmax, cmax, 1e-7, 0.0, "Cmax");
    assert_close(peak.tmax, tmax, 0.0, 2e-4, "Tmax");
}

const IV: &str = "name: iv\nparameters: {k: 0.3}\nstates: {central: 0}\nodes:\n  central: -k * central\nsimulation: {end: 12, step: 2, rtol: 1e-10, atol: 1e-12}\n";

/// Peaks at a dose or an infusion end are breakpoints of the solution: Tmax is that time
/// exactly and Cmax the closed form there (a bolus shows in the row at its time).
#[test]
fn a_peak_at_a_bolus_or_at_an_infusion_end_between_output_times_is_at_that_time() {
    let model = model_from("iv.yaml", IV);
    let k: f64 = 0.3;
    let bolus =
        doses("[{state: central, amount: 100, time: 0}, {state: central, amount: 200, time: 5}]");
    let settings = Run {
        doses: Some(&bolus),
        ..Run::default()
    };
    let (_, peak) = peak_of(&model, settings, "central");
    assert_eq!(peak.tmax, 5.0);
    assert_close(
        peak.cmax,
        100.0 * (-k * 5.0).exp() + 200.0,
        1e-9,
        0.0,
        "Cmax at the bolus",
    );

    let infusion = doses("[{state: central, amount: 130, time: 0.4, duration: 1.3}]");
    let settings = Run {
        doses: Some(&infusion),
        step: Some(1.0),
        ..Run::default()
    };
    let (_, peak) = peak_of(&model, settings, "central");
    assert_eq!(peak.tmax, 0.4 + 1.3);
    let exact = 100.0 / k * (1.0 - (-k * 1.3).exp());
    assert_close(peak.cmax, exact, 1e-9, 0.0, "Cmax at the infusion end");
}

/// An event that empties the depot makes the peak a kink the schedule does not know: the
/// window is solved from the start (the event must fire again) and the largest sample is kept.
#[test]
fn a_peak_made_by_an_event_is_the_largest_sample_of_a_solve_from_the_start() {
    let text = ORAL.replace(
        "doses:",
        "events:\n  cut: {when: depot < 100, set: {depot: 0}}\ndoses:",
    );
    let model = model_from("oral_cut.yaml", &text);
    let (_, peak) = peak_of(&model, Run::default(), "conc");
    let (dose, ka, cl, v): (f64, f64, f64, f64) = (320.0, 1.59, 2.75, 31.8);
    let ke = cl / v;
    let cut = (dose / 100.0).ln() / ka;
    let conc = |t: f64| dose * ka / (v * (ka - ke)) * ((-ke * t).exp() - (-ka * t).exp());
    // Samples step/256 apart: the largest is within one spacing of the cut, below the kink by
    // at most the rising slope times the spacing.
    let spacing = 4.0 / 256.0;
    assert!(
        (peak.tmax - cut).abs() <= spacing,
        "Tmax {} vs {cut}",
        peak.tmax
    );
    let slope = ka * 100.0 / v;
    assert_close(
        peak.cmax,
        conc(cut),
        0.0,
        slope * spacing,
        "Cmax at the cut",
    );
}

/// The reported case: the shipped Stein file on its daily grid said Cmax 21,477 at day 10; its
/// curve peaks at 24,000 copies/ug at day 9.3 by construction (MODELS.md, validation case 1).
#[test]
fn simulate_reports_the_stein_peak_between_days_nine_and_ten() {
    let root = crate::cli::scratch("stein_peak");
    let model = crate::repo_path("models/stein2019_tisagenlecleucel.yaml");
    let output = crate::cli::cartsim(
        &["simulate", &model.display().to_string(), "--out", "out"],
        &root,
    );
    assert!(output.status.success(), "{output:?}");
    let metrics = std::fs::read_to_string(root.join("out/metrics.csv")).unwrap();
    let row: Vec<f64> = metrics
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .skip(1)
        .take(2)
        .map(|cell| cell.parse().unwrap())
        .collect();
    assert_close(row[0], 24_000.0, 1e-6, 0.0, "Cmax");
    assert_eq!(row[1], 9.3, "Tmax is the switch time");
}
