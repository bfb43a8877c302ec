//! `trial` presentation: operating_characteristics.csv, trials.csv, patients.csv (through a
//! caller's `Write`), the figures and trial.json.

mod figures;

use super::NamedFile;
use crate::csv::number_cell;
use crate::csv::text_cell;
use crate::diag::Diagnostic;
use crate::plot::FigureSettings;
use crate::record::provenance::Provenance;
use crate::record::run::{HashedFile, RunInputs};
use crate::record::trial::{DesignRecord, ReadoutRecord, TrialRecord, TrialTotals};
use crate::record::{Record, to_json};
use crate::trial::{Design, ELIMINATION_CUTOFF};
use crate::virtual_trial::{OperatingCharacteristics, Readout, TrialResult, VirtualTrial};
use std::io::{self, Write};

/// Header of operating_characteristics.csv.
pub const OPERATING_CHARACTERISTICS_HEADER: &str = "level,p_dlt,p_dlt_se,p_response,p_response_se,selected_percent,patients_mean,dlts_mean,responses_mean";

/// operating_characteristics.csv: a row per level, then `none` (trials selecting no dose).
pub fn operating_characteristics_csv(oc: &OperatingCharacteristics) -> String {
    let mut text = format!("{OPERATING_CHARACTERISTICS_HEADER}\n");
    for row in &oc.levels {
        let (p_response, p_response_se) = row.p_response.unwrap_or((f64::NAN, f64::NAN));
        let cells = [
            row.p_dlt.0,
            row.p_dlt.1,
            p_response,
            p_response_se,
            row.selected_percent,
            row.patients_mean,
            row.dlts_mean,
            row.responses_mean,
        ];
        let cells: Vec<String> = cells.into_iter().map(number_cell).collect();
        text.push_str(&format!("{},{}\n", text_cell(&row.level), cells.join(",")));
    }
    text.push_str(&format!("none,,,,,{},,,\n", number_cell(oc.none_percent)));
    text
}

/// trials.csv: one row per trial (from 1): the selected level (`none`), patients, DLTs,
/// responses (empty without an efficacy readout), the duration in months (with accrual) and
/// why it stopped.
pub fn trials_csv(virtual_trial: &VirtualTrial, result: &TrialResult) -> String {
    let accrual = virtual_trial.accrual_per_month.is_some();
    let duration = if accrual { ",duration_months" } else { "" };
    let mut text = format!("trial,selected,patients,dlts,responses{duration},stop\n");
    for (k, run) in result.runs.iter().enumerate() {
        let trial = &run.trial;
        let selected = trial
            .selected
            .map_or("none", |l| &virtual_trial.levels()[l].scenario);
        let dlts = trial.patients.iter().filter(|p| p.dlt).count();
        let responses = match virtual_trial.efficacy {
            Some(_) => trial
                .patients
                .iter()
                .filter(|p| p.response)
                .count()
                .to_string(),
            None => String::new(),
        };
        let duration = match virtual_trial.duration_months(run) {
            Some(months) => format!(",{}", number_cell(months)),
            None => String::new(),
        };
        text.push_str(&format!(
            "{},{},{},{dlts},{responses}{duration},{}\n",
            k + 1,
            text_cell(selected),
            trial.patients.len(),
            text_cell(&trial.stop.to_string()),
        ));
    }
    text
}

/// patients.csv: every enrolled patient (trial and order from 1): cohort, level, the draw
/// (patient ID, covariates, random effects), DLT, response (0/1) and the toxicity output's
/// maximum in its window; `response` is empty without an efficacy readout.
pub fn patients_table(
    virtual_trial: &VirtualTrial,
    result: &TrialResult,
    out: &mut dyn Write,
) -> io::Result<()> {
    let study = &virtual_trial.study;
    let covariates: String = (study.covariate_names().iter())
        .map(|n| format!(",{n}"))
        .collect();
    let etas: String = (study.population.effects.parameters.iter())
        .map(|p| format!(",eta_{}", p.1))
        .collect();
    let maximum = format!("{}_max", virtual_trial.toxicity.output);
    writeln!(
        out,
        "trial,order,cohort,level,patient{covariates}{etas},dlt,response,{maximum}"
    )?;
    for (k, run) in result.runs.iter().enumerate() {
        for (patient, record) in run.trial.patients.iter().zip(&run.patients) {
            let level = text_cell(&virtual_trial.levels()[patient.level].scenario);
            let subject = &record.subject;
            write!(
                out,
                "{},{},{},{level},{}",
                k + 1,
                patient.order,
                patient.cohort,
                subject.id
            )?;
            for value in subject
                .covariates
                .iter()
                .map(|c| c.1)
                .chain(subject.etas.iter().copied())
            {
                write!(out, ",{}", number_cell(value))?;
            }
            let (dlt, response) = (u8::from(patient.dlt), u8::from(patient.response));
            writeln!(
                out,
                ",{dlt},{response},{}",
                number_cell(record.treated.toxicity_max)
            )?;
        }
    }
    Ok(())
}

/// The tables (but patients.csv) and figures of a finished virtual trial.
pub fn files(
    virtual_trial: &VirtualTrial,
    result: &TrialResult,
    oc: &OperatingCharacteristics,
    look: &FigureSettings,
) -> Result<Vec<NamedFile>, Diagnostic> {
    let mut files = vec![
        NamedFile::new(
            "operating_characteristics.csv",
            operating_characteristics_csv(oc),
        ),
        NamedFile::new("trials.csv", trials_csv(virtual_trial, result)),
    ];
    files.extend(figures::figures(virtual_trial, result, oc, look)?);
    Ok(files)
}

/// What the command adds to trial.json besides the trial and its results.
pub struct RecordSettings {
    pub command: Vec<String>,
    pub trial_file: HashedFile,
    pub inputs: RunInputs,
    pub threads: usize,
    pub wall_time_seconds: f64,
    pub provenance: Option<Provenance>,
}

fn readout(readout: &Readout, time_unit: &str) -> ReadoutRecord {
    ReadoutRecord {
        output: readout.output.clone(),
        side: readout.side.word().to_string(),
        threshold: readout.threshold,
        window: readout.window,
        time_unit: time_unit.to_string(),
    }
}

fn design(design: &Design) -> DesignRecord {
    match design {
        Design::ThreePlusThree(d) => DesignRecord {
            kind: "3+3".into(),
            deescalate: Some(d.deescalate()),
            target: None,
            cohort: Some(crate::trial::THREE_PLUS_THREE_COHORT),
            max_n: None,
            escalate_at_or_below: None,
            deescalate_at_or_above: None,
            elimination_cutoff: None,
        },
        Design::Boin(d) => DesignRecord {
            kind: "boin".into(),
            deescalate: None,
            target: Some(d.target()),
            cohort: Some(d.cohort()),
            max_n: Some(d.max_n()),
            escalate_at_or_below: Some(d.boundaries().escalate),
            deescalate_at_or_above: Some(d.boundaries().deescalate),
            elimination_cutoff: Some(ELIMINATION_CUTOFF),
        },
    }
}

/// trial.json.
pub fn record(
    virtual_trial: &VirtualTrial,
    result: &TrialResult,
    oc: &OperatingCharacteristics,
    settings: RecordSettings,
) -> TrialRecord {
    let unit = &virtual_trial.study.model.time_unit;
    let trials = oc.trials.max(1) as f64;
    let se_max = (oc.levels.iter().map(|l| l.selected_percent))
        .chain([oc.none_percent])
        .map(|percent| {
            let p = percent / 100.0;
            100.0 * (p * (1.0 - p) / trials).sqrt()
        })
        .fold(0.0, f64::max);
    let start = virtual_trial.design.start();
    TrialRecord {
        format_version: TrialRecord::FORMAT_VERSION,
        cartsim_version: crate::version::VERSION.to_string(),
        cartsim_commit: crate::version::COMMIT.to_string(),
        command: settings.command,
        trial_file: settings.trial_file,
        inputs: settings.inputs,
        design: design(&virtual_trial.design),
        run: super::run::description(&virtual_trial.study),
        start: virtual_trial.levels()[start].scenario.clone(),
        toxicity: readout(&virtual_trial.toxicity, unit),
        efficacy: virtual_trial.efficacy.as_ref().map(|r| readout(r, unit)),
        trials: oc.trials,
        seed: virtual_trial.seed,
        reference_patients: virtual_trial.reference_patients,
        accrual_per_month: virtual_trial.accrual_per_month,
        totals: TrialTotals {
            none_selected_percent: oc.none_percent,
            patients_mean: oc.patients_mean,
            dlts_mean: oc.dlts_mean,
            responses_mean: (!oc.responses_mean.is_nan()).then_some(oc.responses_mean),
            duration_months_mean: oc.duration_mean,
            selected_percent_se_max: se_max,
        },
        simulations: result.simulations,
        threads: settings.threads,
        wall_time_seconds: settings.wall_time_seconds,
        provenance: settings.provenance,
    }
}

/// trial.json as bytes.
pub fn record_json(record: &TrialRecord) -> NamedFile {
    NamedFile::new(TrialRecord::FILE, to_json(record))
}
