//! The compiled model: names resolved to indices, expressions lowered to register programs,
//! breakpoints known. Pure and shareable across threads.

mod check;
pub(crate) use check::is_identifier;
mod columns;
mod compile;
mod events;
mod forward_sensitivity;
mod jacobian;
mod lookup;
mod regimen;

pub use columns::{Column, ColumnKind, units_label};
pub use compile::{Locate, compile};
pub use events::Event;
pub use forward_sensitivity::SensitivityLayout;
pub use jacobian::MAX_JACOBIAN_NODES;
pub use regimen::{DoseEvent, MAX_REPEATS, Regimen};

use crate::expr::{Graph, NodeId, Program};
use crate::spec::SimulationSpec;

#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub value: f64,
    pub unit: Option<String>,
    pub description: Option<String>,
    /// The range a fit keeps it in (`[lower, upper]`, checked: lower < value < upper).
    pub bounds: Option<[f64; 2]>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub name: String,
    pub unit: Option<String>,
    pub description: Option<String>,
    /// Warned about when the solution goes below minus its absolute tolerance (`false` for a
    /// state negative by design, and for sensitivities).
    pub nonnegative: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub name: String,
    pub unit: Option<String>,
    pub description: Option<String>,
}

/// Runs `program` at (t, states, parameters) and copies the `roots`' registers into `out`.
#[inline]
fn evaluate(
    program: &Program,
    roots: &[NodeId],
    registers: &mut [f64],
    (t, states, parameters): (f64, &[f64], &[f64]),
    out: &mut [f64],
) {
    program.run(registers, t, states, parameters);
    for (value, &root) in out.iter_mut().zip(roots) {
        *value = registers[root as usize];
    }
}

/// The step `jacobian_finite_difference` takes in a state of value `y`: eps^(1/3) max(|y|, 1).
/// Its rounding error is about eps |f| / h for a right-hand side of size |f|.
pub fn finite_difference_step(y: f64) -> f64 {
    f64::EPSILON.cbrt() * y.abs().max(1.0)
}

/// What a name in an expression refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbol {
    Parameter(usize),
    Derived(usize),
    State(usize),
}

/// A checked, compiled model.
pub struct Model {
    pub name: String,
    pub title: String,
    pub reference: Option<String>,
    pub time_unit: String,
    pub parameters: Vec<Parameter>,
    /// Named parameter sets: (set name, overrides as (parameter index, value)).
    pub parameter_sets: Vec<(String, Vec<(usize, f64)>)>,
    pub states: Vec<State>,
    pub outputs: Vec<Output>,
    pub derived_names: Vec<String>,
    pub simulation: SimulationSpec,
    /// The model file's own doses.
    pub default_regimen: Regimen,
    names: compile::Names,
    graph: Graph,
    derived_nodes: Vec<NodeId>,
    setup: Program,
    rhs: Program,
    /// State events (floors included), in file order.
    pub events: Vec<Event>,
    event_program: Program,
    /// Per-state absolute tolerances from the file (`None`: the run's default).
    pub state_atol: Vec<Option<f64>>,
    /// The symbolic Jacobian, built when an implicit method first asks for it.
    jacobian: std::sync::OnceLock<jacobian::Jacobian>,
    /// States then outputs, the columns of every trajectory, built on first use.
    trajectory_columns: std::sync::OnceLock<std::sync::Arc<[String]>>,
    output_program: Program,
    ode_roots: Vec<NodeId>,
    output_roots: Vec<NodeId>,
    initial_roots: Vec<NodeId>,
    /// Set on a sensitivity model (`sensitivity_model`).
    sensitivity: Option<forward_sensitivity::Sensitivity>,
}

impl Model {
    pub fn state_index(&self, name: &str) -> Option<usize> {
        self.states.iter().position(|s| s.name == name)
    }

    pub fn parameter_index(&self, name: &str) -> Option<usize> {
        self.parameters.iter().position(|p| p.name == name)
    }

    /// The parameter values of the file, or of a named parameter set applied over them.
    pub fn parameter_values(&self, set: Option<&str>) -> Result<Vec<f64>, String> {
        let mut values: Vec<f64> = self.parameters.iter().map(|p| p.value).collect();
        if let Some(set) = set {
            let Some((_, overrides)) = self.parameter_sets.iter().find(|(name, _)| name == set)
            else {
                let names: Vec<&str> = self
                    .parameter_sets
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect();
                return Err(if names.is_empty() {
                    format!(
                        "model `{}` has no parameter sets; `{set}` does not exist",
                        self.name
                    )
                } else {
                    format!("unknown parameter set `{set}`; sets: {}", names.join(", "))
                });
            };
            for &(index, value) in overrides {
                values[index] = value;
            }
        }
        Ok(values)
    }

    /// Instructions in the right-hand-side program (a cost measure).
    pub fn rhs_instruction_count(&self) -> usize {
        self.rhs.len()
    }

    /// The absolute tolerance of every state: its own, else the run's default; on a sensitivity
    /// model, a sensitivity's is its state's divided by the size of the run's parameter value.
    pub fn absolute_tolerances(&self, default: f64, parameters: &[f64]) -> Vec<f64> {
        let mut atol: Vec<f64> = self
            .state_atol
            .iter()
            .map(|a| a.unwrap_or(default))
            .collect();
        if let Some(sensitivity) = &self.sensitivity {
            sensitivity.scale_tolerances(&mut atol, parameters);
        }
        atol
    }

    /// The column names of this model's trajectories: states then outputs, in file order.
    pub fn trajectory_columns(&self) -> std::sync::Arc<[String]> {
        let names = || {
            (self.states.iter().map(|s| s.name.clone()))
                .chain(self.outputs.iter().map(|o| o.name.clone()))
                .collect()
        };
        self.trajectory_columns.get_or_init(names).clone()
    }

    pub fn register_count(&self) -> usize {
        self.graph.len()
    }

    /// A zeroed register file for `setup`, filled rather than `calloc`ed: glibc's calloc skips
    /// its per-thread cache, which made this allocation a visible cost of a population run.
    pub fn new_registers(&self) -> Vec<f64> {
        std::iter::repeat_n(0.0, self.register_count()).collect()
    }

    /// Computes every parameter-only value into `registers` (once per parameter set).
    pub fn setup(&self, registers: &mut [f64], parameters: &[f64]) {
        self.setup.run(registers, 0.0, &[], parameters);
    }

    /// Initial state values, after `setup`.
    pub fn initial_states(&self, registers: &[f64]) -> Vec<f64> {
        self.initial_roots
            .iter()
            .map(|&r| registers[r as usize])
            .collect()
    }

    /// The right-hand side: d(states)/dt into `derivatives` (without infusions).
    #[inline]
    pub fn rhs(
        &self,
        registers: &mut [f64],
        t: f64,
        states: &[f64],
        parameters: &[f64],
        derivatives: &mut [f64],
    ) {
        evaluate(
            &self.rhs,
            &self.ode_roots,
            registers,
            (t, states, parameters),
            derivatives,
        );
    }

    /// The Jacobian d(ode i)/d(state j), row-major, from symbolic derivatives of the ODEs (on a
    /// sensitivity model, its diagonal blocks: see `sensitivity_model`). Built on the first
    /// call; `registers` (after `setup`) grows to hold the derivatives.
    pub fn jacobian(
        &self,
        registers: &mut Vec<f64>,
        t: f64,
        states: &[f64],
        parameters: &[f64],
        jacobian: &mut [f64],
    ) {
        match self.symbolic_jacobian() {
            jacobian::Jacobian::Symbolic(symbolic) => {
                symbolic.evaluate(registers, (t, states, parameters), jacobian);
            }
            jacobian::Jacobian::FiniteDifference => {
                self.jacobian_finite_difference(registers, t, states, parameters, jacobian);
            }
        }
    }

    /// Entries of the symbolic Jacobian that are not identically 0 (building it), or `None`
    /// when it is computed by finite differences (see `MAX_JACOBIAN_NODES`).
    pub fn jacobian_nonzeros(&self) -> Option<usize> {
        match self.symbolic_jacobian() {
            jacobian::Jacobian::Symbolic(symbolic) => Some(symbolic.nonzero_count()),
            jacobian::Jacobian::FiniteDifference => None,
        }
    }

    fn symbolic_jacobian(&self) -> &jacobian::Jacobian {
        self.jacobian.get_or_init(|| {
            let layout = self.sensitivity.as_ref().map(|s| &s.layout);
            let n = layout.map_or(self.states.len(), |l| l.states);
            jacobian::Jacobian::build(&self.graph, &self.ode_roots, n, layout)
        })
    }

    /// The same Jacobian by central finite differences of `rhs` (one-sided where a side leaves
    /// the right-hand side's domain, e.g. a log of a state at 0): the fallback and the check.
    pub fn jacobian_finite_difference(
        &self,
        registers: &mut [f64],
        t: f64,
        states: &[f64],
        parameters: &[f64],
        jacobian: &mut [f64],
    ) {
        let n = states.len();
        let mut shifted = states.to_vec();
        let (mut up, mut down, mut centre) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        self.rhs(registers, t, states, parameters, &mut centre);
        for j in 0..n {
            let h = finite_difference_step(states[j]);
            shifted[j] = states[j] + h;
            self.rhs(registers, t, &shifted, parameters, &mut up);
            shifted[j] = states[j] - h;
            self.rhs(registers, t, &shifted, parameters, &mut down);
            shifted[j] = states[j];
            for i in 0..n {
                jacobian[i * n + j] = match (up[i].is_finite(), down[i].is_finite()) {
                    (true, true) => (up[i] - down[i]) / (2.0 * h),
                    (true, false) => (up[i] - centre[i]) / h,
                    (false, true) => (centre[i] - down[i]) / h,
                    (false, false) => f64::NAN,
                };
            }
        }
    }

    /// Every event's condition function at (t, states): positive where the condition holds.
    pub fn event_conditions(
        &self,
        registers: &mut [f64],
        t: f64,
        states: &[f64],
        parameters: &[f64],
        values: &mut [f64],
    ) {
        self.event_program.run(registers, t, states, parameters);
        for (value, event) in values.iter_mut().zip(&self.events) {
            *value = event.condition_value(registers);
        }
    }

    /// Applies event `index`'s `set` actions to `states` (all right-hand sides evaluated first).
    pub fn apply_event(
        &self,
        index: usize,
        registers: &mut [f64],
        t: f64,
        states: &mut [f64],
        parameters: &[f64],
    ) {
        self.event_program.run(registers, t, states, parameters);
        let values: Vec<(usize, f64)> = self.events[index]
            .set
            .iter()
            .map(|&(state, node)| (state, registers[node as usize]))
            .collect();
        for (state, value) in values {
            states[state] = value;
        }
    }

    /// The named outputs at one time point.
    pub fn outputs(
        &self,
        registers: &mut [f64],
        t: f64,
        states: &[f64],
        parameters: &[f64],
        values: &mut [f64],
    ) {
        let at = (t, states, parameters);
        evaluate(
            &self.output_program,
            &self.output_roots,
            registers,
            at,
            values,
        );
    }

    /// Freezes every time switch and step at its value for the segment containing `t`.
    pub fn set_switches(&self, registers: &mut [f64], t: f64) {
        for switch in self.graph.switches() {
            let threshold = registers[switch.threshold as usize];
            registers[switch.node as usize] = switch.value_at(t, threshold);
        }
        for step in self.graph.steps() {
            registers[step.node as usize] = step.value_at(t);
        }
    }

    /// How many times the steps (`floor` or `ceil` of `t`) jump in (start, end), all together.
    pub fn step_jumps(&self, start: f64, end: f64) -> f64 {
        (self.graph.steps().iter())
            .map(|step| step.jump_count(start, end))
            .sum()
    }

    /// The times in (start, end) where a step jumps: breakpoints (bound their number with
    /// `step_jumps` first).
    pub fn step_times(&self, start: f64, end: f64) -> Vec<f64> {
        (self.graph.steps().iter())
            .flat_map(|step| step.jumps(start, end))
            .collect()
    }

    /// Breakpoint times from switches, after `setup`.
    pub fn switch_times(&self, registers: &[f64]) -> Vec<f64> {
        self.graph
            .switches()
            .iter()
            .map(|s| registers[s.threshold as usize])
            .collect()
    }
}
