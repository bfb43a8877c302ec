//! The estimators on functions with known indices, no ODEs: Ishigami and a linear model
//! (Sobol'), a linear model and the Sobol' G function (Morris), and the designs' structure.

use cartsim::sensitivity::{Bootstrap, MorrisDesign, SaltelliDesign, sobol_indices};
use std::f64::consts::PI;

/// Outputs of `f` at every point of a Saltelli design whose unit coordinates are mapped by
/// `scale`.
fn outputs(
    design: &SaltelliDesign,
    scale: impl Fn(f64) -> f64,
    f: impl Fn(&[f64]) -> f64,
) -> Vec<f64> {
    design
        .points()
        .iter()
        .map(|u| f(&u.iter().map(|&x| scale(x)).collect::<Vec<_>>()))
        .collect()
}

fn ishigami(x: &[f64]) -> f64 {
    let (a, b) = (7.0, 0.1);
    x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
}

/// Analytic (first-order, total) indices of the Ishigami function with x_i ~ U(-pi, pi)
/// (Ishigami & Homma 1990; the partial variances as in Saltelli et al. 2010, Comput Phys
/// Commun 181:259, section 5, and Sobol' & Levitan 1999):
/// V1 = (1 + b pi^4 / 5)^2 / 2, V2 = a^2 / 8, V13 = b^2 pi^8 (1/18 - 1/50), V3 = V12 = V23 =
/// V123 = 0, V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2.
fn ishigami_indices(a: f64, b: f64) -> [(f64, f64); 3] {
    let pi4 = PI.powi(4);
    let v1 = 0.5 * (1.0 + b * pi4 / 5.0).powi(2);
    let v2 = a * a / 8.0;
    let v13 = b * b * pi4 * pi4 * (1.0 / 18.0 - 1.0 / 50.0);
    let v = a * a / 8.0 + b * pi4 / 5.0 + b * b * pi4 * pi4 / 18.0 + 0.5;
    [(v1 / v, (v1 + v13) / v), (v2 / v, v2 / v), (0.0, v13 / v)]
}

#[test]
fn ishigami_analytic_indices_match_the_published_values() {
    // The closed form above against the values tabulated by Saltelli et al. (2010) for a = 7,
    // b = 0.1 (four decimals), guarding the formula transcription itself.
    let indices = ishigami_indices(7.0, 0.1);
    let published = [(0.3139, 0.5576), (0.4424, 0.4424), (0.0, 0.2437)];
    for ((first, total), (s1, st)) in indices.iter().zip(published) {
        assert!(
            (first - s1).abs() < 5e-5 && (total - st).abs() < 5e-5,
            "{first} {total}"
        );
    }
}

#[test]
fn ishigami_indices_lie_within_their_bootstrap_intervals_at_n_10000() {
    // Seeded, so the test is deterministic; each 95% percentile interval covers the truth with
    // probability about 0.95 over seeds. The intervals must also be narrow (width below 0.1),
    // so containment is not won by vagueness: at N = 10,000 Jansen's standard errors are about
    // 0.01-0.02 (Saltelli et al. 2010, Fig. 3).
    let design = SaltelliDesign::new(10_000, 3, 2024);
    let y = outputs(&design, |u| -PI + 2.0 * PI * u, ishigami);
    let bootstrap = Bootstrap {
        resamples: 500,
        confidence: 0.95,
        seed: 7,
    };
    let result = sobol_indices(&y, 10_000, 3, &bootstrap).unwrap();
    assert_eq!(result.used, 10_000);
    for (i, (index, (first, total))) in result
        .indices
        .iter()
        .zip(ishigami_indices(7.0, 0.1))
        .enumerate()
    {
        for (what, estimate, truth) in [("S", index.first, first), ("ST", index.total, total)] {
            assert!(
                estimate.low <= truth
                    && truth <= estimate.high
                    && estimate.high - estimate.low < 0.1,
                "{what}{}: {:.4} [{:.4}, {:.4}], analytic {truth:.4}",
                i + 1,
                estimate.value,
                estimate.low,
                estimate.high
            );
        }
    }
}

#[test]
fn linear_model_indices_equal_the_variance_shares_up_to_sampling_error() {
    // y = sum c_i x_i, x_i ~ U(0, 1) independent: S_i = ST_i = c_i^2 / sum c_j^2 (each input's
    // share of the variance, var x_i = 1/12 for all). Tolerance: 3 bootstrap standard errors,
    // so a correct estimator fails with probability about 0.003 per index; the standard errors
    // must be below 0.02 so the tolerance stays tight.
    let c = [1.0, 2.0, 3.0, 0.0];
    let sum: f64 = c.iter().map(|x| x * x).sum();
    let design = SaltelliDesign::new(10_000, 4, 11);
    let y = outputs(
        &design,
        |u| u,
        |x| x.iter().zip(&c).map(|(x, c)| x * c).sum(),
    );
    let result = sobol_indices(
        &y,
        10_000,
        4,
        &Bootstrap {
            resamples: 300,
            confidence: 0.95,
            seed: 3,
        },
    )
    .unwrap();
    for (index, c) in result.indices.iter().zip(c) {
        let share = c * c / sum;
        for estimate in [index.first, index.total] {
            assert!(estimate.standard_error < 0.02, "{estimate:?}");
            assert!(
                (estimate.value - share).abs() <= 3.0 * estimate.standard_error + 1e-12,
                "c = {c}: {estimate:?}, share {share}"
            );
        }
    }
    // An input without effect gives a total index of exactly 0: f(A) = f(A_B^i) row by row.
    assert_eq!(result.indices[3].total.value, 0.0);
}

#[test]
fn failed_rows_are_left_out_and_a_constant_output_is_refused() {
    let design = SaltelliDesign::new(200, 2, 5);
    let mut y = outputs(&design, |u| u, |x| x[0] + x[1]);
    y[3] = f64::NAN; // row 3 of A
    y[2 * 200 + 10] = f64::INFINITY; // row 10 of A_B^1
    let bootstrap = Bootstrap {
        resamples: 100,
        ..Bootstrap::default()
    };
    assert_eq!(sobol_indices(&y, 200, 2, &bootstrap).unwrap().used, 198);
    let constant = vec![1.0; 200 * 4];
    assert!(
        sobol_indices(&constant, 200, 2, &bootstrap)
            .unwrap_err()
            .contains("does not vary")
    );
    assert!(sobol_indices(&constant[1..], 200, 2, &bootstrap).is_err());
}

#[test]
fn sobol_numbers_do_not_depend_on_the_thread_count() {
    let design = SaltelliDesign::new(2000, 3, 99);
    let y = outputs(&design, |u| -PI + 2.0 * PI * u, ishigami);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| sobol_indices(&y, 2000, 3, &Bootstrap::default()).unwrap())
    };
    assert_eq!(run(1), run(3));
}

#[test]
fn saltelli_points_take_one_column_from_b() {
    let design = SaltelliDesign::new(5, 3, 1);
    let points = design.points();
    assert_eq!(points.len(), 5 * 5);
    let (a, b) = (&points[0..5], &points[5..10]);
    for i in 0..3 {
        for j in 0..5 {
            let row = &points[(2 + i) * 5 + j];
            for d in 0..3 {
                assert_eq!(row[d], if d == i { b[j][d] } else { a[j][d] });
            }
        }
    }
    assert!(points.iter().flatten().all(|&u| (0.0..1.0).contains(&u)));
    assert_ne!(a, b);
}

#[test]
fn morris_trajectories_move_one_input_by_delta_on_the_grid() {
    let design = MorrisDesign {
        trajectories: 30,
        levels: 4,
        seed: 8,
    };
    let points = design.points(5);
    assert_eq!(points.len(), 30 * 6);
    for trajectory in points.chunks(6) {
        let mut moved = Vec::new();
        for pair in trajectory.windows(2) {
            let changed: Vec<usize> = (0..5).filter(|&i| pair[0][i] != pair[1][i]).collect();
            assert_eq!(changed.len(), 1);
            let i = changed[0];
            assert!(((pair[1][i] - pair[0][i]).abs() - 2.0 / 3.0).abs() < 1e-12);
            moved.push(i);
        }
        moved.sort();
        assert_eq!(moved, vec![0, 1, 2, 3, 4]);
        for x in trajectory.iter().flatten() {
            let level = x * 3.0;
            assert!((level - level.round()).abs() < 1e-12 && (-1e-12..=1.0 + 1e-12).contains(x));
        }
    }
}

#[test]
fn morris_recovers_linear_effects_exactly() {
    // For y = sum c_i x_i every elementary effect of input i is c_i: mu = mu* = |c_i| up to
    // rounding (1e-9) and sigma = 0.
    let c = [4.0, -2.0, 0.5, 0.0];
    let design = MorrisDesign {
        trajectories: 10,
        levels: 6,
        seed: 1,
    };
    let points = design.points(4);
    let y: Vec<f64> = points
        .iter()
        .map(|x| x.iter().zip(&c).map(|(x, c)| x * c).sum())
        .collect();
    for (effect, c) in design.effects(&points, &y).iter().zip(c) {
        assert!(
            (effect.mu - c).abs() < 1e-9 && (effect.mu_star - c.abs()).abs() < 1e-9,
            "{effect:?}"
        );
        assert!(effect.sigma < 1e-9 && effect.effects == 10, "{effect:?}");
    }
}

#[test]
fn morris_ranks_the_sobol_g_function_inputs_by_importance() {
    // G(x) = prod (|4 x_i - 2| + a_i) / (1 + a_i): the smaller a_i, the more important x_i
    // (first-order variance 1 / (3 (1 + a_i)^2), Saltelli et al. 2008, Global Sensitivity
    // Analysis: The Primer, section 3.6). a = 0, 1, 4.5, 9, 99 make the importance order
    // x1 > x2 > x3 > x4 > x5; mu* must rank them so.
    let a = [0.0, 1.0, 4.5, 9.0, 99.0];
    let g = |x: &[f64]| {
        x.iter()
            .zip(&a)
            .map(|(x, a)| ((4.0 * x - 2.0).abs() + a) / (1.0 + a))
            .product::<f64>()
    };
    let design = MorrisDesign {
        trajectories: 50,
        levels: 4,
        seed: 2026,
    };
    let points = design.points(5);
    let y: Vec<f64> = points.iter().map(|x| g(x)).collect();
    let effects = design.effects(&points, &y);
    for pair in effects.windows(2) {
        assert!(pair[0].mu_star > pair[1].mu_star, "{effects:?}");
    }
}

#[test]
fn ranges_map_the_unit_interval_onto_bounds_and_variability_percentiles() {
    use cartsim::population::Transform;
    use cartsim::sensitivity::{ParameterRange, RangeKind, VARIABILITY_COVERAGE};
    // The coverage constant is the 95th percentile of the standard normal: Phi(z) = 0.95,
    // with Phi from libm's erf (to 1e-12, far below any use of it).
    let phi = 0.5 * (1.0 + libm::erf(VARIABILITY_COVERAGE / 2f64.sqrt()));
    assert!((phi - 0.95).abs() < 1e-12, "{phi}");
    let range = |kind| ParameterRange {
        index: 0,
        name: "p".into(),
        kind,
    };
    let log = range(RangeKind::Log {
        min: 0.01,
        max: 1.0,
    });
    assert!((log.value(0.5) - 0.1).abs() < 1e-15 && log.value(0.0) == 0.01);
    let linear = range(RangeKind::Linear { min: 2.0, max: 4.0 });
    assert_eq!(linear.value(0.25), 2.5);
    let lognormal = range(RangeKind::Variability {
        typical: 2.0,
        omega: 0.5,
        transform: Transform::LogNormal,
    });
    let z = VARIABILITY_COVERAGE;
    assert!((lognormal.value(0.0) - 2.0 * (-0.5 * z).exp()).abs() < 1e-14);
    assert!((lognormal.value(1.0) - 2.0 * (0.5 * z).exp()).abs() < 1e-14);
    assert!((lognormal.value(0.5) - 2.0).abs() < 1e-15);
    assert_eq!((lognormal.scale(), log.source()), ("log", "bounds"));
}
