//! Spec to model: run the checks, parse every expression, resolve names (derived values in any
//! order, cycles refused), lower to one graph and compile the register programs.

use super::check::check_spec;
use super::events::{Event, compile_events};
use super::regimen::Regimen;
use super::{Model, Output, Parameter, State, Symbol};
use crate::diag::{Diagnostic, Location};
use crate::expr::{Expr, Graph, NodeClass, NodeId, parse};
use crate::spec::{ExprText, LoadedModel};
use std::collections::HashMap;
use std::ops::Range;

/// Finds the source location of a byte range inside the expression at a YAML path.
pub type Locate<'a> = &'a dyn Fn(&str, Option<Range<usize>>) -> Option<Location>;

/// Name tables shared by every expression of a model.
#[derive(Clone)]
pub(super) struct Names {
    pub symbols: HashMap<String, Symbol>,
    pub parameters: Vec<String>,
    pub derived: Vec<String>,
    pub states: Vec<String>,
}

/// Longest chain of derived values using one another that is accepted: each level is resolved
/// on the call stack (real models stay under 10).
const MAX_DERIVED_DEPTH: usize = 256;

enum DerivedStatus {
    Pending,
    InProgress,
    Done(NodeId),
}

/// Lowering state: resolves names, lowers derived values on first use, collects problems.
pub(super) struct Lowering<'a> {
    pub names: &'a Names,
    derived_asts: Vec<Option<Expr>>,
    derived_status: Vec<DerivedStatus>,
    derived_stack: Vec<usize>,
    locate: Locate<'a>,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Lowering<'a> {
    /// Lowering that treats every derived value as already lowered to `derived_nodes`.
    pub fn with_derived(names: &'a Names, derived_nodes: &[NodeId], locate: Locate<'a>) -> Self {
        Lowering {
            names,
            derived_asts: vec![None; derived_nodes.len()],
            derived_status: derived_nodes
                .iter()
                .map(|&n| DerivedStatus::Done(n))
                .collect(),
            derived_stack: Vec::new(),
            locate,
            diagnostics: Vec::new(),
        }
    }

    pub fn parse_at(&mut self, text: &ExprText, path: &str) -> Option<Expr> {
        let source = text.source();
        if let ExprText::Number(value) = text
            && !value.is_finite()
        {
            self.diagnostics.push(
                Diagnostic::new(format!(
                    "`{path}` is {}; it must be a finite number",
                    crate::diag::number(*value)
                ))
                .at((self.locate)(path, None))
                .path(path),
            );
            return None;
        }
        match parse(&source) {
            Ok(expr) => Some(expr),
            Err(error) => {
                let mut diagnostic = Diagnostic::new(format!("{} in `{path}`", error.message))
                    .at((self.locate)(path, Some(error.span.clone())))
                    .path(path)
                    .note(format!("expression: {source}"));
                if let Some(hint) = error.hint {
                    diagnostic = diagnostic.hint(hint);
                }
                self.diagnostics.push(diagnostic);
                None
            }
        }
    }

    /// The location of the whole value at `path`.
    pub fn locate_path(&self, path: &str) -> Option<Location> {
        (self.locate)(path, None)
    }

    /// Parses and lowers the expression written at `path`; `None` after reporting a problem.
    pub fn lower(&mut self, graph: &mut Graph, text: &ExprText, path: &str) -> Option<NodeId> {
        let expr = self.parse_at(text, path)?;
        self.lower_parsed(graph, &expr, path)
    }

    /// Lowers an already parsed expression written at `path`.
    pub fn lower_parsed(&mut self, graph: &mut Graph, expr: &Expr, path: &str) -> Option<NodeId> {
        let before = self.diagnostics.len();
        let node = graph.lower(expr, &mut |g, name, span| self.resolve(g, name, span, path));
        (self.diagnostics.len() == before).then_some(node)
    }

    /// Like `lower`, but the value must not depend on states or time (initial values, doses).
    pub fn lower_fixed(
        &mut self,
        graph: &mut Graph,
        text: &ExprText,
        path: &str,
        what: &str,
    ) -> Option<NodeId> {
        let node = self.lower(graph, text, path)?;
        if graph.class(node) == NodeClass::Varying {
            self.diagnostics.push(
                Diagnostic::new(format!("{what} depends on a state or on `t`"))
                    .at((self.locate)(path, None))
                    .path(path)
                    .hint(
                        "use parameters, numbers and derived values that depend only on parameters",
                    )
                    .note(format!("expression: {}", text.source())),
            );
            return None;
        }
        Some(node)
    }

    fn resolve(&mut self, graph: &mut Graph, name: &str, span: Range<usize>, path: &str) -> NodeId {
        if name == "t" {
            return graph.time();
        }
        match self.names.symbols.get(name) {
            Some(Symbol::Parameter(i)) => graph.parameter(*i),
            Some(Symbol::State(i)) => graph.state(*i),
            Some(Symbol::Derived(i)) => self.resolve_derived(graph, *i, span, path),
            None => {
                let all = self
                    .names
                    .parameters
                    .iter()
                    .chain(&self.names.derived)
                    .chain(&self.names.states);
                let mut diagnostic = Diagnostic::new(format!("unknown name `{name}` in `{path}`"))
                    .at((self.locate)(path, Some(span)))
                    .label("not a parameter, derived value or state")
                    .path(path)
                    .suggest(name, all.map(String::as_str));
                for (kind, list) in [
                    ("states", &self.names.states),
                    ("parameters", &self.names.parameters),
                    ("derived", &self.names.derived),
                ] {
                    if !list.is_empty() {
                        diagnostic = diagnostic.note(format!("{kind}: {}", list.join(", ")));
                    }
                }
                self.diagnostics.push(diagnostic);
                graph.constant(f64::NAN)
            }
        }
    }

    fn resolve_derived(
        &mut self,
        graph: &mut Graph,
        index: usize,
        span: Range<usize>,
        path: &str,
    ) -> NodeId {
        match self.derived_status[index] {
            DerivedStatus::Done(node) => node,
            DerivedStatus::InProgress => {
                let start = self
                    .derived_stack
                    .iter()
                    .position(|&d| d == index)
                    .unwrap_or(0);
                let mut cycle: Vec<&str> = self.derived_stack[start..]
                    .iter()
                    .map(|&d| self.names.derived[d].as_str())
                    .collect();
                cycle.push(&self.names.derived[index]);
                self.diagnostics.push(
                    Diagnostic::new(format!(
                        "derived values form a cycle: {}",
                        cycle.join(" -> ")
                    ))
                    .at((self.locate)(path, Some(span)))
                    .path(path)
                    .hint("a derived value cannot depend on itself, directly or through others"),
                );
                self.derived_status[index] = DerivedStatus::Done(graph.constant(f64::NAN));
                graph.constant(f64::NAN)
            }
            DerivedStatus::Pending if self.derived_stack.len() >= MAX_DERIVED_DEPTH => {
                self.diagnostics.push(
                    Diagnostic::new(format!(
                        "derived values use each other more than {MAX_DERIVED_DEPTH} levels deep (`{}` is reached through {})",
                        self.names.derived[index],
                        self.derived_stack.len()
                    ))
                    .at((self.locate)(path, Some(span)))
                    .path(path)
                    .hint("compute long chains in fewer steps (each derived value may be a longer formula)"),
                );
                self.derived_status[index] = DerivedStatus::Done(graph.constant(f64::NAN));
                graph.constant(f64::NAN)
            }
            DerivedStatus::Pending => {
                self.derived_status[index] = DerivedStatus::InProgress;
                self.derived_stack.push(index);
                let node = match self.derived_asts[index].take() {
                    Some(expr) => {
                        let derived_path = format!("derived.{}", self.names.derived[index]);
                        graph.lower(&expr, &mut |g, name, span| {
                            self.resolve(g, name, span, &derived_path)
                        })
                    }
                    None => graph.constant(f64::NAN),
                };
                self.derived_stack.pop();
                if let DerivedStatus::InProgress = self.derived_status[index] {
                    self.derived_status[index] = DerivedStatus::Done(node);
                }
                node
            }
        }
    }
}

/// Checks and compiles a loaded model file; every problem is reported at once.
pub fn compile(loaded: &LoadedModel) -> Result<Model, Vec<Diagnostic>> {
    let spec = &loaded.spec;
    let mut diagnostics = check_spec(loaded);
    let locate = |path: &str, span: Option<Range<usize>>| match span {
        Some(span) => loaded.locate_in_expression(path, span),
        None => loaded.locate(path),
    };

    let mut symbols = HashMap::new();
    for (i, name) in spec.parameters.keys().enumerate() {
        symbols
            .entry(name.to_string())
            .or_insert(Symbol::Parameter(i));
    }
    for (i, name) in spec.derived.keys().enumerate() {
        symbols
            .entry(name.to_string())
            .or_insert(Symbol::Derived(i));
    }
    for (i, name) in spec.states.keys().enumerate() {
        symbols.entry(name.to_string()).or_insert(Symbol::State(i));
    }
    let names = Names {
        symbols,
        parameters: spec.parameters.keys().map(str::to_string).collect(),
        derived: spec.derived.keys().map(str::to_string).collect(),
        states: spec.states.keys().map(str::to_string).collect(),
    };

    let mut graph = Graph::new();
    let mut lowering = Lowering {
        names: &names,
        derived_asts: Vec::new(),
        derived_status: Vec::new(),
        derived_stack: Vec::new(),
        locate: &locate,
        diagnostics: Vec::new(),
    };
    for (name, text) in spec.derived.iter() {
        let expr = lowering.parse_at(text, &format!("derived.{name}"));
        lowering.derived_asts.push(expr);
        lowering.derived_status.push(DerivedStatus::Pending);
    }
    let derived_nodes: Vec<NodeId> = (0..names.derived.len())
        .map(|i| {
            lowering.resolve_derived(
                &mut graph,
                i,
                0..0,
                &format!("derived.{}", names.derived[i]),
            )
        })
        .collect();

    let nan = graph.constant(f64::NAN);
    let mut ode_roots = Vec::new();
    for (name, _) in spec.states.iter() {
        let root = match spec.odes.get(name) {
            Some(text) => lowering.lower(&mut graph, text, &format!("odes.{name}")),
            None => None,
        };
        ode_roots.push(root.unwrap_or(nan));
    }
    let mut initial_roots = Vec::new();
    for (name, state) in spec.states.iter() {
        let what = format!("the initial value of `{name}`");
        let root = lowering.lower_fixed(
            &mut graph,
            &state.initial,
            &long_or_short(loaded, &format!("states.{name}"), "initial"),
            &what,
        );
        initial_roots.push(root.unwrap_or(nan));
    }
    let mut output_roots = Vec::new();
    for (name, output) in spec.outputs.iter() {
        let root = lowering.lower(
            &mut graph,
            &output.expr,
            &long_or_short(loaded, &format!("outputs.{name}"), "expr"),
        );
        output_roots.push(root.unwrap_or(nan));
    }
    let events = compile_events(loaded, &mut lowering, &mut graph);
    diagnostics.append(&mut lowering.diagnostics);

    let file_values: Vec<f64> = spec.parameters.iter().map(|(_, p)| p.value).collect();
    let regimen = Regimen::compile(
        &graph,
        &names,
        &derived_nodes,
        &spec.doses,
        "doses",
        &locate,
    )
    .and_then(|regimen| match regimen.events(&file_values) {
        Ok(_) => Ok(regimen),
        Err(problem) => {
            let location = problem
                .yaml_path
                .as_deref()
                .and_then(|path| locate(path, None));
            Err(vec![problem.at(location)])
        }
    });
    let default_regimen = match regimen {
        Ok(regimen) => Some(regimen),
        Err(mut problems) => {
            diagnostics.append(&mut problems);
            None
        }
    };
    let (Some(default_regimen), true) = (default_regimen, diagnostics.is_empty()) else {
        return Err(diagnostics);
    };

    let mut all_roots = ode_roots.clone();
    all_roots.extend(&initial_roots);
    all_roots.extend(&output_roots);
    let event_roots: Vec<NodeId> = events.iter().flat_map(Event::roots).collect();
    all_roots.extend(&event_roots);
    all_roots.extend(&derived_nodes);
    let parameter_sets = spec
        .parameter_sets
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
        .collect();
    Ok(Model {
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
        parameter_sets,
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
        output_program: graph.varying_program(&output_roots),
        ode_roots,
        output_roots,
        initial_roots,
        derived_nodes,
        names,
        graph,
        sensitivity: None,
    })
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
