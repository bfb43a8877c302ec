//! The figures of `cartsim trial`: selection per level beside the true probabilities, patients
//! and DLTs per trial at each level, and example trial paths.

use crate::diag::Diagnostic;
use crate::plot::{
    BarGroup, FigureSettings, PlotError, Rendered, TrialPath, grouped_bars_figure, paths_figure,
};
use crate::present::NamedFile;
use crate::virtual_trial::{OperatingCharacteristics, TrialResult, VirtualTrial};

/// Trials drawn as example paths.
pub const EXAMPLE_PATHS: usize = 6;

fn failed(error: PlotError) -> Diagnostic {
    Diagnostic::new(format!("cannot draw the figures: {error}"))
}

/// figures/selection, figures/allocation and figures/paths in each format of `look`.
pub(super) fn figures(
    virtual_trial: &VirtualTrial,
    result: &TrialResult,
    oc: &OperatingCharacteristics,
    look: &FigureSettings,
) -> Result<Vec<NamedFile>, Diagnostic> {
    let toxicity = &virtual_trial.toxicity;
    let efficacy = virtual_trial.efficacy.as_ref();
    let percent = |p: Option<(f64, f64)>| p.map_or(f64::NAN, |(p, _)| 100.0 * p);
    let mut selection: Vec<BarGroup> = (oc.levels.iter())
        .map(|row| BarGroup {
            label: row.level.clone(),
            values: vec![
                row.selected_percent,
                percent(Some(row.p_dlt)),
                percent(row.p_response),
            ],
        })
        .collect();
    selection.push(BarGroup {
        label: "none".into(),
        values: vec![oc.none_percent, f64::NAN, f64::NAN],
    });
    let mut groups = vec![("selected (% of trials)", 0), ("true P(DLT) (%)", 3)];
    if efficacy.is_some() {
        groups.push(("true P(response) (%)", 2));
    }
    let design = design_name(virtual_trial);
    let unit = &virtual_trial.study.model.time_unit;
    let mut describe = format!("DLT: {}", toxicity.describe("within", unit));
    if let Some(efficacy) = efficacy {
        describe.push_str(&format!("; response: {}", efficacy.describe("by", unit)));
    }
    let trials = oc.trials;
    let selection = grouped_bars_figure(
        &format!("{design}: dose selected in {trials} virtual trials"),
        "percent",
        &describe,
        &groups,
        &selection,
        Some(100.0),
        look,
    )
    .map_err(failed)?;
    let allocation: Vec<BarGroup> = (oc.levels.iter())
        .map(|row| BarGroup {
            label: row.level.clone(),
            values: vec![row.patients_mean, row.dlts_mean, row.responses_mean],
        })
        .collect();
    let mut groups = vec![("patients", 0), ("DLTs", 3)];
    if efficacy.is_some() {
        groups.push(("responses", 2));
    }
    let allocation = grouped_bars_figure(
        &format!("{design}: patients, DLTs and responses per trial"),
        "mean per trial",
        "dose level",
        &groups,
        &allocation,
        None,
        look,
    )
    .map_err(failed)?;
    let paths = paths(virtual_trial, result, &design, look)?;
    let mut files = NamedFile::figure("figures/selection", selection);
    files.extend(NamedFile::figure("figures/allocation", allocation));
    files.extend(NamedFile::figure("figures/paths", paths));
    Ok(files)
}

/// The first trials' paths, each labelled with its selection.
fn paths(
    virtual_trial: &VirtualTrial,
    result: &TrialResult,
    design: &str,
    look: &FigureSettings,
) -> Result<Rendered, Diagnostic> {
    let names = virtual_trial.level_names();
    let paths: Vec<TrialPath> = (result.runs.iter().take(EXAMPLE_PATHS).enumerate())
        .map(|(k, run)| TrialPath {
            label: format!(
                "trial {}: {} selected",
                k + 1,
                run.trial.selected.map_or("none", |l| names[l])
            ),
            patients: (run.trial.patients.iter())
                .map(|p| (p.order, p.level + 1, p.dlt))
                .collect(),
        })
        .collect();
    let title = format!("{design}: the first {} trials", paths.len());
    paths_figure(&title, names.len(), &paths, look).map_err(failed)
}

/// The design as figure titles name it.
fn design_name(virtual_trial: &VirtualTrial) -> String {
    match &virtual_trial.design {
        crate::trial::Design::ThreePlusThree(d) if d.deescalate() => {
            "3+3 (with de-escalation)".into()
        }
        crate::trial::Design::ThreePlusThree(_) => "3+3".into(),
        crate::trial::Design::Boin(d) => format!("BOIN (target {})", d.target()),
    }
}
