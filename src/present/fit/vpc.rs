//! The files of a visual predictive check: vpc.csv (each time bin's observed and simulated
//! statistics), figures/vpc.png (simulated percentile bands with the observations and their
//! 5th, 50th and 95th percentiles per bin), figures/vpc_blq.png (observed BLQ fraction against
//! its simulated interval), and figures/vpc_pc.png (the prediction-corrected check, drawn as
//! vpc.png).

use super::draw_error;
use super::figures::{observed_point, y_label};
use crate::csv::number_cell;
use crate::diag::Diagnostic;
use crate::fit::population::PredictiveCheck;
use crate::model::Model;
use crate::plot::{Bands, FigureSettings, Interval, Rendered, intervals_figure};
use crate::present::NamedFile;
use std::fmt::Write;

/// vpc.csv: one row per time bin.
pub(super) fn csv(check: &PredictiveCheck) -> NamedFile {
    let mut text = String::from(
        "bin,time_low,time_high,time_median,n,replicates,observed_blq_fraction,simulated_blq_median,simulated_blq_p05,simulated_blq_p95",
    );
    for p in ["p05", "p50", "p95"] {
        let _ = write!(
            text,
            ",observed_{p},simulated_{p}_median,simulated_{p}_ci_low,simulated_{p}_ci_high"
        );
    }
    text.push('\n');
    for (b, bin) in check.bins.iter().enumerate() {
        let _ = write!(
            text,
            "{},{},{},{},{},{},{},{},{},{}",
            b + 1,
            bin.low,
            bin.high,
            bin.time,
            bin.observed.len(),
            check.replicates,
            bin.observed_blq,
            number_cell(bin.simulated_blq[0]),
            number_cell(bin.simulated_blq[1]),
            number_cell(bin.simulated_blq[2])
        );
        for (observed, simulated) in
            (bin.observed_percentiles.iter()).zip(&bin.simulated_percentiles)
        {
            let _ = write!(
                text,
                ",{},{},{},{}",
                number_cell(*observed),
                number_cell(simulated[0]),
                number_cell(simulated[1]),
                number_cell(simulated[2])
            );
        }
        text.push('\n');
    }
    NamedFile::new("vpc.csv", text)
}

/// The simulated percentile bands with the observations and their percentile lines.
fn bands(
    check: &PredictiveCheck,
    model: &Model,
    title: &str,
    look: &FigureSettings,
) -> Result<Rendered, Diagnostic> {
    let bins = &check.bins;
    let pick = |k: usize| bins.iter().map(|b| b.pooled[k]).collect::<Vec<_>>();
    let bands = Bands {
        times: bins.iter().map(|b| b.time).collect(),
        p05: pick(0),
        p25: pick(1),
        p50: pick(2),
        p75: pick(3),
        p95: pick(4),
        typical: Vec::new(),
        observed: (bins.iter().flat_map(|b| &b.observed))
            .map(observed_point)
            .collect(),
        observed_percentiles: [0, 1, 2]
            .map(|k| bins.iter().map(|b| b.observed_percentiles[k]).collect()),
        lloq: None,
    };
    let y_label = y_label(model, &[check.column]);
    crate::plot::bands_figure(title, &model.time_label(), &y_label, &bands, look)
        .map_err(draw_error("the visual predictive check"))
}

/// figures/vpc_pc: the prediction-corrected check.
pub(super) fn corrected_figure(
    check: &PredictiveCheck,
    model: &Model,
    look: &FigureSettings,
) -> Result<Vec<NamedFile>, Diagnostic> {
    let title = format!("Prediction-corrected VPC ({} replicates)", check.replicates);
    let drawn = bands(check, model, &title, look)?;
    Ok(NamedFile::figure("figures/vpc_pc", drawn))
}

/// The percentile bands with the observations, and the BLQ fractions when some observation
/// is BLQ.
pub(super) fn figures(
    check: &PredictiveCheck,
    model: &Model,
    look: &FigureSettings,
) -> Result<Vec<NamedFile>, Diagnostic> {
    let bins = &check.bins;
    let title = format!("Visual predictive check ({} replicates)", check.replicates);
    let failed = draw_error("the visual predictive check");
    let mut files = NamedFile::figure("figures/vpc", bands(check, model, &title, look)?);
    if !bins.iter().any(|b| b.observed_blq > 0.0) {
        return Ok(files);
    }
    let intervals: Vec<Interval> = (bins.iter())
        .map(|b| Interval {
            label: format!("t {}", (b.time * 1000.0).round() / 1000.0),
            estimate: b.observed_blq,
            low: b.simulated_blq[1],
            high: b.simulated_blq[2],
        })
        .collect();
    let blq = intervals_figure(
        "BLQ fraction per time bin: observed (point), simulated 90% interval (bar)",
        "fraction below LLOQ",
        &intervals,
        true,
        look,
    )
    .map_err(&failed)?;
    files.extend(NamedFile::figure("figures/vpc_blq", blq));
    Ok(files)
}
