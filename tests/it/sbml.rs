//! SBML import: small SBML files written for these tests (tests/data/sbml/), imported,
//! simulated, and checked against their closed forms; refusals name the element and line.

use crate::{Run, assert_close, model_from, repo_path, run};
use cartsim::sbml::{ImportOptions, import};
use cartsim::trajectory::Trajectory;

/// Tolerance of the closed-form checks: the imported models integrate with rtol 1e-8 and
/// atol 1e-12 (the importer's defaults); the global error over 10 time units of these
/// smooth, contracting systems stays far below 1e-6 relative.
const RELATIVE: f64 = 1e-6;
const ABSOLUTE: f64 = 1e-9;

fn sbml_text(file: &str) -> (String, String) {
    let path = repo_path(&format!("tests/data/sbml/{file}"));
    let text = std::fs::read_to_string(&path).expect("test SBML readable");
    (path.display().to_string(), text)
}

/// Imports a test file (end 10, step 0.5) and simulates it, with `outputs` (YAML lines
/// `  name: expr`) added so that derived values can be read.
fn simulate_imported(file: &str, outputs: &str) -> Trajectory {
    let (path, text) = sbml_text(file);
    let options = ImportOptions {
        sbml_ids: false,
        end: 10.0,
        step: 0.5,
    };
    let yaml = import(&path, &text, &options).unwrap_or_else(|d| panic!("{d}"));
    let yaml = match outputs.is_empty() {
        true => yaml,
        false => yaml.replace("simulation:", &format!("outputs:\n{outputs}\nsimulation:")),
    };
    let model = model_from(&format!("{path}.yaml"), &yaml);
    run(&model, Run::default()).trajectory
}

fn check(trajectory: &Trajectory, column: &str, closed_form: impl Fn(f64) -> f64) {
    let values = trajectory
        .column(column)
        .unwrap_or_else(|| panic!("no column {column}"));
    for (t, value) in trajectory.times.iter().zip(values) {
        assert_close(
            value,
            closed_form(*t),
            RELATIVE,
            ABSOLUTE,
            &format!("{column} at t = {t}"),
        );
    }
}

#[test]
fn sbml_decay_in_concentration_and_amount_follows_the_exponential() {
    // Compartment of size 2. A: concentration 1 at the start; B: amount 2, so concentration
    // 1; both lose k [X] V amount per day, so d[X]/dt = -k [X] with k = 0.3. C is an amount
    // (hasOnlySubstanceUnits) eliminated at its local k = 0.5: C = 2 e^{-0.5 t}.
    let trajectory = simulate_imported("decay.xml", "  amount_A: A * cell");
    check(&trajectory, "A", |t| (-0.3 * t).exp());
    check(&trajectory, "B", |t| (-0.3 * t).exp());
    check(&trajectory, "amount_A", |t| 2.0 * (-0.3 * t).exp());
    check(&trajectory, "drug_amount", |t| 2.0 * (-0.5 * t).exp());
}

#[test]
fn sbml_reversible_reaction_relaxes_to_its_equilibrium() {
    // A <-> B, kf = 2, kr = 1, A0 = 1, B0 = 0: A = 1/3 + 2/3 e^{-3 t}, B = 1 - A; at the
    // end (e^{-30}) A / B is kr / kf.
    let trajectory = simulate_imported("reversible.xml", "");
    check(&trajectory, "A", |t| {
        1.0 / 3.0 + 2.0 / 3.0 * (-3.0 * t).exp()
    });
    check(&trajectory, "B", |t| {
        2.0 / 3.0 - 2.0 / 3.0 * (-3.0 * t).exp()
    });
    let (a, b) = (
        trajectory.column("A").unwrap(),
        trajectory.column("B").unwrap(),
    );
    let last = a.len() - 1;
    assert_close(a[last] / b[last], 0.5, 1e-8, 0.0, "A / B at equilibrium");
}

#[test]
fn sbml_rules_initial_assignment_function_and_piecewise() {
    // x(0) = 3 p = 4.5 (initial assignment), dx/dt = product(r, 1) = 0.2 (function
    // definition); y = 2 x (assignment rule); dz/dt = 1 before t = 5, else 0, so
    // z = min(t, 5); w = cbrt(8e3) + log2(32) - 2^2 = 20 + 5 - 4 = 21.
    let trajectory = simulate_imported("rules.xml", "  y_out: y\n  w_out: w");
    check(&trajectory, "x", |t| 4.5 + 0.2 * t);
    check(&trajectory, "y_out", |t| 2.0 * (4.5 + 0.2 * t));
    check(&trajectory, "z", |t| t.min(5.0));
    check(&trajectory, "w_out", |_| 21.0);
}

#[test]
fn sbml_event_resets_a_species_and_tops_up_a_boundary_species() {
    // A = e^{-t} is reset to 1 whenever it falls below 1/4, so A = e^{-(t mod ln 4)};
    // B steps from 0 to 1 at t = 5.
    let trajectory = simulate_imported("event.xml", "");
    let period = 4f64.ln();
    check(&trajectory, "A", |t| (-(t % period)).exp());
    check(&trajectory, "B", |t| if t >= 5.0 { 1.0 } else { 0.0 });
}

#[test]
fn sbml_algebraic_rule_is_refused_with_its_line() {
    let (path, text) = sbml_text("algebraic_rule.xml");
    let options = ImportOptions {
        sbml_ids: false,
        end: 10.0,
        step: 1.0,
    };
    let refusal = import(&path, &text, &options).expect_err("algebraic rules are refused");
    assert!(refusal.message.contains("algebraicRule"), "{refusal}");
    let location = refusal.location.as_ref().expect("a location");
    assert_eq!((location.line, location.column), (19, 7), "{refusal}");
}

#[test]
fn sbml_names_come_from_sbml_names_or_ids() {
    let (path, text) = sbml_text("decay.xml");
    let by_name = ImportOptions {
        sbml_ids: false,
        end: 10.0,
        step: 1.0,
    };
    let by_id = ImportOptions {
        sbml_ids: true,
        ..by_name.clone()
    };
    let named = import(&path, &text, &by_name).unwrap();
    assert!(named.contains("\n  drug_amount: 2\n"), "{named}");
    let ids = import(&path, &text, &by_id).unwrap();
    assert!(
        ids.contains("  C: {initial: 2, description: \"drug_amount\"}"),
        "{ids}"
    );
    assert!(ids.contains("time_unit: \"day\""), "{ids}");
}
