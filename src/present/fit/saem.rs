//! What a SAEM population fit adds to its files: saem.csv (every estimate after each
//! iteration), the figure of those traces, the record's `saem` entry and the summary's line.

use crate::csv::number_cell;
use crate::diag::Diagnostic;
use crate::fit::population::{PopulationFit, SaemReport};
use crate::plot::{Figure, FigureSettings, Series, YScale, render_figure};
use crate::present::NamedFile;
use crate::record::fit::SaemEntry;
use std::fmt::Write;

/// The method as population.json describes it.
pub(super) const METHOD: &str = "SAEM: stochastic approximation EM (Kuhn and Lavielle 2005) with Metropolis-Hastings within Gibbs (three kernels) for the random effects, step 1 through the exploration phase (Omega annealed) and 1/k through the smoothing phase, closed-form M-step for typical values and Omega, residual error by maximum likelihood of the current samples, BLQ by M3; -2LL by importance sampling (multivariate t proposal with 5 degrees of freedom at each subject's conditional mean and covariance); standard errors from the FOCE-I objective at the estimates";

pub(super) fn entry(report: &SaemReport) -> SaemEntry {
    let settings = &report.settings;
    SaemEntry {
        exploration_iterations: settings.exploration,
        smoothing_iterations: settings.smoothing,
        chains_per_subject: report.chains,
        kernel_sweeps: settings.kernels,
        seed: settings.seed,
        simulations: report.simulations,
        importance_samples: report.importance.samples,
        importance_se: report.importance.standard_error,
        focei_minus_2_log_likelihood: report.focei_minus_2_log_likelihood,
    }
}

/// saem.csv and figures/saem (one file per format): the estimates (named as in estimates.csv) after each
/// iteration, iteration 0 the start.
pub(super) fn files(
    fit: &PopulationFit,
    report: &SaemReport,
    look: &FigureSettings,
) -> Result<Vec<NamedFile>, Diagnostic> {
    let names: Vec<&str> = fit.estimates.iter().map(|e| e.name.as_str()).collect();
    let mut text = format!("iteration,phase,{}\n", names.join(","));
    let exploration = report.settings.exploration as usize;
    for (iteration, values) in report.history.iter().enumerate() {
        let phase = if iteration <= exploration {
            "exploration"
        } else {
            "smoothing"
        };
        let cells: Vec<String> = values.iter().map(|&v| number_cell(v)).collect();
        let _ = writeln!(text, "{iteration},{phase},{}", cells.join(","));
    }
    let finals = report.history.last().cloned().unwrap_or_default();
    let series = (names.iter().enumerate())
        .map(|(k, name)| Series {
            name: (*name).to_string(),
            values: (report.history.iter())
                .map(|row| row[k] / finals[k])
                .collect(),
        })
        .collect();
    let figure = Figure {
        title: format!(
            "SAEM iterations ({} exploring, then smoothing)",
            report.settings.exploration
        ),
        x_label: "iteration".into(),
        y_label: "estimate / final estimate".into(),
        times: (0..report.history.len()).map(|k| k as f64).collect(),
        series,
        scale: YScale::Linear,
    };
    let drawn =
        render_figure(&figure, look).map_err(|e| Diagnostic::new(format!("figures/saem: {e}")))?;
    let mut files = vec![NamedFile::new("saem.csv", text)];
    files.extend(NamedFile::figure("figures/saem", drawn));
    Ok(files)
}

/// The summary's line on the likelihood and the sampler.
pub(super) fn summary_line(report: &SaemReport) -> String {
    format!(
        "  -2LL by importance sampling (Monte Carlo SE {:.3}, {} draws per ID); FOCE-I approximation {:.4}; {} chains per ID, {} simulations\n",
        report.importance.standard_error,
        report.importance.samples,
        report.focei_minus_2_log_likelihood,
        report.chains,
        report.simulations
    )
}
