//! Times a few ulps apart: doses, infusion ends and output times placed 0 to 16 ulps on either
//! side of each other behave as one time, with every solver, against the closed form of linear
//! elimination (issue 14, item 1: a dose at 23.8 and a record at 23.800000000000004 gave NaN).

use crate::{assert_close, model_from};
use cartsim::model::{DoseEvent, Model};
use cartsim::simulate::{RunPlan, simulate};
use cartsim::solver::SolverOptions;
use cartsim::spec::SolverName;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const MODEL: &str = "
name: elimination
parameters: {k: 0.1}
states: {A: 0}
odes: {A: -k * A}
simulation: {end: 48, step: 1}
";
const K: f64 = 0.1;

const SOLVERS: [SolverName; 6] = [
    SolverName::Auto,
    SolverName::Dopri5,
    SolverName::Dop853,
    SolverName::Rk4,
    SolverName::Bdf,
    SolverName::Sdirk,
];

/// `t` moved by `n` ulps.
fn ulps(t: f64, n: i64) -> f64 {
    if t == 0.0 {
        return f64::from_bits(n.unsigned_abs());
    }
    f64::from_bits((t.to_bits() as i64 + n) as u64)
}

/// Amount in A at `t`: each bolus decays from its time; each infusion delivers its rate over
/// [start, end) and decays after. A dose counts at an output time within a few ulps before it
/// (the same time: the row shows the state after the dose, as at the dose time itself).
fn closed_form(doses: &[DoseEvent], t: f64) -> f64 {
    let same = |a: f64, b: f64| (a - b).abs() <= 1e-9;
    doses
        .iter()
        .map(|dose| match dose.duration {
            None if t >= dose.time || same(t, dose.time) => {
                dose.amount * (-K * (t - dose.time).max(0.0)).exp()
            }
            None => 0.0,
            Some(duration) => {
                let rate = dose.amount / duration;
                let end = dose.time + duration;
                if t <= dose.time {
                    0.0
                } else if t <= end {
                    rate / K * (1.0 - (-K * (t - dose.time)).exp())
                } else {
                    rate / K * (1.0 - (-K * duration).exp()) * (-K * (t - end)).exp()
                }
            }
        })
        .sum()
}

fn plan(model: &Model, doses: Vec<DoseEvent>, times: Vec<f64>, method: SolverName) -> RunPlan {
    RunPlan {
        parameters: model.parameter_values(None).unwrap(),
        schedules: Vec::new(),
        doses,
        start: 0.0,
        end: 48.0,
        step: 1.0,
        times: Some(times),
        before_doses: Vec::new(),
        solver: SolverOptions {
            method,
            rtol: 1e-9,
            atol: 1e-12,
            rk4_step: 0.01,
            max_steps: 100_000,
        },
    }
}

/// One random case: a bolus, an infusion whose start and end sit within 16 ulps of the bolus
/// or of each other's neighbours, and output times within 16 ulps of every one of them.
fn case(rng: &mut ChaCha8Rng) -> (Vec<DoseEvent>, Vec<f64>) {
    let anchors: Vec<f64> = (0..3)
        .map(|_| (rng.random_range(1.0..40.0) * 10.0_f64).round() / 10.0)
        .collect();
    let mut jitter = |t: f64| ulps(t, rng.random_range(-16..=16));
    let bolus = DoseEvent {
        state: 0,
        time: jitter(anchors[0]),
        amount: 10.0,
        duration: None,
    };
    let start = jitter(anchors[0]);
    let end = jitter(anchors[1].max(anchors[0] + 0.1));
    let infusion = DoseEvent {
        state: 0,
        time: start,
        amount: 4.0,
        duration: Some(end - start),
    };
    let second = DoseEvent {
        state: 0,
        time: jitter(end),
        amount: 3.0,
        duration: None,
    };
    let mut times: Vec<f64> = [anchors[0], anchors[1], anchors[2], end, 0.0, 48.0]
        .iter()
        .flat_map(|&t| (0..4).map(move |k| (t, k)))
        .map(|(t, _)| jitter(t).clamp(0.0, 48.0))
        .chain([1e-300, 24.0])
        .collect();
    times.sort_by(f64::total_cmp);
    (vec![bolus, infusion, second], times)
}

#[test]
fn doses_infusion_ends_and_output_times_ulps_apart_act_as_one_time_with_every_solver() {
    // rtol 1e-9 / atol 1e-12 per step over at most a few hundred steps: global errors stay
    // below 1e-6 relative for every method on this linear model (RK4 at step 0.01: (k h)^4
    // ~ 1e-12). 1e-5 leaves headroom; a dose missed or counted twice is an error of order 1.
    let model = model_from("elimination.yaml", MODEL);
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    for trial in 0..40 {
        let (doses, times) = case(&mut rng);
        for method in SOLVERS {
            let simulation = simulate(&model, &plan(&model, doses.clone(), times.clone(), method))
                .unwrap_or_else(|e| {
                    panic!("trial {trial}, {method:?}: {e:?}\ndoses {doses:?}\ntimes {times:?}")
                });
            let trajectory = &simulation.trajectory;
            let amounts = trajectory.column("A").unwrap();
            for (&t, &amount) in trajectory.times.iter().zip(&amounts) {
                assert!(
                    amount.is_finite(),
                    "trial {trial}, {method:?}: A({t}) = {amount}"
                );
                assert_close(
                    amount,
                    closed_form(&doses, t),
                    1e-5,
                    1e-8,
                    &format!("trial {trial}, {method:?}, A({t:?})"),
                );
            }
            for t in &times {
                assert!(
                    trajectory
                        .times
                        .binary_search_by(|x| x.total_cmp(t))
                        .is_ok(),
                    "trial {trial}, {method:?}: no row at the requested time {t:?}"
                );
            }
        }
    }
}

#[test]
fn a_record_one_ulp_after_a_dose_is_the_state_after_the_dose() {
    // The reported case: a dose at 23.8 and a record at 23.800000000000004.
    let model = model_from("elimination.yaml", MODEL);
    let doses = vec![
        DoseEvent {
            state: 0,
            time: 0.0,
            amount: 25.0,
            duration: None,
        },
        DoseEvent {
            state: 0,
            time: 23.8,
            amount: 3.5,
            duration: None,
        },
    ];
    let times = vec![23.8, ulps(23.8, 1), 30.0];
    for method in SOLVERS {
        let simulation = simulate(&model, &plan(&model, doses.clone(), times.clone(), method))
            .unwrap_or_else(|e| panic!("{method:?}: {e:?}"));
        let amounts = simulation.trajectory.column("A").unwrap();
        let expected = 25.0 * (-K * 23.8).exp() + 3.5;
        assert_close(
            amounts[2],
            expected,
            1e-6,
            0.0,
            &format!("{method:?} at 23.8+1ulp"),
        );
        assert_eq!(
            amounts[1], amounts[2],
            "{method:?}: the two times are one time"
        );
    }
}

#[test]
fn a_dataset_record_one_ulp_after_a_dose_simulates_and_fits_with_every_solver() {
    // The phenobarbital report: a dose at 23.8 and a record at 23.800000000000004 (NaN before).
    let directory = crate::cli::scratch("near-times-data");
    let data = directory.join("d.csv");
    std::fs::write(
        &data,
        "ID,TIME,AMT,DV,EVID,CMT,MDV\n1,0,25,.,1,A,1\n1,2,.,1.9,0,A,0\n1,23.8,3.5,.,1,A,1\n\
         1,23.800000000000004,.,0.75,0,A,0\n1,30,.,0.42,0,A,0\n",
    )
    .unwrap();
    let model = crate::repo_path("models/onecomp_iv_bolus.yaml");
    let model = model.display().to_string();
    let data = data.display().to_string();
    for solver in ["auto", "dopri5", "dop853", "rk4", "bdf", "sdirk"] {
        let out = directory
            .join(format!("sim-{solver}"))
            .display()
            .to_string();
        let run = [
            "simulate", &model, "--data", &data, "--solver", solver, "--out", &out,
        ];
        let output = crate::cli::cartsim(&run, &directory);
        assert!(
            output.status.success(),
            "{solver}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let out = directory.join("fit").display().to_string();
    let fit = [
        "fit",
        &model,
        "--data",
        &data,
        "--estimate",
        "CL,V",
        "--output",
        "conc",
        "--out",
        &out,
    ];
    let output = crate::cli::cartsim(&fit, &directory);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
