//! Checks on a model spec that need no expression parsing: names, the state/ODE pairing,
//! parameter sets and the numbers of the `simulation:` block.

use crate::diag::Diagnostic;
use crate::expr::RESERVED_NAMES;
use crate::spec::LoadedModel;

/// Whether `name` is a valid name in a model file: a letter or `_`, then letters, digits, `_`.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Every structural problem of the spec, in file order.
pub fn check_spec(loaded: &LoadedModel) -> Vec<Diagnostic> {
    let mut problems = check_names(loaded);
    problems.extend(check_parameters(loaded));
    problems.extend(check_parameter_sets(loaded));
    problems.extend(check_states_and_odes(loaded));
    problems.extend(check_simulation(loaded));
    problems
}

/// Names of parameters, derived values and states: reserved, malformed or defined twice.
fn check_names(loaded: &LoadedModel) -> Vec<Diagnostic> {
    let spec = &loaded.spec;
    let mut problems = Vec::new();
    let mut defined: Vec<(&str, &str)> = Vec::new();
    let sections = [
        ("parameters", spec.parameters.keys().collect::<Vec<_>>()),
        ("derived", spec.derived.keys().collect()),
        ("states", spec.states.keys().collect()),
    ];
    for (section, names) in &sections {
        for name in names {
            let path = format!("{section}.{name}");
            if RESERVED_NAMES.contains(name) {
                problems.push(
                    Diagnostic::new(format!(
                        "`{name}` is a reserved name and cannot name a {}",
                        singular(section)
                    ))
                    .at(loaded.locate_key(&path))
                    .path(path.clone())
                    .hint(format!("rename it, e.g. `{name}_value`"))
                    .note(format!("reserved: {}", RESERVED_NAMES.join(", "))),
                );
            } else if !is_identifier(name) {
                problems.push(
                    Diagnostic::new(format!("`{name}` is not a valid name"))
                        .at(loaded.locate_key(&path))
                        .path(path.clone())
                        .hint(
                            "names start with a letter or `_` and contain letters, digits and `_`",
                        ),
                );
            }
            if let Some((other, _)) = defined.iter().find(|(_, n)| n == name) {
                problems.push(
                    Diagnostic::new(format!(
                        "`{name}` is defined in both `{other}` and `{section}`"
                    ))
                    .at(loaded.locate_key(&path))
                    .path(path.clone())
                    .hint("every name must be unique across parameters, derived values and states"),
                );
            }
            defined.push((section, name));
        }
    }
    problems
}

/// Parameter values (finite) and bounds (finite, strictly around the value).
fn check_parameters(loaded: &LoadedModel) -> Vec<Diagnostic> {
    let spec = &loaded.spec;
    let mut problems = Vec::new();
    for (name, parameter) in spec.parameters.iter() {
        if !parameter.value.is_finite() {
            problems.push(
                Diagnostic::new(format!(
                    "parameter `{name}` is {}; it must be a finite number",
                    parameter.value
                ))
                .at(loaded.locate(&format!("parameters.{name}.value")))
                .path(format!("parameters.{name}")),
            );
        }
        if let Some([lower, upper]) = parameter.bounds {
            let value = parameter.value;
            if !(lower.is_finite() && upper.is_finite() && lower < value && value < upper) {
                problems.push(
                    Diagnostic::new(format!(
                        "parameter `{name}` has bounds [{lower}, {upper}] that do not strictly \
                         contain its value {value}"
                    ))
                    .at(loaded.locate(&format!("parameters.{name}.bounds")))
                    .path(format!("parameters.{name}.bounds"))
                    .hint("write finite bounds `[lower, upper]` with lower < value < upper"),
                );
            }
        }
    }
    problems
}

/// Parameter sets: known parameters, finite values.
fn check_parameter_sets(loaded: &LoadedModel) -> Vec<Diagnostic> {
    let spec = &loaded.spec;
    let mut problems = Vec::new();
    for (set, values) in spec.parameter_sets.iter() {
        for (name, value) in values.iter() {
            let path = format!("parameter_sets.{set}.{name}");
            if spec.parameters.get(name).is_none() {
                problems.push(
                    Diagnostic::new(format!(
                        "parameter set `{set}` sets unknown parameter `{name}`"
                    ))
                    .at(loaded.locate_key(&path))
                    .path(path.clone())
                    .suggest(name, spec.parameters.keys())
                    .hint("a parameter set overrides parameters declared under `parameters:`"),
                );
            } else if !value.is_finite() {
                problems.push(
                    Diagnostic::new(format!(
                        "`{path}` is {}; it must be a finite number",
                        crate::diag::number(*value)
                    ))
                    .at(loaded.locate(&path))
                    .path(path),
                );
            }
        }
    }
    problems
}

/// One ODE per state and a state per ODE, and at least one state.
fn check_states_and_odes(loaded: &LoadedModel) -> Vec<Diagnostic> {
    let spec = &loaded.spec;
    let mut problems = Vec::new();
    for name in spec.states.keys() {
        if spec.odes.get(name).is_none() {
            problems.push(
                Diagnostic::new(format!("state `{name}` has no ODE"))
                    .at(loaded.locate_key(&format!("states.{name}")))
                    .path(format!("states.{name}"))
                    .hint(format!(
                        "add `{name}: <d{name}/dt>` under `odes:` (write `0` for a constant state)"
                    )),
            );
        }
    }
    for name in spec.odes.keys() {
        if spec.states.get(name).is_none() {
            problems.push(
                Diagnostic::new(format!("ODE for `{name}`, which is not a state"))
                    .at(loaded.locate_key(&format!("odes.{name}")))
                    .path(format!("odes.{name}"))
                    .suggest(name, spec.states.keys())
                    .note(format!(
                        "states: {}",
                        spec.states.keys().collect::<Vec<_>>().join(", ")
                    )),
            );
        }
    }
    if spec.states.is_empty() {
        problems.push(
            Diagnostic::new("the model has no states")
                .at(loaded.locate("states"))
                .path("states")
                .hint("declare at least one state with its initial value"),
        );
    }
    problems
}

fn singular(section: &str) -> &str {
    match section {
        "parameters" => "parameter",
        "states" => "state",
        _ => "derived value",
    }
}

/// The `simulation:` block: an end, valid numbers, an output grid, a step budget.
fn check_simulation(loaded: &LoadedModel) -> Vec<Diagnostic> {
    let simulation = &loaded.spec.simulation;
    let mut problems = Vec::new();
    if simulation.times.as_ref().is_some_and(Vec::is_empty) && simulation.end.is_nan() {
        problems.push(
            Diagnostic::new("`simulation.times` is an empty list, so the simulation has no end")
                .at(loaded.locate("simulation.times"))
                .path("simulation.times")
                .hint(crate::spec::EMPTY_TIMES_HINT),
        );
    } else if simulation.end.is_nan() {
        problems.push(
            Diagnostic::new(
                "`simulation` needs `end` (the last time to simulate) or `times` (the last \
                 listed time is then the end)",
            )
            .at(loaded.locate("simulation"))
            .path("simulation")
            .hint("e.g. `simulation: {end: 365, step: 1}`"),
        );
    }
    problems.extend(check_simulation_numbers(loaded));
    problems.extend(check_output_times(loaded));
    if simulation.max_steps == 0 {
        problems.push(
            Diagnostic::new("`simulation.max_steps` must be at least 1")
                .at(loaded.locate("simulation.max_steps"))
                .path("simulation.max_steps"),
        );
    }
    problems
}

/// `start`, `end`, `step`, `rtol`, `atol` and `rk4_step`: finite and in range where given.
fn check_simulation_numbers(loaded: &LoadedModel) -> Vec<Diagnostic> {
    let simulation = &loaded.spec.simulation;
    let mut problems = Vec::new();
    let mut require = |field: &str, value: f64, ok: bool, rule: &str, hint: &str| {
        if !(ok && value.is_finite()) {
            let path = format!("simulation.{field}");
            problems.push(
                Diagnostic::new(format!(
                    "`{path}` is {}; it must be {rule}",
                    crate::diag::number(value)
                ))
                .at(loaded.locate(&path))
                .path(path)
                .hint(hint.to_string()),
            );
        }
    };
    require(
        "start",
        simulation.start,
        true,
        "a finite number",
        "the default start is 0",
    );
    if !simulation.end.is_nan() {
        require(
            "end",
            simulation.end,
            simulation.end > simulation.start,
            &format!("after `start` ({})", simulation.start),
            "set the last time to simulate, e.g. `end: 365`",
        );
    }
    if let Some(step) = simulation.step {
        require(
            "step",
            step,
            step > 0.0,
            "a number > 0",
            "the output interval, e.g. `step: 1`",
        );
    }
    require(
        "rtol",
        simulation.rtol,
        simulation.rtol > 0.0 && simulation.rtol < 1.0,
        "between 0 and 1",
        "typical values are 1e-6 to 1e-10",
    );
    require(
        "atol",
        simulation.atol,
        simulation.atol > 0.0,
        "a number > 0",
        "an absolute tolerance in state units, e.g. 1e-6",
    );
    if let Some(step) = simulation.rk4_step {
        require(
            "rk4_step",
            step,
            step > 0.0,
            "a number > 0",
            "the fixed RK4 step, e.g. 0.01",
        );
    }
    problems
}

/// The output grid: `step` or `times` given, `times` finite and strictly increasing.
fn check_output_times(loaded: &LoadedModel) -> Option<Diagnostic> {
    let simulation = &loaded.spec.simulation;
    match &simulation.times {
        None if simulation.step.is_none() => Some(
            Diagnostic::new("`simulation` needs `step` (an output interval) or `times` (a list)")
                .at(loaded.locate("simulation"))
                .path("simulation")
                .hint("e.g. `simulation: {end: 365, step: 1}`"),
        ),
        Some(times)
            if !times.windows(2).all(|w| w[0] < w[1]) || !times.iter().all(|t| t.is_finite()) =>
        {
            Some(
                Diagnostic::new("`simulation.times` must be finite and strictly increasing")
                    .at(loaded.locate("simulation.times"))
                    .path("simulation.times"),
            )
        }
        _ => None,
    }
}
