//! Hostile model files (issue 14): sizes that used to overflow the stack or take minutes must
//! load and run in about a second, or be refused with an error naming the limit.

use crate::{Run, assert_close, model_from, run};
use cartsim::spec::{SolverName, load_model};

/// The rendered diagnostics of a model that must not compile.
fn refusal(text: &str) -> String {
    let loaded = load_model("hostile.yaml", text).expect("the YAML itself is valid");
    match cartsim::model::compile(&loaded) {
        Ok(_) => panic!("the model compiled"),
        Err(diagnostics) => cartsim::diag::render_all(&diagnostics),
    }
}

#[test]
fn a_sum_of_70000_terms_loads_and_integrates_without_overflowing_the_stack() {
    // x' = -(x + x + ... + x) / 70000 = -x: x(1) = e^-1. Parsing, lowering, differentiating
    // and dropping the 70,000-deep left-leaning chain used to recurse once per term.
    let sum = vec!["x"; 70_000].join(" + ");
    let m = model_from(
        "sum.yaml",
        &format!(
            "name: sum\nstates: {{x: 1}}\nodes:\n  x: -({sum}) / 70000\nsimulation: {{end: 1, step: 1, rtol: 1e-10, atol: 1e-12}}\n"
        ),
    );
    let simulation = run(&m, Run::default());
    let x = simulation.trajectory.column("x").unwrap();
    // Rounding of 70,000 additions (~70,000 eps relative) is far below the tolerance.
    assert_close(x[1], (-1f64).exp(), 1e-8, 0.0, "x(1)");
    assert_eq!(m.jacobian_nonzeros(), Some(1));
}

#[test]
fn an_expression_over_the_token_limit_is_refused_naming_the_limit() {
    let limit = cartsim::expr::MAX_TOKENS;
    let sum = vec!["x"; limit / 2 + 1].join(" + ");
    let text = format!(
        "name: big\nstates: {{x: 1}}\nodes:\n  x: {sum}\nsimulation: {{end: 1, step: 1}}\n"
    );
    let rendered = refusal(&text);
    assert!(
        rendered.contains(&format!(
            "the expression has {} tokens (numbers, names and operators); the limit is {limit} in `odes.x`",
            limit + 1
        )),
        "{rendered}"
    );
    assert!(rendered.contains("hostile.yaml:4:"), "{rendered}");
    assert!(
        rendered.contains("hint: split it into several `derived` values"),
        "{rendered}"
    );
}

#[test]
fn a_chain_of_3000_states_simulates_in_seconds_with_a_sparse_jacobian() {
    // x0' = -k x0, xi' = k x(i-1) - k xi from x0 = 1: xi(t) = (kt)^i e^(-kt) / i!. The dense
    // symbolic Jacobian (9 million entries, built eagerly) took 113 s and 854 MB to load.
    let n = 3000;
    let mut text = String::from("name: chain\nparameters: {k: 0.5}\nstates:\n  x0: 1\n");
    for i in 1..n {
        text.push_str(&format!("  x{i}: 0\n"));
    }
    text.push_str("odes:\n  x0: -k * x0\n");
    for i in 1..n {
        text.push_str(&format!("  x{i}: k * x{} - k * x{i}\n", i - 1));
    }
    text.push_str("simulation: {end: 10, step: 5, solver: dopri5, rtol: 1e-9, atol: 1e-12}\n");
    let m = model_from("chain.yaml", &text);
    let simulation = run(&m, Run::default());
    let kt = 5.0_f64;
    let mut expected = (-kt).exp();
    for i in 0..20 {
        let value = simulation.trajectory.column(&format!("x{i}")).unwrap()[2];
        // Global error of dopri5 at rtol 1e-9 stays well inside 1e-7 relative.
        assert_close(value, expected, 1e-7, 1e-12, &format!("x{i}(10)"));
        expected *= kt / (i + 1) as f64;
    }
    assert_eq!(m.jacobian_nonzeros(), Some(2 * n - 1));
}

#[test]
fn a_product_of_700_states_gets_a_finite_difference_jacobian() {
    // x0' = -c x0 x1 ... x699: each symbolic partial derivative is a product of 699 factors,
    // about n^2 / 2 = 245,000 new nodes in all, over MAX_JACOBIAN_NODES. At all states 1 the
    // exact row 0 is -c everywhere; central differences of a product of ones are exact to a
    // few eps relative (the step is eps^(1/3)), so 1e-9 relative is generous.
    let n = 700;
    assert!(n * n / 2 > cartsim::model::MAX_JACOBIAN_NODES);
    let mut text = String::from("name: product\nstates:\n");
    for i in 0..n {
        text.push_str(&format!("  x{i}: 1\n"));
    }
    let product: Vec<String> = (0..n).map(|i| format!("x{i}")).collect();
    text.push_str(&format!("odes:\n  x0: -0.001 * {}\n", product.join(" * ")));
    for i in 1..n {
        text.push_str(&format!("  x{i}: 0\n"));
    }
    text.push_str("simulation: {end: 1, step: 1}\n");
    let m = model_from("product.yaml", &text);
    assert_eq!(m.jacobian_nonzeros(), None);
    let mut registers = vec![0.0; m.register_count()];
    let parameters = m.parameter_values(None).unwrap();
    m.setup(&mut registers, &parameters);
    let states = vec![1.0; n];
    let mut jacobian = vec![f64::NAN; n * n];
    m.jacobian(&mut registers, 0.0, &states, &parameters, &mut jacobian);
    for (j, &entry) in jacobian[..n].iter().enumerate() {
        assert_close(entry, -0.001, 1e-9, 0.0, &format!("J[0][{j}]"));
    }
    assert!(jacobian[n..].iter().all(|&entry| entry == 0.0));
    let simulation = run(
        &m,
        Run {
            method: Some(SolverName::Bdf),
            end: Some(1.0),
            ..Run::default()
        },
    );
    // Only x0 moves: x0' = -0.001 x0, x0(1) = e^-0.001 (to BDF's default tolerance).
    let x0 = simulation.trajectory.column("x0").unwrap();
    assert_close(*x0.last().unwrap(), (-0.001f64).exp(), 1e-5, 0.0, "x0(1)");
}

#[test]
fn a_product_of_4000_states_simulates_with_an_explicit_method_without_a_jacobian() {
    // x0' = -c x0 x1 ... x3999 with the others constant at 1: x0(1) = e^(-c). The eager dense
    // Jacobian (4,000 products of 3,999 factors) took over 2 minutes and 2.8 GB to load.
    let n = 4000;
    let mut text = String::from("name: product\nstates:\n");
    for i in 0..n {
        text.push_str(&format!("  x{i}: 1\n"));
    }
    let product: Vec<String> = (0..n).map(|i| format!("x{i}")).collect();
    text.push_str(&format!("odes:\n  x0: -0.001 * {}\n", product.join(" * ")));
    for i in 1..n {
        text.push_str(&format!("  x{i}: 0\n"));
    }
    text.push_str("simulation: {end: 1, step: 1, solver: dopri5, rtol: 1e-10, atol: 1e-12}\n");
    let m = model_from("product.yaml", &text);
    let simulation = run(&m, Run::default());
    let x0 = simulation.trajectory.column("x0").unwrap();
    assert_close(x0[1], (-0.001f64).exp(), 1e-9, 0.0, "x0(1)");
}

#[test]
fn derived_values_nested_past_the_limit_are_refused_naming_the_limit() {
    // d0 = d1 + 1, d1 = d2 + 1, ..., d399 = 1: resolving d0 went one call deeper per level.
    let mut text = String::from("name: deep\nderived:\n");
    for i in 0..399 {
        text.push_str(&format!("  d{i}: d{} + 1\n", i + 1));
    }
    text.push_str("  d399: 1\nstates: {x: 0}\nodes:\n  x: d0\nsimulation: {end: 1, step: 1}\n");
    let rendered = refusal(&text);
    assert!(
        rendered.contains("derived values use each other more than 256 levels deep"),
        "{rendered}"
    );
    assert!(
        rendered.contains("hint: compute long chains in fewer steps"),
        "{rendered}"
    );
}

/// A small population run file (n subjects of the cart3 model) in `directory`, with `residual`.
fn small_run(directory: &std::path::Path, n: u64, residual: &str) -> String {
    let path = directory.join("run.yaml");
    let model = crate::repo_path("models/cart3.yaml");
    std::fs::write(
        &path,
        format!(
            "model: {}\nsimulation: {{end: 14, step: 7}}\npopulation:\n  n: {n}\n  seed: 1\n  variability: {{rho: {{omega: 0.3}}}}\n  residual: {residual}\n",
            model.display()
        ),
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn thread_counts_over_the_limit_are_usage_errors_and_0_is_recorded_as_all_cores() {
    let directory = crate::cli::scratch("threads");
    let run = small_run(&directory, 2, "{output: EM, model: proportional, sd: 0.2}");
    for command in ["run", "sensitivity", "fit"] {
        let output = crate::cli::cartsim(&[command, &run, "--threads", "100000"], &directory);
        assert_eq!(output.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("`100000` is more than 1024 threads (the limit)"),
            "{command}: {stderr}"
        );
    }
    let out = directory.join("out");
    let output = crate::cli::cartsim(
        &[
            "run",
            &run,
            "--threads",
            "0",
            "--out",
            &out.display().to_string(),
        ],
        &directory,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(record["threads"], cores as u64);
}

#[test]
fn invalid_numeric_options_are_usage_errors_naming_the_option() {
    let directory = crate::cli::scratch("numeric-options");
    let cases: [&[&str]; 7] = [
        &["sensitivity", "run.yaml", "--method", "sobol", "--n", "0"],
        &[
            "sensitivity",
            "run.yaml",
            "--method",
            "local",
            "--change",
            "0",
        ],
        &[
            "sensitivity",
            "run.yaml",
            "--method",
            "local",
            "--change",
            "1.5",
        ],
        &["simulate", "model.yaml", "--step", "0"],
        &["simulate", "model.yaml", "--rtol", "0"],
        &[
            "fit",
            "model.yaml",
            "--data",
            "d.csv",
            "--estimate",
            "k",
            "--starts",
            "0",
        ],
        &["run", "run.yaml", "--threads", "many"],
    ];
    for arguments in cases {
        let output = crate::cli::cartsim(arguments, &directory);
        assert_eq!(output.status.code(), Some(2), "{arguments:?}");
        let option = arguments[arguments.len() - 2];
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(option), "{arguments:?}: {stderr}");
    }
}

#[test]
fn a_residual_sd_that_overflows_the_observations_is_an_error_naming_it() {
    // y = f (1 + sd e) with sd = 1e308 overflows to +-inf for any |f e| > 1.8: the run used to
    // write `inf` observations without a word.
    let directory = crate::cli::scratch("residual-overflow");
    let run = small_run(
        &directory,
        3,
        "{output: EM, model: proportional, sd: 1e308}",
    );
    let out = directory.join("out");
    let output = crate::cli::cartsim(
        &[
            "run",
            &run,
            "--save-trajectories",
            "--out",
            &out.display().to_string(),
        ],
        &directory,
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the simulated observation of `EM` for subject"),
        "{stderr}"
    );
    assert!(stderr.contains("sd: 1e308"), "{stderr}");
    assert!(stderr.contains("at: population.residual.sd"), "{stderr}");
    let written = std::fs::read_dir(&out).map_or(0, |entries| entries.count());
    assert_eq!(written, 0, "nothing is written for a failed run");
}

#[test]
fn huge_numbers_in_messages_are_written_in_exponent_form() {
    // `{}` of -1e308 is 309 characters of digits; messages write -1e308.
    let rendered = refusal(
        "name: huge\nparameters: {k: 1}\nstates: {x: 1}\nodes:\n  x: -k * x\nsimulation: {end: 1, step: 1, rtol: -1e308}\n",
    );
    assert!(
        rendered.contains("`simulation.rtol` is -1e308;"),
        "{rendered}"
    );
    assert!(!rendered.contains("0000000000"), "{rendered}");
}
