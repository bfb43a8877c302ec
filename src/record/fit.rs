//! The records of `cartsim fit`: fit.json (one maximum-likelihood fit per ID) and
//! population.json (one FOCE-I population fit), with the model, data and settings they
//! describe. Numbers that may be NaN are written as `null` and read back as NaN.

use super::ModelFile;
use super::Record;
use super::dataset::DatasetFacts;
use super::provenance::Provenance;
use crate::fit::population::{Covariance, NpdeSummary, PopulationEstimate};
use crate::fit::{IndividualFit, Intervals};
use crate::solver::SolverOptions;
use serde::{Deserialize, Deserializer, Serialize};

/// A number written by serde_json, where NaN and infinities become `null`: `null` reads as NaN.
pub fn number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

/// Numbers as in [`number`], `null` entries read as NaN.
pub fn numbers<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
    let values = Vec::<Option<f64>>::deserialize(deserializer)?;
    Ok(values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

/// An estimated model parameter: its start and the scale it is estimated on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstimatedParameter {
    pub name: String,
    pub unit: Option<String>,
    pub start: f64,
    /// `log`, or `logit within bounds`.
    pub scale: String,
    pub bounds: Option<[f64; 2]>,
}

/// How one ID's fit ended: its result, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubjectOutcome {
    Fit(Box<IndividualFit>),
    Error(String),
}

/// One ID of fit.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubjectRecord {
    pub id: String,
    #[serde(flatten)]
    pub outcome: SubjectOutcome,
}

/// fit.json: the maximum-likelihood fits of every ID of a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitRecord {
    pub format_version: u32,
    pub cartsim_version: String,
    /// The git commit of the build (`version::COMMIT`); empty in records written before it.
    #[serde(default)]
    pub cartsim_commit: String,
    pub command: Vec<String>,
    pub model: ModelFile,
    pub data: DatasetFacts,
    /// The model's named parameter set (`--params`).
    pub parameter_set: Option<String>,
    pub estimated: Vec<EstimatedParameter>,
    pub error_model: String,
    pub blq: String,
    pub initial_sigma: Vec<f64>,
    pub starts: usize,
    pub seed: u64,
    /// How predictions were differentiated (and why not as asked, when not).
    pub gradient: String,
    pub objective: String,
    /// Which 95% intervals the estimates have (records before the choice had Wald ones).
    #[serde(default)]
    pub intervals: Intervals,
    pub solver: SolverOptions,
    pub subjects: Vec<SubjectRecord>,
    /// IDs without a fit.
    pub failed: usize,
    pub wall_time_seconds: f64,
    pub provenance: Provenance,
}

impl Record for FitRecord {
    const FILE: &'static str = "fit.json";
    const FORMAT_VERSION: u32 = 1;
}

/// The simulation settings of a visual predictive check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VpcEntry {
    pub replicates: usize,
    pub seed: u64,
}

/// The NPDE of a population fit's observations against its replicates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NpdeEntry {
    pub method: String,
    /// IDs whose NPDE are empty (too few replicates, or a singular simulated covariance).
    pub undecorrelated: Vec<String>,
    pub summary: NpdeSummary,
}

/// What SAEM did (a population fit by `--method saem`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaemEntry {
    pub exploration_iterations: u32,
    pub smoothing_iterations: u32,
    pub chains_per_subject: u32,
    /// Sweeps per iteration of the three kernels (population draws, whole-vector random walk,
    /// component-wise random walks).
    pub kernel_sweeps: [u32; 3],
    pub seed: u64,
    /// Simulations run by the chains.
    pub simulations: u64,
    pub importance_samples: u32,
    /// Monte Carlo standard error of the importance-sampling -2LL.
    #[serde(deserialize_with = "number")]
    pub importance_se: f64,
    /// The FOCE-I approximation of -2LL at the SAEM estimates.
    #[serde(deserialize_with = "number")]
    pub focei_minus_2_log_likelihood: f64,
}

/// population.json: a population fit of a dataset (FOCE-I or SAEM).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationRecord {
    pub format_version: u32,
    pub cartsim_version: String,
    /// The git commit of the build (`version::COMMIT`); empty in records written before it.
    #[serde(default)]
    pub cartsim_commit: String,
    pub command: Vec<String>,
    pub model: ModelFile,
    pub data: DatasetFacts,
    pub method: String,
    /// How the standard errors were computed, in words.
    pub covariance: String,
    /// Which covariance gave the standard errors (records before it had the Hessian's).
    #[serde(default)]
    pub standard_errors: Covariance,
    pub estimated: Vec<EstimatedParameter>,
    /// The parameters with between-subject variability.
    pub random_effects: Vec<String>,
    /// `--block` as given: comma-separated parameters with correlated random effects.
    pub omega_blocks: Vec<String>,
    /// The parameters with a second class's typical value (`--mixture`; `<name>_class2` and
    /// `mixture_fraction` among the estimates).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mixture: Vec<String>,
    pub error_model: String,
    pub blq: String,
    pub gradient: String,
    pub solver: SolverOptions,
    pub estimates: Vec<PopulationEstimate>,
    /// Omega, row-major, on the estimation scales.
    #[serde(deserialize_with = "numbers")]
    pub omega: Vec<f64>,
    /// Correlations of the estimates, row-major; NaN without a covariance.
    #[serde(deserialize_with = "numbers")]
    pub correlation_of_estimates: Vec<f64>,
    #[serde(deserialize_with = "number")]
    pub minus_2_log_likelihood: f64,
    /// -2LL without the constant n ln(2 pi), as NONMEM reports it.
    #[serde(deserialize_with = "number")]
    pub objective_function_value_nonmem: f64,
    #[serde(deserialize_with = "number")]
    pub aic: f64,
    #[serde(deserialize_with = "number")]
    pub bic: f64,
    pub observations: usize,
    pub converged: bool,
    pub status: String,
    pub iterations: u32,
    pub objective_evaluations: u32,
    /// How the outer search had the objective's gradient: "analytic" or "central
    /// differences" (absent from files written before the analytic gradient).
    #[serde(default)]
    pub outer_gradient: String,
    /// Evaluations of the analytic gradient (0 with central differences).
    #[serde(default)]
    pub gradient_evaluations: u32,
    /// SAEM's settings and work; absent for FOCE-I.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saem: Option<SaemEntry>,
    pub vpc: VpcEntry,
    /// Without replicates, none (also absent from files written before NPDE were added).
    pub npde: Option<NpdeEntry>,
    pub wall_time_seconds: f64,
    pub provenance: Provenance,
}

impl PopulationRecord {
    /// The estimation method's short name.
    pub fn method_name(&self) -> &'static str {
        if self.saem.is_some() {
            "SAEM"
        } else {
            "FOCE-I"
        }
    }
}

impl Record for PopulationRecord {
    const FILE: &'static str = "population.json";
    const FORMAT_VERSION: u32 = 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Serialize, Deserialize)]
    struct Numbers {
        #[serde(deserialize_with = "number")]
        one: f64,
        #[serde(deserialize_with = "numbers")]
        many: Vec<f64>,
    }

    #[test]
    fn nan_is_written_as_null_and_read_back_as_nan() {
        let text = serde_json::to_string(&Numbers {
            one: f64::NAN,
            many: vec![1.5, f64::NAN],
        })
        .unwrap();
        assert_eq!(text, r#"{"one":null,"many":[1.5,null]}"#);
        let read: Numbers = serde_json::from_str(&text).unwrap();
        assert!(read.one.is_nan() && read.many[0] == 1.5 && read.many[1].is_nan());
    }

    #[test]
    fn a_failed_id_is_written_with_its_reason_beside_its_id() {
        let failed = SubjectRecord {
            id: "7".into(),
            outcome: SubjectOutcome::Error("no observations".into()),
        };
        let text = serde_json::to_string(&failed).unwrap();
        assert_eq!(text, r#"{"id":"7","error":"no observations"}"#);
        assert_eq!(
            serde_json::from_str::<SubjectRecord>(&text).unwrap(),
            failed
        );
    }
}
