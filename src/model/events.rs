//! State events: `when` conditions compiled to signed functions (positive where the condition
//! holds), their actions (`set`, `record`, `stop`), arming (`after`) and repetition; state
//! floors become events too.
//!
//! Semantics: an event is armed at the start, or when its `after` event fires. An armed event
//! fires at the first time its condition holds (at once if it already holds when armed). A
//! repeating event (the default for events with `set`) is re-armed when its condition stops
//! holding; others fire once. A floor is a repeating event on its state falling below the level;
//! when one fires, every floored state below its level is set to 0 (populations feeding each
//! other go extinct together instead of trading tiny amounts). Events firing at the same time
//! act in file order.

use super::compile::Lowering;
use crate::diag::Diagnostic;
use crate::expr::{BinaryOp, ExprKind, Graph, NodeId};
use crate::spec::{EventSpec, ExprText, LoadedModel};

/// A compiled state event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub name: String,
    /// Positive where the condition holds.
    condition: NodeId,
    /// `<=` / `>=`: the condition also holds where the function is exactly 0.
    inclusive: bool,
    pub set: Vec<(usize, NodeId)>,
    pub record: bool,
    pub stop: bool,
    /// Index of the event that arms this one.
    pub after: Option<usize>,
    pub repeat: bool,
    /// For a state's `floor:`, (state index, level). When any floor fires, every floored state
    /// below its level is set to 0, so coupled populations go extinct together.
    pub floor: Option<(usize, f64)>,
    /// States set to 0 together with a floored state (in a sensitivity model, its
    /// sensitivities: a state held at 0 does not depend on the parameters).
    pub companions: Vec<usize>,
}

impl Event {
    /// Whether firing changes the solution (sets states, floors them or stops the run); an
    /// event that only records does not.
    pub fn acts(&self) -> bool {
        !self.set.is_empty() || self.stop || self.floor.is_some()
    }

    pub(super) fn roots(&self) -> Vec<NodeId> {
        std::iter::once(self.condition)
            .chain(self.set.iter().map(|&(_, node)| node))
            .collect()
    }

    /// The condition function's value, mapped so that "holds" is exactly `> 0`.
    pub(super) fn condition_value(&self, registers: &[f64]) -> f64 {
        let value = registers[self.condition as usize];
        if self.inclusive && value == 0.0 {
            f64::MIN_POSITIVE
        } else {
            value
        }
    }
}

/// Compiles the `events:` block and the states' `floor:` values.
pub(super) fn compile_events(
    loaded: &LoadedModel,
    lowering: &mut Lowering,
    graph: &mut Graph,
) -> Vec<Event> {
    let spec = &loaded.spec;
    let names: Vec<&str> = spec.events.keys().collect();
    let mut events = Vec::new();
    for (name, event) in spec.events.iter() {
        let context = EventContext {
            loaded,
            names: &names,
            name,
            path: format!("events.{name}"),
        };
        if let Some(event) = compile_event(&context, lowering, graph, event) {
            events.push(event);
        }
    }
    events.extend(floor_events(loaded, lowering, graph));
    events
}

/// The event being compiled: its name and path, and the names of every event.
struct EventContext<'a> {
    loaded: &'a LoadedModel,
    names: &'a [&'a str],
    name: &'a str,
    path: String,
}

/// One event of the `events:` block; `None` when its condition cannot be lowered.
fn compile_event(
    context: &EventContext,
    lowering: &mut Lowering,
    graph: &mut Graph,
    event: &EventSpec,
) -> Option<Event> {
    let EventContext {
        loaded, name, path, ..
    } = context;
    let (condition, inclusive) =
        lower_condition(lowering, graph, &event.when, &format!("{path}.when"))?;
    let set = lower_sets(context, lowering, graph, event);
    let after = match &event.after {
        None => None,
        Some(other) => after_index(context, lowering, other),
    };
    if !(event.record || event.stop || !event.set.is_empty()) {
        lowering.diagnostics.push(
            Diagnostic::new(format!("event `{name}` does nothing"))
                .at(loaded.locate_key(path))
                .path(path.clone())
                .hint("give it `record: true`, `stop: true` or `set: {STATE: value}`"),
        );
    }
    Some(Event {
        name: name.to_string(),
        condition,
        inclusive,
        set,
        record: event.record,
        stop: event.stop,
        after,
        repeat: event.repeat.unwrap_or(!event.set.is_empty()),
        floor: None,
        companions: Vec::new(),
    })
}

/// An event's `set:` values, each with the index of the state it sets.
fn lower_sets(
    context: &EventContext,
    lowering: &mut Lowering,
    graph: &mut Graph,
    event: &EventSpec,
) -> Vec<(usize, NodeId)> {
    let EventContext {
        loaded, name, path, ..
    } = context;
    let spec = &loaded.spec;
    let mut set = Vec::new();
    for (state, text) in event.set.iter() {
        let set_path = format!("{path}.set.{state}");
        match spec.states.keys().position(|s| s == state) {
            Some(index) => {
                if let Some(node) = lowering.lower(graph, text, &set_path) {
                    set.push((index, node));
                }
            }
            None => lowering.diagnostics.push(
                Diagnostic::new(format!(
                    "event `{name}` sets `{state}`, which is not a state"
                ))
                .at(loaded.locate_key(&set_path))
                .path(set_path.clone())
                .suggest(state, spec.states.keys()),
            ),
        }
    }
    set
}

/// The index of the event named in `after: other`, which must be another event.
fn after_index(context: &EventContext, lowering: &mut Lowering, other: &str) -> Option<usize> {
    let EventContext {
        loaded,
        names,
        name,
        path,
    } = context;
    let index = names.iter().position(|n| *n == other);
    if index.is_none() || other == *name {
        lowering.diagnostics.push(
            Diagnostic::new(format!(
                "event `{name}` comes after `{other}`, which is not another event"
            ))
            .at(loaded.locate(&format!("{path}.after")))
            .path(format!("{path}.after"))
            .suggest(other, names.iter().copied().filter(|n| n != name)),
        );
    }
    index
}

/// One repeating event per state with a `floor:`, setting it to 0 when it falls below.
fn floor_events(loaded: &LoadedModel, lowering: &mut Lowering, graph: &mut Graph) -> Vec<Event> {
    let mut events = Vec::new();
    for (index, (name, state)) in loaded.spec.states.iter().enumerate() {
        let Some(floor) = state.floor else { continue };
        if !(floor.is_finite() && floor > 0.0) {
            lowering.diagnostics.push(
                Diagnostic::new(format!(
                    "the floor of `{name}` is {}; it must be a number > 0",
                    crate::diag::number(floor)
                ))
                .at(loaded.locate(&format!("states.{name}.floor")))
                .path(format!("states.{name}.floor")),
            );
            continue;
        }
        let state = graph.state(index);
        let level = graph.constant(floor);
        let zero = graph.constant(0.0);
        events.push(Event {
            name: format!("floor_{name}"),
            condition: graph.binary(BinaryOp::Subtract, level, state),
            inclusive: false,
            set: vec![(index, zero)],
            record: false,
            stop: false,
            after: None,
            repeat: true,
            floor: Some((index, floor)),
            companions: Vec::new(),
        });
    }
    events
}

/// Lowers `a < b` (or `<=`, `>`, `>=`) to a function positive where it holds.
fn lower_condition(
    lowering: &mut Lowering,
    graph: &mut Graph,
    text: &ExprText,
    path: &str,
) -> Option<(NodeId, bool)> {
    let expr = lowering.parse_at(text, path)?;
    let ExprKind::Binary(op, left, right) = &expr.kind else {
        return refuse(lowering, path);
    };
    let (positive_first, inclusive) = match op {
        BinaryOp::Less => (false, false),
        BinaryOp::LessEqual => (false, true),
        BinaryOp::Greater => (true, false),
        BinaryOp::GreaterEqual => (true, true),
        _ => return refuse(lowering, path),
    };
    let a = lowering.lower_parsed(graph, left, path)?;
    let b = lowering.lower_parsed(graph, right, path)?;
    let (plus, minus) = if positive_first { (a, b) } else { (b, a) };
    Some((graph.binary(BinaryOp::Subtract, plus, minus), inclusive))
}

fn refuse(lowering: &mut Lowering, path: &str) -> Option<(NodeId, bool)> {
    let diagnostic = Diagnostic::new(format!(
        "`{path}` must be one comparison (`<`, `<=`, `>`, `>=`)"
    ))
    .path(path)
    .hint("e.g. `when: T < 1e5`; split `and`/`or` conditions into separate events");
    lowering
        .diagnostics
        .push(diagnostic.at(lowering.locate_path(path)));
    None
}
