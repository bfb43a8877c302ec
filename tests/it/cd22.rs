//! The CD22 antigen-escape model tells the story it was built for (Fry et al., Nat Med 2018;
//! shared/MODELS.md section 8): no durable remission at 0.3e6 cells/kg, remission at 1e6 and
//! 3e6 cells/kg, and relapse months later driven by CD22-low blasts. Thresholds: remission is
//! blasts below 1e7 cells (the model's `remission` event), relapse above 1e9 (`relapse`).

use crate::{Run, run, shipped};

fn story(dose_per_kg: f64) -> (cartsim::simulate::Simulation, Option<f64>, Option<f64>) {
    let model = shipped("cd22_antigen_escape.yaml");
    let simulation = run(
        &model,
        Run {
            set: &[("dose_per_kg", dose_per_kg)],
            ..Run::default()
        },
    );
    let time_of = |name: &str| {
        simulation
            .events
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| *t)
    };
    let (remission, relapse) = (time_of("remission"), time_of("relapse"));
    (simulation, remission, relapse)
}

#[test]
fn no_durable_remission_at_0_3_million_per_kg() {
    let (simulation, remission, _) = story(3e5);
    assert_eq!(remission, None, "blasts must never fall below 1e7");
    let blasts = simulation.trajectory.column("blasts").unwrap();
    assert!(blasts[28] > 1e10, "blasts at day 28: {:e}", blasts[28]);
}

#[test]
fn remission_then_cd22_low_relapse_at_1_and_3_million_per_kg() {
    for dose in [1e6, 3e6] {
        let (simulation, remission, relapse) = story(dose);
        let remission = remission.expect("remission");
        assert!(
            remission <= 28.0,
            "dose {dose:e}: remission at day {remission}"
        );
        let relapse = relapse.expect("relapse");
        // Fry 2018: median remission duration about 6 months.
        assert!(
            (90.0..=365.0).contains(&relapse),
            "dose {dose:e}: relapse at day {relapse}"
        );
        let trajectory = &simulation.trajectory;
        let row = trajectory.times.iter().position(|t| *t >= relapse).unwrap();
        let low = trajectory.column("cd22_low_blasts").unwrap()[row];
        let all = trajectory.column("blasts").unwrap()[row];
        assert!(
            low / all > 0.9,
            "dose {dose:e}: CD22-low fraction at relapse {}",
            low / all
        );
    }
}
