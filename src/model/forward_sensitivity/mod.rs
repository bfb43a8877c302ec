//! Forward sensitivity equations. For parameters p_1..p_k, the sensitivity model's states are
//! y (n) then S (n x k, S_ij = dy_i/dp_j), with
//!
//!   dS/dt = (df/dy) S + df/dp,   S(start) = d(y0)/dp,
//!
//! and its outputs are o then d(o)/dp = (do/dy) S + do/dp. Every term is a symbolic derivative
//! built in the model's own graph with one memo, so subexpressions stay shared, and derivatives
//! flow through derived values (parameter-only nodes) to the parameters they use. The result is
//! an ordinary `Model`: every solver, regimen and run plan works on it unchanged.
//!
//! Where a discontinuity moves with a parameter, S jumps:
//! - a switch `t <op> threshold(p)` flipping at tau: S += (f(tau-) - f(tau+)) d(tau)/dp, applied
//!   by the driver through `cross_switches`, after the doses given at that time;
//! - a dose amount A(p): d(A)/dp is dosed into the sensitivity of the dosed state (`Regimen`);
//! - dose times, intervals or durations depending on p: refused (by the regimen);
//! - a state's floor: when it sets the state to 0, its sensitivities are set to 0 too (the
//!   state is then held at 0 whatever the parameters). The jump (f(tau-) - f(tau+)) d(tau)/dp
//!   of the other states is left out: the floored state falls from its level (1e-6 cells in the
//!   shipped models) to 0, so the rates of the others change by that level times a rate
//!   constant, far below what the tolerances resolve;
//! - other state events that set states, or stop the run: the model is refused. Events that
//!   only record are kept.
//!
//! The implicit methods see the Jacobian's diagonal blocks only (J for y and for every column
//! of S), as in CVODES' simultaneous corrector: the block left out, d(S')/d(y), holds second
//! derivatives of f, which blow up where a fractional power of a cell count decaying toward 0
//! does (x^l with l < 2), and stopped Newton on owens_bozic2021 once its CAR T cells underflow.
//! The system is block lower
//! triangular, so Newton's iteration still converges, as fast for S as for y; the solution is
//! that of the full system (only the iteration differs).
//!
//! Tolerances: S_ij has the units of y_i / p_j, so its absolute tolerance is y_i's divided by
//! |p_j| (the run's value, or 1 when it is 0): p_j S_ij, the change of y_i for a relative change
//! of p_j, is held to y_i's own absolute accuracy. The relative tolerance applies to all states,
//! so y is controlled exactly as in the plain model; the S states can only shorten the steps.

mod switches;

use super::{Event, Model, Output, Parameter, State};
use crate::expr::{BinaryOp, DerivativeMemo, Graph, NodeId, Variable};

/// Where a sensitivity model keeps what: states y then S (state-major), outputs o then their
/// sensitivities (output-major).
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityLayout {
    /// States of the plain model (n), the sensitivity model's first states.
    pub states: usize,
    /// Outputs of the plain model (m), the sensitivity model's first outputs.
    pub outputs: usize,
    /// Indices of the parameters p_1..p_k.
    pub parameters: Vec<usize>,
}

impl SensitivityLayout {
    /// The state holding d(state)/d(p_j): n + state k + j.
    pub fn state(&self, state: usize, j: usize) -> usize {
        self.states + state * self.parameters.len() + j
    }

    /// The output holding d(output)/d(p_j): m + output k + j.
    pub fn output(&self, output: usize, j: usize) -> usize {
        self.outputs + output * self.parameters.len() + j
    }

    /// The trajectory column (states then outputs) holding column `column` of the plain
    /// model's trajectory.
    pub fn value_column(&self, column: usize) -> usize {
        if column < self.states {
            column
        } else {
            self.state_count() + column - self.states
        }
    }

    /// The trajectory column holding d(column `column` of the plain model's trajectory)/d(p_j).
    pub fn derivative_column(&self, column: usize, j: usize) -> usize {
        if column < self.states {
            self.state(column, j)
        } else {
            self.state_count() + self.output(column - self.states, j)
        }
    }

    fn state_count(&self) -> usize {
        self.states * (1 + self.parameters.len())
    }
}

/// What a sensitivity model adds to a model.
#[derive(Debug, Clone)]
pub(super) struct Sensitivity {
    pub layout: SensitivityLayout,
    /// Switches whose time depends on a sensitivity parameter: (switch index, the node of
    /// d(threshold)/d(p_j) for every j).
    jumps: Vec<(usize, Vec<NodeId>)>,
}

impl Sensitivity {
    /// Divides the absolute tolerance of every S_ij by |p_j| (1 when p_j is 0).
    pub fn scale_tolerances(&self, atol: &mut [f64], parameters: &[f64]) {
        let layout = &self.layout;
        for (j, &p) in layout.parameters.iter().enumerate() {
            let size = parameters.get(p).map_or(0.0, |v| v.abs());
            let scale = if size > 0.0 && size.is_finite() {
                size
            } else {
                1.0
            };
            for i in 0..layout.states {
                atol[layout.state(i, j)] /= scale;
            }
        }
    }
}

/// The roots of a sensitivity model: the model's own followed by their derivatives (in
/// `SensitivityLayout` order), and the switches that move with a parameter.
struct SensitivityRoots {
    ode: Vec<NodeId>,
    initial: Vec<NodeId>,
    output: Vec<NodeId>,
    /// As `Sensitivity::jumps`.
    jumps: Vec<(usize, Vec<NodeId>)>,
}

/// sum + a * b, with known zeros and ones simplified away, and a * b exactly 0 where b is 0
/// (a partial derivative `a` may be infinite where a state is 0, e.g. x^n with n < 1, while its
/// sensitivity `b` is still 0).
fn multiply_add(graph: &mut Graph, a: NodeId, b: NodeId, sum: NodeId) -> NodeId {
    let term = graph.strong_product(a, b);
    if graph.constant_value(sum) == Some(0.0) {
        term
    } else if graph.constant_value(term) == Some(0.0) {
        sum
    } else {
        graph.binary(BinaryOp::Add, sum, term)
    }
}

/// d(root)/d(p) + sum_l d(root)/d(y_l) column[l]: the derivative of `root` along the
/// sensitivities `column` (S_lj for one j).
fn total_derivative(
    graph: &mut Graph,
    memo: &mut DerivativeMemo,
    root: NodeId,
    parameter: Variable,
    column: &[NodeId],
) -> NodeId {
    let mut sum = graph.derivative(root, parameter, memo);
    for l in graph.states_used(root) {
        let l = l as usize;
        let Some(&s) = column.get(l) else { continue };
        let partial = graph.derivative(root, Variable::State(l as u32), memo);
        sum = multiply_add(graph, partial, s, sum);
    }
    sum
}

/// Name, unit and description of d(item)/d(parameter) for every item, then every parameter.
fn sensitivity_names<T>(
    items: &[T],
    parameters: &[&Parameter],
    name_and_unit: impl Fn(&T) -> (&String, &Option<String>),
) -> Vec<(String, Option<String>, Option<String>)> {
    let mut names = Vec::new();
    for item in items {
        let (name, unit) = name_and_unit(item);
        for parameter in parameters {
            names.push((
                format!("d({name})/d({})", parameter.name),
                per(unit, &parameter.unit),
                Some(format!("sensitivity of `{name}` to `{}`", parameter.name)),
            ));
        }
    }
    names
}

/// `unit / (by)`, as far as either is known.
fn per(unit: &Option<String>, by: &Option<String>) -> Option<String> {
    match (unit, by) {
        (Some(unit), Some(by)) => Some(format!("{unit}/({by})")),
        (Some(unit), None) => Some(unit.clone()),
        (None, Some(by)) => Some(format!("1/({by})")),
        (None, None) => None,
    }
}

impl Model {
    /// Where this sensitivity model keeps its sensitivities; `None` for a plain model.
    pub fn sensitivity_layout(&self) -> Option<&SensitivityLayout> {
        self.sensitivity.as_ref().map(|s| &s.layout)
    }

    /// The forward sensitivity system for the parameters at `parameters` (indices): states y
    /// then d(y_i)/d(p_j) (named `d(y)/d(p)`), outputs o then d(o_r)/d(p_j), in the order of
    /// `SensitivityLayout`. The model's own doses carry over (amounts depending on p_j dose
    /// their derivative into the sensitivities). Refused: an empty or repeated list, models with
    /// events that set states or stop the run (floors are allowed), and own doses whose time,
    /// interval or duration depends on a listed parameter.
    pub fn sensitivity_model(&self, parameters: &[usize]) -> Result<Model, String> {
        self.check_sensitivity_request(parameters)?;
        let layout = SensitivityLayout {
            states: self.states.len(),
            outputs: self.outputs.len(),
            parameters: parameters.to_vec(),
        };
        let default_regimen = self
            .default_regimen
            .with_sensitivities(&layout, &self.names.parameters)
            .map_err(|message| format!("the model's own doses: {message}"))?;
        let mut graph = self.graph.clone();
        let roots = self.sensitivity_roots(&mut graph, &layout);
        let event_roots: Vec<NodeId> = self.events.iter().flat_map(|e| e.roots()).collect();
        let mut all_roots = roots.ode.clone();
        all_roots.extend(&roots.initial);
        all_roots.extend(&roots.output);
        all_roots.extend(&event_roots);
        all_roots.extend(&self.derived_nodes);
        all_roots.extend(
            roots
                .jumps
                .iter()
                .flat_map(|(_, nodes)| nodes.iter().copied()),
        );

        let named: Vec<&Parameter> = parameters.iter().map(|&p| &self.parameters[p]).collect();
        let (states, outputs) = self.with_sensitivity_columns(&named);
        let mut state_atol = self.state_atol.clone();
        for &atol in &self.state_atol {
            state_atol.extend(std::iter::repeat_n(atol, parameters.len()));
        }
        let listed: Vec<&str> = named.iter().map(|p| p.name.as_str()).collect();
        let SensitivityRoots {
            ode: ode_roots,
            initial: initial_roots,
            output: output_roots,
            jumps,
        } = roots;
        Ok(Model {
            name: self.name.clone(),
            title: format!("{} (sensitivities to {})", self.title, listed.join(", ")),
            reference: self.reference.clone(),
            time_unit: self.time_unit.clone(),
            parameters: self.parameters.clone(),
            parameter_sets: self.parameter_sets.clone(),
            states,
            outputs,
            derived_names: self.derived_names.clone(),
            simulation: self.simulation.clone(),
            default_regimen,
            names: self.names.clone(),
            derived_nodes: self.derived_nodes.clone(),
            setup: graph.setup_program(&all_roots),
            rhs: graph.varying_program(&ode_roots),
            event_program: graph.varying_program(&event_roots),
            events: self.events_with_companions(&layout),
            state_atol,
            jacobian: std::sync::OnceLock::new(),
            trajectory_columns: std::sync::OnceLock::new(),
            output_program: graph.varying_program(&output_roots),
            ode_roots,
            output_roots,
            initial_roots,
            sensitivity: Some(Sensitivity { layout, jumps }),
            graph,
        })
    }

    /// The roots of the sensitivity system, built in `graph` with one memo: the model's ODEs,
    /// initial values and outputs followed by their derivatives (as `SensitivityLayout` orders
    /// them), and the switches whose time moves with a parameter.
    fn sensitivity_roots(&self, graph: &mut Graph, layout: &SensitivityLayout) -> SensitivityRoots {
        let (n, k) = (self.states.len(), layout.parameters.len());
        let mut memo = DerivativeMemo::new();
        let by: Vec<Variable> = (layout.parameters.iter())
            .map(|&p| Variable::Parameter(p as u32))
            .collect();
        let columns: Vec<Vec<NodeId>> = (0..k)
            .map(|j| (0..n).map(|i| graph.state(layout.state(i, j))).collect())
            .collect();
        let mut ode_roots = self.ode_roots.clone();
        let mut initial_roots = self.initial_roots.clone();
        for i in 0..n {
            for j in 0..k {
                let root = self.ode_roots[i];
                ode_roots.push(total_derivative(graph, &mut memo, root, by[j], &columns[j]));
                initial_roots.push(graph.derivative(self.initial_roots[i], by[j], &mut memo));
            }
        }
        let mut output_roots = self.output_roots.clone();
        for &root in &self.output_roots {
            for j in 0..k {
                output_roots.push(total_derivative(graph, &mut memo, root, by[j], &columns[j]));
            }
        }
        let mut jumps = Vec::new();
        for (index, switch) in self.graph.switches().iter().enumerate() {
            let derivatives: Vec<NodeId> = by
                .iter()
                .map(|&v| graph.derivative(switch.threshold, v, &mut memo))
                .collect();
            if derivatives
                .iter()
                .any(|&d| graph.constant_value(d) != Some(0.0))
            {
                jumps.push((index, derivatives));
            }
        }
        SensitivityRoots {
            ode: ode_roots,
            initial: initial_roots,
            output: output_roots,
            jumps,
        }
    }

    /// The model's states and outputs followed by their sensitivities to `named`.
    fn with_sensitivity_columns(&self, named: &[&Parameter]) -> (Vec<State>, Vec<Output>) {
        let mut states = self.states.clone();
        for (name, unit, description) in
            sensitivity_names(&self.states, named, |s| (&s.name, &s.unit))
        {
            states.push(State {
                name,
                unit,
                description,
                nonnegative: false,
            });
        }
        let mut outputs = self.outputs.clone();
        for (name, unit, description) in
            sensitivity_names(&self.outputs, named, |o| (&o.name, &o.unit))
        {
            outputs.push(Output {
                name,
                unit,
                description,
            });
        }
        (states, outputs)
    }

    /// The model's events, each floor also zeroing the sensitivities of its state.
    fn events_with_companions(&self, layout: &SensitivityLayout) -> Vec<Event> {
        self.events
            .iter()
            .map(|event| {
                let mut event = event.clone();
                if let Some((state, _)) = event.floor {
                    event.companions = (0..layout.parameters.len())
                        .map(|j| layout.state(state, j))
                        .collect();
                }
                event
            })
            .collect()
    }

    fn check_sensitivity_request(&self, parameters: &[usize]) -> Result<(), String> {
        if self.sensitivity.is_some() {
            return Err(format!(
                "`{}` is already a sensitivity model; build sensitivities from the plain model",
                self.name
            ));
        }
        if parameters.is_empty() {
            return Err("no parameters to take sensitivities to".to_string());
        }
        for (position, &p) in parameters.iter().enumerate() {
            let Some(parameter) = self.parameters.get(p) else {
                return Err(format!(
                    "parameter index {p} is out of range: `{}` has {} parameters",
                    self.name,
                    self.parameters.len()
                ));
            };
            if parameters[..position].contains(&p) {
                return Err(format!("parameter `{}` is listed twice", parameter.name));
            }
        }
        let changing: Vec<&str> = self
            .events
            .iter()
            .filter(|e| (!e.set.is_empty() && e.floor.is_none()) || e.stop)
            .map(|e| e.name.as_str())
            .collect();
        if !changing.is_empty() {
            return Err(format!(
                "sensitivities across state events are not supported (floors are): `{}` has events that set states or stop the run ({}); use finite differences",
                self.name,
                changing.join(", ")
            ));
        }
        Ok(())
    }
}
