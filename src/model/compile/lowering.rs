//! Name resolution and lowering of expressions into a model's graph: derived values lowered on
//! first use (in any order, cycles refused) and every problem collected as a diagnostic.

use super::Locate;
use crate::diag::{Diagnostic, Location};
use crate::expr::{Expr, Graph, NodeClass, NodeId, parse};
use crate::model::Symbol;
use crate::spec::{ExprText, ModelSpec, OrderedMap};
use std::collections::HashMap;
use std::ops::Range;

/// Name tables shared by every expression of a model.
#[derive(Clone)]
pub(in crate::model) struct Names {
    pub symbols: HashMap<String, Symbol>,
    pub parameters: Vec<String>,
    pub derived: Vec<String>,
    pub states: Vec<String>,
}

impl Names {
    /// The names of a spec's parameters, derived values and states; a name defined twice
    /// resolves to its first definition (the checks report the duplicate).
    pub fn of_spec(spec: &ModelSpec) -> Names {
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
        Names {
            symbols,
            parameters: spec.parameters.keys().map(str::to_string).collect(),
            derived: spec.derived.keys().map(str::to_string).collect(),
            states: spec.states.keys().map(str::to_string).collect(),
        }
    }
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
pub(in crate::model) struct Lowering<'a> {
    pub names: &'a Names,
    derived_asts: Vec<Option<Expr>>,
    derived_status: Vec<DerivedStatus>,
    derived_stack: Vec<usize>,
    locate: Locate<'a>,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Lowering<'a> {
    /// Lowering for a model file: its derived values (written at `derived.NAME`) are parsed
    /// now, in order, and lowered on first use.
    pub fn new(names: &'a Names, derived: &OrderedMap<ExprText>, locate: Locate<'a>) -> Self {
        let mut lowering = Lowering {
            names,
            derived_asts: Vec::new(),
            derived_status: Vec::new(),
            derived_stack: Vec::new(),
            locate,
            diagnostics: Vec::new(),
        };
        for (name, text) in derived.iter() {
            let expr = lowering.parse_at(text, &format!("derived.{name}"));
            lowering.derived_asts.push(expr);
            lowering.derived_status.push(DerivedStatus::Pending);
        }
        lowering
    }

    /// Lowers every derived value, in order (one already reached through another is reused).
    pub fn lower_derived(&mut self, graph: &mut Graph) -> Vec<NodeId> {
        let names = self.names;
        (0..names.derived.len())
            .map(|i| self.resolve_derived(graph, i, 0..0, &format!("derived.{}", names.derived[i])))
            .collect()
    }

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
