//! Captions of the figures a report shows, from their file names.

use crate::present::run::slug;

/// What a figure of a cartsim output folder shows, from its file name and the run's scenarios.
pub fn caption(file: &str, scenarios: &[String]) -> String {
    let stem = super::tables::figure_stem(file);
    let metric = |name: &str| match name {
        "cmax" => "Cmax".to_string(),
        "auc_0_28" => "AUC from day 0 to 28".to_string(),
        other => other.to_string(),
    };
    if let Some(rest) = stem.strip_prefix("bands_") {
        let which = (scenarios.iter())
            .find_map(|s| {
                let output = rest.strip_prefix(&slug(s))?.strip_prefix('_')?;
                Some(format!("{output} in scenario {s}"))
            })
            .unwrap_or_else(|| rest.to_string());
        return format!(
            "Population percentile bands (5-95%, 25-75%, median) and the typical subject: {which}."
        );
    }
    if let Some(k) = stem.strip_prefix("target_") {
        return format!(
            "Target {k}: the published value with its 95% interval (Wilson for a count), and the calibrated population's value."
        );
    }
    if let Some(quantity) = stem.strip_prefix("profile_") {
        return format!(
            "Profile likelihood of {}: the rise of -2 log-likelihood with the other estimates re-optimized; the 95% interval is where it stays below 3.84.",
            quantity.replacen('_', " ", 1)
        );
    }
    if let Some(output) = stem.strip_prefix("medians_") {
        return format!("Population median of {output} over time, one line per scenario.");
    }
    if let Some(page) = stem.strip_prefix("fits_") {
        return format!(
            "Individual fits, page {page}: observations (BLQ as open triangles at the LLOQ) and fitted curves per ID."
        );
    }
    if let Some(id) = stem.strip_prefix("ID_") {
        return format!("ID {id}: simulated curves with the observations over them.");
    }
    if stem == "cmax" || stem == "auc_0_28" {
        let what = metric(stem);
        return format!("Distribution of {what} per scenario (box: 25-75%, whiskers: 5-95%).");
    }
    FIXED_CAPTIONS
        .iter()
        .find(|(name, _)| *name == stem)
        .map_or_else(
            || format!("Figure {stem}."),
            |(_, caption)| caption.to_string(),
        )
}

/// Captions of figures with fixed file names.
const FIXED_CAPTIONS: [(&str, &str); 21] = [
    (
        "trajectory",
        "Every state and output of the model over time, one panel per unit; triangles on the \
         time axis mark doses, dashed lines the recorded events.",
    ),
    (
        "response",
        "Fraction of responders per scenario with Wilson 95% intervals.",
    ),
    (
        "relapse_free",
        "Relapse-free fraction of responders over time (Kaplan-Meier).",
    ),
    (
        "observed_vs_predicted",
        "Observed values against individual predictions, with the line of identity.",
    ),
    (
        "iwres_vs_time",
        "Individual weighted residuals against time.",
    ),
    (
        "iwres_vs_prediction",
        "Individual weighted residuals against the individual prediction.",
    ),
    (
        "dv_vs_pred",
        "Observed values against population predictions (PRED), with the line of identity.",
    ),
    (
        "dv_vs_ipred",
        "Observed values against individual predictions (IPRED) at the empirical Bayes estimates.",
    ),
    (
        "cwres_vs_time",
        "Conditional weighted residuals (CWRES) against time.",
    ),
    (
        "cwres_vs_pred",
        "Conditional weighted residuals (CWRES) against the population prediction.",
    ),
    (
        "npde_time",
        "Normalised prediction distribution errors (NPDE) against time, with 0 and ±1.96.",
    ),
    (
        "npde_pred",
        "Normalised prediction distribution errors (NPDE) against the population prediction.",
    ),
    (
        "npde_qq",
        "NPDE quantiles against standard normal quantiles, with the line of identity.",
    ),
    (
        "vpc_pc",
        "Prediction-corrected visual predictive check: observations and simulated percentiles scaled by each bin's median PRED over the observation's PRED.",
    ),
    (
        "random_effects",
        "Empirical Bayes estimates of the random effects (box: 25-75%, whiskers: 5-95%).",
    ),
    (
        "saem",
        "SAEM: every estimate after each iteration divided by its final value; the exploration phase (step 1) ends where the lines settle, the smoothing phase averages the rest.",
    ),
    (
        "vpc",
        "Visual predictive check: 50% and 90% prediction intervals of simulated replicates per time bin, observations over them.",
    ),
    (
        "selection",
        "How often the design selects each dose level (and no dose), beside each level's true probabilities of DLT and response from the reference patients.",
    ),
    (
        "allocation",
        "Patients, DLTs and responses per trial at each dose level (means over the simulated trials).",
    ),
    (
        "paths",
        "The first simulated trials: the level each patient was given, in enrolment order, with DLTs marked.",
    ),
    (
        "vpc_blq",
        "Fraction of samples below the LLOQ per time bin: observed (point) and the 90% interval of simulated replicates (bar).",
    ),
];
