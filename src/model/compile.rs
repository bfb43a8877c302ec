//! Spec to model: run the checks, parse every expression, resolve names (derived values in any
//! order, cycles refused), lower to one graph and compile the register programs.

mod lowering;

use super::check::check_spec;
use super::events::{Event, compile_events};
use super::regimen::Regimen;
use super::{Model, Output, Parameter, State};
use crate::diag::{Diagnostic, Location};
use crate::expr::{Graph, NodeId};
use crate::spec::{LoadedModel, ModelSpec};
use std::ops::Range;

pub(super) use lowering::{Lowering, Names};

/// Finds the source location of a byte range inside the expression at a YAML path.
pub type Locate<'a> = &'a dyn Fn(&str, Option<Range<usize>>) -> Option<Location>;

/// Checks and compiles a loaded model file; every problem is reported at once.
pub fn compile(loaded: &LoadedModel) -> Result<Model, Vec<Diagnostic>> {
    let spec = &loaded.spec;
    let mut diagnostics = check_spec(loaded);
    let locate = |path: &str, span: Option<Range<usize>>| match span {
        Some(span) => loaded.locate_in_expression(path, span),
        None => loaded.locate(path),
    };
    let names = Names::of_spec(spec);
    let mut graph = Graph::new();
    let mut lowering = Lowering::new(&names, &spec.derived, &locate);
    let derived_nodes = lowering.lower_derived(&mut graph);
    let roots = lower_roots(loaded, &mut lowering, &mut graph);
    let events = compile_events(loaded, &mut lowering, &mut graph);
    diagnostics.append(&mut lowering.diagnostics);

    let default_regimen = match default_regimen(spec, &graph, &names, &derived_nodes, &locate) {
        Ok(regimen) => Some(regimen),
        Err(mut problems) => {
            diagnostics.append(&mut problems);
            None
        }
    };
    let (Some(default_regimen), true) = (default_regimen, diagnostics.is_empty()) else {
        return Err(diagnostics);
    };
    Ok(assemble(
        spec,
        Lowered {
            names,
            graph,
            derived_nodes,
            roots,
            events,
            default_regimen,
        },
    ))
}

/// The roots of the ODEs and initial values (one per state) and of the outputs; NaN where an
/// expression could not be lowered (the problem is reported).
struct Roots {
    ode: Vec<NodeId>,
    initial: Vec<NodeId>,
    output: Vec<NodeId>,
}

/// Everything of a model lowered without problems, ready to become a `Model`.
struct Lowered {
    names: Names,
    graph: Graph,
    derived_nodes: Vec<NodeId>,
    roots: Roots,
    events: Vec<Event>,
    default_regimen: Regimen,
}

/// Lowers the ODEs, then the initial values, then the outputs, in file order.
fn lower_roots(loaded: &LoadedModel, lowering: &mut Lowering, graph: &mut Graph) -> Roots {
    let spec = &loaded.spec;
    let nan = graph.constant(f64::NAN);
    let mut ode_roots = Vec::new();
    for (name, _) in spec.states.iter() {
        let root = match spec.odes.get(name) {
            Some(text) => lowering.lower(graph, text, &format!("odes.{name}")),
            None => None,
        };
        ode_roots.push(root.unwrap_or(nan));
    }
    let mut initial_roots = Vec::new();
    for (name, state) in spec.states.iter() {
        let what = format!("the initial value of `{name}`");
        let root = lowering.lower_fixed(
            graph,
            &state.initial,
            &long_or_short(loaded, &format!("states.{name}"), "initial"),
            &what,
        );
        initial_roots.push(root.unwrap_or(nan));
    }
    let mut output_roots = Vec::new();
    for (name, output) in spec.outputs.iter() {
        let root = lowering.lower(
            graph,
            &output.expr,
            &long_or_short(loaded, &format!("outputs.{name}"), "expr"),
        );
        output_roots.push(root.unwrap_or(nan));
    }
    Roots {
        ode: ode_roots,
        initial: initial_roots,
        output: output_roots,
    }
}

/// The model's own `doses:`, compiled and expanded once at the file's parameter values.
fn default_regimen(
    spec: &ModelSpec,
    graph: &Graph,
    names: &Names,
    derived_nodes: &[NodeId],
    locate: Locate,
) -> Result<Regimen, Vec<Diagnostic>> {
    let file_values: Vec<f64> = spec.parameters.iter().map(|(_, p)| p.value).collect();
    Regimen::compile(graph, names, derived_nodes, &spec.doses, "doses", locate).and_then(
        |regimen| match regimen.events(&file_values) {
            Ok(_) => Ok(regimen),
            Err(problem) => {
                let location = problem
                    .yaml_path
                    .as_deref()
                    .and_then(|path| locate(path, None));
                Err(vec![problem.at(location)])
            }
        },
    )
}
/// The compiled model: descriptions from the spec, programs from the lowered roots.
fn assemble(spec: &ModelSpec, lowered: Lowered) -> Model {
    let Lowered {
        names,
        graph,
        derived_nodes,
        roots,
        events,
        default_regimen,
    } = lowered;
    let Roots {
        ode: ode_roots,
        initial: initial_roots,
        output: output_roots,
    } = roots;
    let mut all_roots = ode_roots.clone();
    all_roots.extend(&initial_roots);
    all_roots.extend(&output_roots);
    let event_roots: Vec<NodeId> = events.iter().flat_map(Event::roots).collect();
    all_roots.extend(&event_roots);
    all_roots.extend(&derived_nodes);
    Model {
        name: spec.name.clone(),
        title: spec.title.clone().unwrap_or_else(|| spec.name.clone()),
        reference: spec.reference.clone(),
        time_unit: spec.time_unit.clone().unwrap_or_else(|| "time".to_string()),
        parameters: spec
            .parameters
            .iter()
            .map(|(name, p)| Parameter {
                name: name.to_string(),
                value: p.value,
                unit: p.unit.clone(),
                description: p.description.clone(),
                bounds: p.bounds,
            })
            .collect(),
        parameter_sets: parameter_sets(spec, &names),
        states: spec
            .states
            .iter()
            .map(|(name, s)| State {
                name: name.to_string(),
                unit: s.unit.clone(),
                description: s.description.clone(),
                nonnegative: s.nonnegative,
            })
            .collect(),
        outputs: spec
            .outputs
            .iter()
            .map(|(name, o)| Output {
                name: name.to_string(),
                unit: o.unit.clone(),
                description: o.description.clone(),
            })
            .collect(),
        derived_names: names.derived.clone(),
        simulation: spec.simulation.clone(),
        default_regimen,
        setup: graph.setup_program(&all_roots),
        rhs: graph.varying_program(&ode_roots),
        event_program: graph.varying_program(&event_roots),
        events,
        state_atol: spec.states.iter().map(|(_, s)| s.atol).collect(),
        jacobian: std::sync::OnceLock::new(),
        trajectory_columns: std::sync::OnceLock::new(),
        output_program: graph.varying_program(&output_roots),
        ode_roots,
        output_roots,
        initial_roots,
        derived_nodes,
        names,
        graph,
        sensitivity: None,
    }
}

/// The spec's parameter sets as (parameter index, value) overrides; unknown names (reported
/// by the checks) are left out.
fn parameter_sets(spec: &ModelSpec, names: &Names) -> Vec<(String, Vec<(usize, f64)>)> {
    spec.parameter_sets
        .iter()
        .map(|(set, values)| {
            let overrides = values
                .iter()
                .filter_map(|(name, &value)| {
                    names
                        .parameters
                        .iter()
                        .position(|p| p == name)
                        .map(|i| (i, value))
                })
                .collect();
            (set.to_string(), overrides)
        })
        .collect()
}

/// The long form's path (`states.E.initial`) when the file uses it, else the short one.
fn long_or_short(loaded: &LoadedModel, short: &str, field: &str) -> String {
    let long = format!("{short}.{field}");
    if loaded.source_map.has(&long) {
        long
    } else {
        short.to_string()
    }
}
