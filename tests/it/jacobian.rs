//! The symbolic Jacobian of every shipped model against central finite differences, at states
//! taken along each model's own trajectory.

use crate::{Run, run, shipped};
use cartsim::library::SHIPPED;

#[test]
fn symbolic_jacobian_matches_finite_differences_on_every_shipped_model() {
    for (file, _) in SHIPPED {
        let model = shipped(file);
        let simulation = run(&model, Run::default());
        let trajectory = &simulation.trajectory;
        let parameters = model.parameter_values(None).unwrap();
        let n = model.states.len();
        let mut registers = vec![0.0; model.register_count()];
        model.setup(&mut registers, &parameters);
        for row in [1, trajectory.times.len() / 3, trajectory.times.len() - 1] {
            let t = trajectory.times[row];
            let states = &trajectory.row(row)[..n];
            model.set_switches(&mut registers, t);
            let (mut symbolic, mut numeric) = (vec![0.0; n * n], vec![0.0; n * n]);
            model.jacobian(&mut registers, t, states, &parameters, &mut symbolic);
            model.jacobian_finite_difference(&mut registers, t, states, &parameters, &mut numeric);
            // Central differences with h = eps^(1/3) * max(|y_j|, 1e-6 max|y|) are accurate to ~1e-8
            // of the row's scale for these smooth right-hand sides; 1e-5 catches any wrong rule.
            let scale = symbolic.iter().map(|v| v.abs()).fold(1e-12, f64::max);
            for (index, (s, d)) in symbolic.iter().zip(&numeric).enumerate() {
                assert!(
                    (s - d).abs() <= 1e-5 * scale,
                    "{file} at t = {t}: J[{}][{}] symbolic {s} vs finite difference {d}",
                    index / n,
                    index % n
                );
            }
        }
    }
}
