//! Virtual populations: random effects on parameters (log-normal, normal or logit, correlated),
//! covariates sampled or read from a table, residual error, and each subject's own random
//! stream, so a subject is the same virtual patient whatever the thread count, shard or scenario.

mod effects;
mod table;

pub use effects::{RandomEffects, Transform};
pub use table::{SubjectTable, read_table};

use crate::diag::Diagnostic;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// Draws a covariate may reject (outside `min`/`max`) before the run gives up.
const MAX_REJECTIONS: u32 = 1000;

/// How a sampled covariate is distributed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CovariateDistribution {
    LogNormal { median: f64, omega: f64 },
    Normal { mean: f64, sd: f64 },
    Uniform { min: f64, max: f64 },
}

/// A covariate sampled per subject into a model parameter, truncated to [min, max].
#[derive(Debug, Clone, PartialEq)]
pub struct Covariate {
    pub name: String,
    pub parameter: usize,
    pub distribution: CovariateDistribution,
    pub min: f64,
    pub max: f64,
}

impl Covariate {
    /// The value a typical subject has: the median (log-normal), mean (normal) or midpoint
    /// (uniform), held within the bounds.
    pub fn typical(&self) -> f64 {
        let center = match self.distribution {
            CovariateDistribution::LogNormal { median, .. } => median,
            CovariateDistribution::Normal { mean, .. } => mean,
            CovariateDistribution::Uniform { min, max } => 0.5 * (min + max),
        };
        center.clamp(self.min, self.max)
    }

    fn draw(&self, rng: &mut ChaCha8Rng) -> Option<f64> {
        for _ in 0..MAX_REJECTIONS {
            let value = match self.distribution {
                CovariateDistribution::LogNormal { median, omega } => {
                    median * (omega * rng.sample::<f64, _>(StandardNormal)).exp()
                }
                CovariateDistribution::Normal { mean, sd } => {
                    mean + sd * rng.sample::<f64, _>(StandardNormal)
                }
                CovariateDistribution::Uniform { min, max } => {
                    min + (max - min) * rng.random::<f64>()
                }
            };
            if value >= self.min && value <= self.max {
                return Some(value);
            }
        }
        None
    }
}

/// The residual error model of simulated observations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ResidualModel {
    /// y = f + sd * e
    Additive { sd: f64 },
    /// y = f * (1 + sd * e)
    Proportional { sd: f64 },
    /// y = f + sqrt(additive^2 + (proportional * f)^2) * e
    Combined { additive: f64, proportional: f64 },
    /// y = f * exp(sd * e) (log-additive)
    Exponential { sd: f64 },
}

/// Why a residual error model cannot be made from its name and SDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResidualNameError {
    Unknown,
    /// `combined` without its additive SD.
    CombinedNeedsAdditive,
}

impl ResidualModel {
    /// The models' names, as run files and the command line write them.
    pub const NAMES: [&'static str; 4] = ["additive", "proportional", "combined", "exponential"];

    /// The model named `name` with SD `sd` (for `combined` the proportional one, `additive`
    /// the additive one).
    pub fn named(
        name: &str,
        sd: f64,
        additive: Option<f64>,
    ) -> Result<ResidualModel, ResidualNameError> {
        match name {
            "additive" => Ok(ResidualModel::Additive { sd }),
            "proportional" => Ok(ResidualModel::Proportional { sd }),
            "exponential" => Ok(ResidualModel::Exponential { sd }),
            "combined" => match additive {
                Some(additive) if additive >= 0.0 && additive.is_finite() => {
                    Ok(ResidualModel::Combined {
                        additive,
                        proportional: sd,
                    })
                }
                _ => Err(ResidualNameError::CombinedNeedsAdditive),
            },
            _ => Err(ResidualNameError::Unknown),
        }
    }

    /// The model as a run file's `residual:` writes it (`exponential, sd 0.3`).
    pub fn describe(&self) -> String {
        let number = crate::diag::number;
        match *self {
            ResidualModel::Additive { sd } => format!("additive, sd {}", number(sd)),
            ResidualModel::Proportional { sd } => format!("proportional, sd {}", number(sd)),
            ResidualModel::Combined {
                additive,
                proportional,
            } => format!(
                "combined, sd {}, sd_additive {}",
                number(proportional),
                number(additive)
            ),
            ResidualModel::Exponential { sd } => format!("exponential, sd {}", number(sd)),
        }
    }

    /// An observation of `prediction` with standard normal deviate `deviate`.
    pub fn observe(&self, prediction: f64, deviate: f64) -> f64 {
        match *self {
            ResidualModel::Additive { sd } => prediction + sd * deviate,
            ResidualModel::Proportional { sd } => prediction * (1.0 + sd * deviate),
            ResidualModel::Combined {
                additive,
                proportional,
            } => prediction + additive.hypot(proportional * prediction) * deviate,
            ResidualModel::Exponential { sd } => prediction * (sd * deviate).exp(),
        }
    }
}

/// Residual error on one output column of the trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct Residual {
    pub output: String,
    pub model: ResidualModel,
    /// Observations below it are censored in observations.csv (`run --save-observations`).
    pub lloq: Option<f64>,
}

/// Standard normal deviates for the residual error of subject `id` of a population seeded
/// `seed`, one per output time: a stream of its own (the seed's next key).
pub fn residual_deviates(seed: u64, id: u64, count: usize) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x005e_ed0f_4e51_d0a1);
    rng.set_stream(id);
    (0..count).map(|_| rng.sample(StandardNormal)).collect()
}

/// The diagnostic of a subject whose covariates could not be drawn (`message` says which and
/// why): at the run file's `population.covariates`.
pub fn sampling_failed(message: &str) -> Diagnostic {
    Diagnostic::new(format!("cannot sample the population: {message}"))
        .path("population.covariates")
        .hint("widen the covariate's `min`/`max` in the run file, or move its distribution inside them")
}

/// A checked virtual population.
#[derive(Debug, Clone)]
pub struct Population {
    /// Subjects in the population (ids 1..=n, or the table's IDs).
    pub n: u64,
    pub seed: u64,
    pub effects: RandomEffects,
    pub covariates: Vec<Covariate>,
    pub table: Option<SubjectTable>,
    pub residual: Option<Residual>,
}

/// One virtual patient: covariate values (parameter index, value) and random effects (one per
/// `RandomEffects::parameters` entry).
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    /// Position in the population, from 0.
    pub index: u64,
    /// The subject's ID (the table's `ID`, or index + 1).
    pub id: u64,
    pub covariates: Vec<(usize, f64)>,
    pub etas: Vec<f64>,
}

impl Population {
    /// One typical subject and no variability.
    pub fn typical_only() -> Population {
        Population {
            n: 1,
            seed: 1,
            effects: RandomEffects::none(),
            covariates: Vec::new(),
            table: None,
            residual: None,
        }
    }

    /// The subject at `index` (from 0), drawn from its own stream: ChaCha8 keyed by the seed,
    /// stream number = subject ID. Covariates are drawn first, in file order, then the random
    /// effects.
    pub fn subject(&self, index: u64) -> Result<Subject, String> {
        let id = self
            .table
            .as_ref()
            .map_or(index + 1, |t| t.ids[index as usize]);
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(id);
        let row = self.table.as_ref().map(|_| index as usize);
        self.draw(&mut rng, index, id, row)
    }

    /// A fresh patient of a virtual trial, drawn from a stream of its own whatever the order
    /// trials run in: ChaCha8 keyed by (`seed`, `trial`), stream number = `order`. With a
    /// subject table the patient takes a row drawn uniformly first (its `ID` becomes the
    /// patient's); otherwise the patient's ID is `order`.
    pub fn patient(&self, seed: u64, trial: u64, order: u64) -> Result<Subject, String> {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        key[8..16].copy_from_slice(&trial.to_le_bytes());
        key[16..].copy_from_slice(b"cartsim patient\0");
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(order);
        let row = (self.table.as_ref()).map(|t| rng.random_range(0..t.ids.len()));
        let id = (self.table.as_ref())
            .zip(row)
            .map_or(order, |(t, r)| t.ids[r]);
        self.draw(&mut rng, order, id, row)
    }

    /// Draws a subject's covariates (the table row's, then the sampled ones in file order) and
    /// random effects from `rng`.
    fn draw(
        &self,
        rng: &mut ChaCha8Rng,
        index: u64,
        id: u64,
        row: Option<usize>,
    ) -> Result<Subject, String> {
        let mut covariates = Vec::with_capacity(self.covariates.len());
        if let (Some(table), Some(row)) = (&self.table, row) {
            covariates.extend(table.row(row));
        }
        for covariate in &self.covariates {
            let value = covariate.draw(rng).ok_or_else(|| {
                format!(
                    "covariate `{}`: {MAX_REJECTIONS} draws in a row fell outside [{}, {}] for subject {id}",
                    covariate.name, covariate.min, covariate.max
                )
            })?;
            covariates.push((covariate.parameter, value));
        }
        let etas = self.effects.draw(rng);
        Ok(Subject {
            index,
            id,
            covariates,
            etas,
        })
    }

    /// Standard normal deviates for the residual error of subject `id`, one per output time:
    /// a stream of its own (the seed's next key), the same in every scenario.
    pub fn residual_deviates(&self, id: u64, count: usize) -> Vec<f64> {
        residual_deviates(self.seed, id, count)
    }

    /// The typical subject's covariates as (parameter index, value): a sampled covariate at
    /// `Covariate::typical`, a table column at its median.
    pub fn typical_covariates(&self) -> Vec<(usize, f64)> {
        let table = self.table.iter().flat_map(|t| {
            (t.columns.iter().enumerate())
                .map(|(column, (_, parameter))| (*parameter, t.median(column)))
        });
        table
            .chain(self.covariates.iter().map(|c| (c.parameter, c.typical())))
            .collect()
    }

    /// The typical subject's parameter values from an arm's typical ones: every covariate at its
    /// typical value, no random effects. The one definition of the typical subject used by
    /// simulations, figures, sensitivity analyses and records.
    pub fn typical_parameters(&self, typical: &[f64]) -> Vec<f64> {
        let mut values = typical.to_vec();
        for (parameter, value) in self.typical_covariates() {
            values[parameter] = value;
        }
        values
    }

    /// Sets a subject's parameter values from an arm's typical ones: covariates first, then
    /// each random effect applied to the resulting typical value.
    pub fn individual_parameters(&self, typical: &[f64], subject: &Subject) -> Vec<f64> {
        let mut values = typical.to_vec();
        for &(parameter, value) in &subject.covariates {
            values[parameter] = value;
        }
        self.effects.apply(&mut values, &subject.etas);
        values
    }
}
