//! The NPDE of a population fit as its files show them: figures/npde_time.png (NPDE against
//! time) and npde_pred.png (against PRED), BLQ observations (through their imputed values)
//! marked as BLQ, and npde_qq.png (against N(0, 1) quantiles, all alike); the record
//! entry, the warning for IDs that could not be decorrelated, and the console line.

use super::figures::{Scatter, draw_scatters};
use crate::diag::Diagnostic;
use crate::fit::likelihood::ErrorModel;
use crate::fit::population::{Npde, PopulationFit, PopulationRequest};
use crate::metrics::summary::normal_quantile;
use crate::plot::FigureSettings;
use crate::plot::{Reference, ScatterPoint};
use crate::present::NamedFile;
use crate::record::fit::NpdeEntry;

/// How the NPDE were computed, for population.json and the report.
const NPDE_METHOD: &str = "NPDE (Brendel et al. 2006, with decorrelation): per ID, the replicates' mean and covariance on the residual error's scale, observed and simulated vectors decorrelated by the inverse Cholesky factor, pde the fraction of decorrelated simulated values below the observation (0 and 1 replaced by 1/(2K) and 1 - 1/(2K)), NPDE = Phi^-1(pde); BLQ observations and simulated values below the LLOQ imputed from the predictive distribution below it (pd uniform in [0, pLOQ], the npde package's cdf method), seeded by the fit's seed";

/// The record entry of the NPDE.
pub(super) fn entry(npde: &Npde) -> NpdeEntry {
    NpdeEntry {
        method: NPDE_METHOD.to_string(),
        undecorrelated: npde.undecorrelated.clone(),
        summary: npde.summary,
    }
}

/// The warning for IDs whose NPDE are empty, if any.
pub fn npde_warning(npde: &Npde) -> Option<String> {
    let ids = &npde.undecorrelated;
    (!ids.is_empty()).then(|| {
        format!(
            "NPDE are empty for {} ID(s) ({}): fewer replicates than observations + 1, or a \
             singular covariance of the simulated observations; raise `--replicates`",
            ids.len(),
            ids.join(", ")
        )
    })
}

/// One line of NPDE statistics for the console summary.
pub(super) fn summary_line(npde: &Npde) -> String {
    let s = &npde.summary;
    format!(
        "NPDE ({} observations): mean {:.3} (p {:.3}), variance {:.3} (p {:.3}), skewness {:.3}, kurtosis {:.3}, KS p {:.3}, global p {:.3}\n",
        s.n,
        s.mean,
        s.mean_p_value,
        s.variance,
        s.variance_p_value,
        s.skewness,
        s.kurtosis,
        s.ks_p_value,
        s.global_p_value
    )
}

/// NPDE against time and PRED, and their QQ plot.
pub(super) fn figures(
    request: &PopulationRequest,
    fit: &PopulationFit,
    npde: &Npde,
    look: &FigureSettings,
) -> Result<Vec<NamedFile>, Diagnostic> {
    let residuals = fit.subjects.iter().flat_map(|s| &s.residuals);
    let pairs: Vec<(f64, f64, f64, bool)> = (residuals.zip(&npde.values))
        .filter(|(_, value)| value.is_finite())
        .map(|(r, &value)| (r.observation.time, r.pred, value, r.observation.censored))
        .collect();
    let point = |x: f64, y: f64, censored: bool| ScatterPoint { x, y, censored };
    let mut sorted: Vec<f64> = pairs.iter().map(|p| p.2).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let time = request.model.time_label();
    let log = request.error == ErrorModel::LogAdditive;
    let scatters = [
        Scatter {
            file: "npde_time",
            title: "Normalised prediction distribution errors versus time",
            x_label: &time,
            y_label: "NPDE",
            points: pairs.iter().map(|p| point(p.0, p.2, p.3)).collect(),
            reference: Reference::Zero { log_x: false },
        },
        Scatter {
            file: "npde_pred",
            title: "Normalised prediction distribution errors versus population prediction",
            x_label: "PRED",
            y_label: "NPDE",
            points: pairs.iter().map(|p| point(p.1, p.2, p.3)).collect(),
            reference: Reference::Zero { log_x: log },
        },
        Scatter {
            file: "npde_qq",
            title: "NPDE quantiles against N(0, 1) quantiles",
            x_label: "N(0, 1) quantile",
            y_label: "NPDE",
            points: (sorted.iter().enumerate())
                .map(|(i, &v)| point(normal_quantile((i as f64 + 0.5) / n), v, false))
                .collect(),
            reference: Reference::Identity { log: false },
        },
    ];
    draw_scatters(&scatters, look)
}
