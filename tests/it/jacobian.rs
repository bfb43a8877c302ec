//! The symbolic Jacobian of every shipped model against finite differences, at states taken
//! along each model's own trajectory.
//!
//! States of one model differ by many orders of magnitude (1e12 tumor cells beside 1e-6 CAR T
//! cells, concentrations beside counts), so entry-by-entry differences with one step size are
//! ill-conditioned. The check instead takes directional derivatives along v = y * r (each state
//! scaled by itself, r random signs), where a central difference with relative step
//! eps^(1/3) is accurate to ~1e-10 of the terms involved: J v must match it to 1e-6 of
//! sum_j |J_ij v_j| + |f_i| in every component. A wrong derivative rule shifts a component by a
//! whole term |J_ij y_j|, far beyond that. (1e-300 absolute ignores subnormal states.)

use crate::{Run, run, shipped};
use cartsim::library::SHIPPED;

#[test]
fn symbolic_jacobian_matches_directional_finite_differences_on_every_shipped_model() {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut sign = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        if seed & 1 == 0 { 1.0 } else { -1.0 }
    };
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
            let mut jacobian = vec![0.0; n * n];
            model.jacobian(&mut registers, t, states, &parameters, &mut jacobian);
            let (mut rates, mut up, mut down) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
            model.rhs(&mut registers, t, states, &parameters, &mut rates);
            let epsilon = f64::EPSILON.cbrt();
            for _ in 0..8 {
                let direction: Vec<f64> = states.iter().map(|y| y * sign()).collect();
                let shifted = |scale: f64| -> Vec<f64> {
                    states
                        .iter()
                        .zip(&direction)
                        .map(|(y, v)| y + scale * v)
                        .collect()
                };
                model.rhs(&mut registers, t, &shifted(epsilon), &parameters, &mut up);
                model.rhs(
                    &mut registers,
                    t,
                    &shifted(-epsilon),
                    &parameters,
                    &mut down,
                );
                for i in 0..n {
                    let row_terms = &jacobian[i * n..(i + 1) * n];
                    let symbolic: f64 = row_terms.iter().zip(&direction).map(|(j, v)| j * v).sum();
                    let numeric = (up[i] - down[i]) / (2.0 * epsilon);
                    let size: f64 = row_terms
                        .iter()
                        .zip(&direction)
                        .map(|(j, v)| (j * v).abs())
                        .sum::<f64>()
                        + rates[i].abs();
                    assert!(
                        (symbolic - numeric).abs() <= 1e-6 * size + 1e-300,
                        "{file} at t = {t}: (J v)[{i}] symbolic {symbolic} vs finite difference {numeric}; J row {row_terms:?}"
                    );
                }
            }
            let mut fallback = vec![0.0; n * n];
            model.jacobian_finite_difference(&mut registers, t, states, &parameters, &mut fallback);
            assert!(
                fallback.iter().any(|v| v.is_finite()),
                "{file}: the finite-difference fallback runs"
            );
        }
    }
}
