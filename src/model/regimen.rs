//! Dosing: dose lines (as written in the model, a scenario or on the command line) compiled
//! against a model, and expanded per parameter set into concrete dose events.

use super::compile::{Locate, Lowering, Names};
use super::{Model, SensitivityLayout};
use crate::diag::Diagnostic;
use crate::expr::{DerivativeMemo, Graph, NodeId, Program, Variable};
use crate::spec::{DoseSpec, ExprText};

/// Most repeats one dosing line (or dataset row) may expand to.
pub const MAX_REPEATS: u32 = 100_000;

/// One concrete dose: a bolus (`duration: None`) or a zero-order infusion.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct DoseEvent {
    pub state: usize,
    pub time: f64,
    pub amount: f64,
    pub duration: Option<f64>,
}

#[derive(Debug, Clone)]
struct CompiledDose {
    state: usize,
    amount: NodeId,
    time: NodeId,
    every: Option<NodeId>,
    count: u32,
    duration: Option<NodeId>,
    path: String,
    /// A dose into a sensitivity state (d(amount)/d(parameter)), which may be negative.
    signed: bool,
}

/// Dose lines compiled against a model; their expressions depend only on parameters.
#[derive(Debug, Clone)]
pub struct Regimen {
    /// The model's graph with the dose expressions added (for their derivatives).
    graph: Graph,
    program: Program,
    doses: Vec<CompiledDose>,
}

impl Regimen {
    pub(super) fn compile(
        model_graph: &Graph,
        names: &Names,
        derived_nodes: &[NodeId],
        doses: &[DoseSpec],
        base_path: &str,
        locate: Locate,
    ) -> Result<Regimen, Vec<Diagnostic>> {
        let mut graph = model_graph.clone();
        let mut lowering = Lowering::with_derived(names, derived_nodes, locate);
        let mut compiled = Vec::new();
        for (i, dose) in doses.iter().enumerate() {
            let path = format!("{base_path}.{i}");
            let state = names.states.iter().position(|s| *s == dose.state);
            if state.is_none() {
                lowering.diagnostics.push(
                    Diagnostic::new(format!("dose into unknown state `{}`", dose.state))
                        .at(locate(&format!("{path}.state"), None))
                        .path(format!("{path}.state"))
                        .suggest(&dose.state, names.states.iter().map(String::as_str))
                        .note(format!("states: {}", names.states.join(", "))),
                );
            }
            let mut ok = state.is_some();
            let mut fixed = |text: &ExprText, field: &str| {
                let node = lowering.lower_fixed(
                    &mut graph,
                    text,
                    &format!("{path}.{field}"),
                    &format!("the dose {field}"),
                );
                ok &= node.is_some();
                node.unwrap_or(NodeId::MAX)
            };
            let mut amount = fixed(&dose.amount, "amount");
            let time = fixed(&dose.time, "time");
            let every = dose.every.as_ref().map(|e| fixed(e, "every"));
            let duration = dose.duration.as_ref().map(|d| fixed(d, "duration"));
            if dose.per_kg && ok {
                match names.parameters.iter().position(|p| p == "weight") {
                    Some(weight) => {
                        let weight = graph.parameter(weight);
                        amount = graph.binary(crate::expr::BinaryOp::Multiply, amount, weight);
                    }
                    None => {
                        ok = false;
                        lowering.diagnostics.push(
                            Diagnostic::new("`per_kg: true` needs a parameter named `weight`")
                                .at(locate(&format!("{path}.per_kg"), None))
                                .path(format!("{path}.per_kg"))
                                .hint("add `weight: {value: 70, unit: kg}` under `parameters:`"),
                        );
                    }
                }
            }
            if dose.count.is_some_and(|c| c > MAX_REPEATS) {
                lowering.diagnostics.push(
                    Diagnostic::new(format!("`count` must be at most {MAX_REPEATS}"))
                        .at(locate(&format!("{path}.count"), None))
                        .path(format!("{path}.count"))
                        .hint("a dosing line describes a regimen; very long ones are better split by time"),
                );
            }
            if dose.count == Some(0) {
                lowering.diagnostics.push(
                    Diagnostic::new("`count` must be at least 1")
                        .at(locate(&format!("{path}.count"), None))
                        .path(format!("{path}.count")),
                );
            }
            if dose.count.is_some_and(|c| c > 1) && dose.every.is_none() {
                lowering.diagnostics.push(
                    Diagnostic::new("`count` needs `every`, the interval between doses")
                        .at(locate(&format!("{path}.count"), None))
                        .path(format!("{path}.count")),
                );
            }
            if let (Some(state), true) = (state, ok) {
                compiled.push(CompiledDose {
                    state,
                    amount,
                    time,
                    every,
                    count: dose.count.unwrap_or(1),
                    duration,
                    path,
                    signed: false,
                });
            }
        }
        if !lowering.diagnostics.is_empty() {
            return Err(lowering.diagnostics);
        }
        Ok(Regimen::assemble(graph, compiled))
    }

    fn assemble(graph: Graph, doses: Vec<CompiledDose>) -> Regimen {
        let roots: Vec<NodeId> = doses
            .iter()
            .flat_map(|d| [Some(d.amount), Some(d.time), d.every, d.duration])
            .flatten()
            .collect();
        Regimen {
            program: graph.setup_program(&roots),
            graph,
            doses,
        }
    }

    /// The same doses for a sensitivity model: each amount that depends on a sensitivity
    /// parameter p_j also doses d(amount)/d(p_j) into d(state)/d(p_j) (a bolus moves the
    /// sensitivity by it; an infusion adds d(rate)/d(p_j) over the same interval). Dose times,
    /// intervals and durations that depend on a sensitivity parameter would make the
    /// sensitivities jump where the dose moves; they are refused.
    pub(super) fn with_sensitivities(
        &self,
        layout: &SensitivityLayout,
        names: &[String],
    ) -> Result<Regimen, String> {
        let mut graph = self.graph.clone();
        let mut memo = DerivativeMemo::new();
        let mut doses = self.doses.clone();
        for dose in &self.doses {
            for (j, &parameter) in layout.parameters.iter().enumerate() {
                let variable = Variable::Parameter(parameter as u32);
                let timing = [
                    ("time", Some(dose.time)),
                    ("every", dose.every),
                    ("duration", dose.duration),
                ];
                for (field, node) in timing {
                    let Some(node) = node else { continue };
                    let derivative = graph.derivative(node, variable, &mut memo);
                    if graph.constant_value(derivative) != Some(0.0) {
                        return Err(format!(
                            "the dose {field} at `{}.{field}` depends on `{}`; sensitivities to dose times, intervals and durations are not supported (use finite differences for `{}`)",
                            dose.path, names[parameter], names[parameter]
                        ));
                    }
                }
                let amount = graph.derivative(dose.amount, variable, &mut memo);
                if graph.constant_value(amount) != Some(0.0) {
                    doses.push(CompiledDose {
                        state: layout.state(dose.state, j),
                        amount,
                        signed: true,
                        path: dose.path.clone(),
                        ..*dose
                    });
                }
            }
        }
        Ok(Regimen::assemble(graph, doses))
    }

    /// The concrete dose events for one parameter set, sorted by time.
    pub fn events(&self, parameters: &[f64]) -> Result<Vec<DoseEvent>, Diagnostic> {
        let mut registers = vec![0.0; self.graph.len()];
        self.program.run(&mut registers, 0.0, &[], parameters);
        let mut events = Vec::new();
        for dose in &self.doses {
            let value = |node: NodeId| registers[node as usize];
            let amount = value(dose.amount);
            let time = value(dose.time);
            let every = dose.every.map(value);
            let duration = dose.duration.map(value);
            let check = |field: &str, x: f64, ok: bool, rule: &str| {
                if ok && x.is_finite() {
                    Ok(())
                } else {
                    Err(Diagnostic::new(format!(
                        "the dose {field} is {}; it must be {rule}",
                        crate::diag::number(x)
                    ))
                    .path(format!("{}.{field}", dose.path))
                    .hint("check the dose line and the parameters it uses"))
                }
            };
            check(
                "amount",
                amount,
                dose.signed || amount >= 0.0,
                "a finite number >= 0",
            )?;
            check("time", time, true, "finite")?;
            if let Some(every) = every {
                check("every", every, every > 0.0, "a finite number > 0")?;
            }
            if let Some(duration) = duration {
                check("duration", duration, duration > 0.0, "a finite number > 0")?;
            }
            for k in 0..dose.count {
                events.push(DoseEvent {
                    state: dose.state,
                    time: time + f64::from(k) * every.unwrap_or(0.0),
                    amount,
                    duration,
                });
            }
        }
        events.sort_by(|a, b| a.time.total_cmp(&b.time));
        Ok(events)
    }
}

impl Model {
    /// Compiles dose lines given outside the model file (command line, run file). `base_path`
    /// names them in messages (e.g. `--dose`, `scenarios.low.doses`); `locate` points into the
    /// file they come from (`&|_, _| None` when there is none). On a sensitivity model the
    /// doses also move the sensitivities (see `Model::sensitivity_model`).
    pub fn compile_regimen(
        &self,
        doses: &[DoseSpec],
        base_path: &str,
        locate: Locate,
    ) -> Result<Regimen, Vec<Diagnostic>> {
        let regimen = Regimen::compile(
            &self.graph,
            &self.names,
            &self.derived_nodes,
            doses,
            base_path,
            locate,
        )?;
        match &self.sensitivity {
            None => Ok(regimen),
            Some(sensitivity) => regimen
                .with_sensitivities(&sensitivity.layout, &self.names.parameters)
                .map_err(|message| vec![Diagnostic::new(message).path(base_path)]),
        }
    }
}
