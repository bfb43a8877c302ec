//! The model part of a report: the model file's title, reference, states, equations as
//! written, outputs and parameters; the doses of each scenario and the population variability
//! from the run's record (a population run's typed `RunDescription`, a simulation's run.json).

use crate::record::DoseRecord;
use crate::record::run::RunDescription;
use crate::spec::ModelSpec;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ModelSection {
    pub name: String,
    pub title: Option<String>,
    pub reference: Option<String>,
    pub time_unit: String,
    pub states: Vec<Named>,
    /// `name = expression` of the derived values, in file order.
    pub derived: Vec<Equation>,
    /// `d name / dt = expression`, in file order.
    pub odes: Vec<Equation>,
    pub outputs: Vec<Named>,
    pub parameters: Vec<Parameter>,
}

/// A state or output: its unit, description and initial value or expression as written.
#[derive(Debug, Clone, Serialize)]
pub struct Named {
    pub name: String,
    pub unit: Option<String>,
    pub description: Option<String>,
    pub expression: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Equation {
    pub name: String,
    pub expression: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    pub name: String,
    pub value: f64,
    pub unit: Option<String>,
    pub description: Option<String>,
    pub bounds: Option<[f64; 2]>,
}

/// The doses of one scenario (of the typical subject, per-kg amounts at its weight).
#[derive(Debug, Clone, Serialize)]
pub struct DoseGroup {
    pub label: String,
    pub doses: Vec<Dose>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dose {
    pub state: String,
    pub unit: Option<String>,
    pub time: f64,
    pub amount: f64,
    pub duration: Option<f64>,
}

/// Between-subject variability of a population run.
#[derive(Debug, Clone, Serialize)]
pub struct Variability {
    pub n: u64,
    pub seed: Option<u64>,
    pub effects: Vec<Effect>,
    /// `a ~ b: r` for every non-zero correlation.
    pub correlations: Vec<String>,
    pub covariates: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Effect {
    pub parameter: String,
    pub omega: f64,
    pub distribution: String,
}

pub fn section(spec: &ModelSpec) -> ModelSection {
    let named =
        |name: &str, unit: &Option<String>, description: &Option<String>, expression| Named {
            name: name.to_string(),
            unit: unit.clone(),
            description: description.clone(),
            expression,
        };
    let equations = |map: &crate::spec::OrderedMap<crate::spec::ExprText>| {
        map.iter()
            .map(|(name, expression)| Equation {
                name: name.to_string(),
                expression: expression.source(),
            })
            .collect()
    };
    ModelSection {
        name: spec.name.clone(),
        title: spec.title.clone(),
        reference: spec.reference.clone(),
        time_unit: spec.time_unit.clone().unwrap_or_else(|| "time".to_string()),
        states: (spec.states.iter())
            .map(|(name, s)| named(name, &s.unit, &s.description, s.initial.source()))
            .collect(),
        derived: equations(&spec.derived),
        odes: equations(&spec.odes),
        outputs: (spec.outputs.iter())
            .map(|(name, o)| named(name, &o.unit, &o.description, o.expr.source()))
            .collect(),
        parameters: (spec.parameters.iter())
            .map(|(name, p)| Parameter {
                name: name.to_string(),
                value: p.value,
                unit: p.unit.clone(),
                description: p.description.clone(),
                bounds: p.bounds,
            })
            .collect(),
    }
}

/// The unit of a state or output of the model.
pub fn unit_of(spec: &ModelSpec, name: &str) -> Option<String> {
    (spec.states.get(name).and_then(|s| s.unit.clone()))
        .or_else(|| spec.outputs.get(name).and_then(|o| o.unit.clone()))
}

/// The typical subject's doses of each arm of a population run.
pub fn run_dose_groups(run: &RunDescription, spec: Option<&ModelSpec>) -> Vec<DoseGroup> {
    (run.arms.iter())
        .map(|arm| {
            let mut label = arm.scenario.clone();
            if !arm.grid.is_empty() {
                let values: Vec<String> = (arm.grid.iter())
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect();
                label = format!("{label} ({})", values.join(", "));
            }
            DoseGroup {
                label,
                doses: shown(&arm.typical_doses, spec),
            }
        })
        .collect()
}

/// The doses of a simulation from its run.json's `doses`.
pub fn simulation_dose_groups(doses: &[DoseRecord], spec: Option<&ModelSpec>) -> Vec<DoseGroup> {
    if doses.is_empty() {
        return Vec::new();
    }
    vec![DoseGroup {
        label: "simulation".to_string(),
        doses: shown(doses, spec),
    }]
}

/// Recorded doses as the report shows them, with their states' units.
fn shown(doses: &[DoseRecord], spec: Option<&ModelSpec>) -> Vec<Dose> {
    (doses.iter())
        .map(|dose| Dose {
            unit: spec.and_then(|s| unit_of(s, &dose.state)),
            state: dose.state.clone(),
            time: dose.time,
            amount: dose.amount,
            duration: dose.duration,
        })
        .collect()
}

/// The population of a run (or of a trial's patients).
pub fn variability(run: &RunDescription) -> Variability {
    let population = &run.population;
    let effects: Vec<Effect> = (population.random_effects.iter())
        .map(|e| Effect {
            parameter: e.parameter.clone(),
            omega: e.omega,
            distribution: e.scale.distribution().to_string(),
        })
        .collect();
    let matrix = &population.correlations;
    let size = effects.len();
    let mut correlations = Vec::new();
    if matrix.len() == size * size {
        for i in 0..size {
            for j in i + 1..size {
                if matrix[i * size + j] != 0.0 {
                    correlations.push(format!(
                        "{} ~ {}: {}",
                        effects[i].parameter,
                        effects[j].parameter,
                        super::format::number(matrix[i * size + j])
                    ));
                }
            }
        }
    }
    Variability {
        n: population.n,
        seed: Some(population.seed),
        effects,
        correlations,
        covariates: population.covariates.clone(),
    }
}
