//! `cartsim simulate --data FILE`: one run per ID of a NONMEM-style dataset, with its doses,
//! covariates and record times; what it writes is in `present::simulate::dataset_runs`.

use super::{SimulateArgs, commit};
use crate::cli::{Failure, console, dataset, provenance as prov};
use crate::data::{Dataset, simulate_subject};
use crate::model::Model;
use crate::present::simulate::{dataset_runs, failure};
use crate::record::provenance::{FILE as PROVENANCE, InputRole, Kind};
use crate::simulate::{RunTemplate, Simulation};
use rayon::prelude::*;
use std::path::Path;
use std::time::Instant;

pub(super) fn run(
    args: &SimulateArgs,
    (model, text): (&Model, &str),
    base: RunTemplate,
    path: &Path,
    started: Instant,
) -> Result<(), Failure> {
    let default_output = (args.output.as_deref())
        .map(|name| model.output_index(name))
        .transpose()?;
    let options = args.dataset.options(default_output, false);
    let (dataset, data_file) = dataset::read(path, model, &options)?;
    let simulations = simulate_each(model, &base, &dataset)?;
    let runs = || dataset.subjects.iter().zip(&simulations);
    let inputs = vec![
        prov::input(InputRole::Model, &args.model, text),
        data_file.input(),
    ];
    let mut provenance = prov::record(Kind::Simulate, inputs, &base.solver, started);
    provenance.n = simulations.len() as u64;
    provenance.warnings = dataset.warnings.clone();
    for (subject, simulation) in runs() {
        let id = &subject.id;
        provenance.add_simulation(Some(id), simulation);
        (provenance.warnings).extend(simulation.warnings.iter().map(|w| format!("ID {id}: {w}")));
    }
    let facts = data_file.facts(&dataset);
    let (settings, record) = (args.settings()?, provenance.clone());
    let files = dataset_runs(
        model,
        &settings,
        &base,
        &dataset,
        facts,
        &simulations,
        record,
    )
    .map_err(Failure)?;
    let nonmem = match &args.nonmem_out {
        Some(out) => Some((
            out,
            super::nonmem::dataset_text(args, model, &base, &dataset, &simulations)?,
        )),
        None => None,
    };
    commit(&args.destination(model), &files, provenance.clone())?;
    if let Some((out, text)) = nonmem {
        super::nonmem::write_file(&text, out)?;
    }
    for (subject, simulation) in runs() {
        if let (true, Some(switch)) = (console::verbose(), &simulation.method_switch) {
            console::note(format_args!(
                "ID {}: {}",
                subject.id,
                crate::record::provenance::switch_text(switch)
            ));
        }
    }
    for warning in &provenance.warnings {
        console::warn(warning);
    }
    let written = format!(
        "wrote {}/trajectory.csv, observations.csv, events.csv, run.json, {PROVENANCE}",
        args.destination(model).path.display()
    );
    if settings.figures.formats.is_empty() {
        println!("{written}; figures not drawn (`--figures none`)");
        return Ok(());
    }
    let figure_files = (files.iter())
        .filter(|f| f.name.starts_with("figures/"))
        .count();
    let figures = figure_files / settings.figures.formats.len();
    println!(
        "{written} and {} in figures/",
        crate::diag::count(figures, "figure"),
    );
    if figures < simulations.len() {
        println!(
            "figures drawn for {figures} of {} (the first ones; `--max-figures N` draws more)",
            crate::diag::count(simulations.len(), "ID")
        );
    }
    Ok(())
}

/// Every ID simulated, in parallel; a failure names its ID, and every failure is reported.
fn simulate_each(
    model: &Model,
    base: &RunTemplate,
    dataset: &Dataset,
) -> Result<Vec<Simulation>, Failure> {
    let results: Vec<_> = (dataset.subjects.par_iter())
        .map(|subject| {
            simulate_subject(model, base, subject).map_err(|error| {
                let mut diagnostic = failure(model, error);
                diagnostic.message = format!("ID {}: {}", subject.id, diagnostic.message);
                diagnostic
            })
        })
        .collect();
    let (simulations, problems): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
    if problems.is_empty() {
        Ok(simulations.into_iter().flatten().collect())
    } else {
        Err(Failure(
            problems.into_iter().filter_map(Result::err).collect(),
        ))
    }
}
