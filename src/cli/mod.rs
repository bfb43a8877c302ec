//! The command line: argument types, dispatch, and exit codes (0 ok, 1 bad input or failed
//! run, 2 usage). Each subcommand turns its arguments into settings and calls the pipeline.

mod check;
mod dataset;
mod fit;
mod merge;
mod provenance;
mod report;
mod run;
mod sensitivity;
mod simulate;

use crate::diag::{Diagnostic, render_all};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cartsim",
    version,
    about = "Simulate CAR T-cell therapy models written in YAML"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate one model and write trajectory.csv, trajectory.png and run.json.
    Simulate(simulate::SimulateArgs),
    /// Run a run file: scenarios x grid x virtual population, in parallel, with metrics,
    /// summaries, percentile bands and figures.
    Run(run::RunArgs),
    /// Fit a model to each ID of a NONMEM-style dataset (maximum likelihood, BLQ by M3) and
    /// write estimates.csv, predictions.csv, fit.json and goodness-of-fit figures.
    Fit(fit::FitArgs),
    /// Sensitivity analysis of a run file's metrics: local coefficients and a tornado chart,
    /// Morris screening, or Sobol' indices with bootstrap intervals.
    Sensitivity(sensitivity::SensitivityArgs),
    /// Merge the output folders of `cartsim run --shard K/N` into one run's files.
    Merge(merge::MergeArgs),
    /// Write a report (self-contained HTML, or Markdown with its figures) of the output folder
    /// of `simulate`, `run` or `fit`.
    Report(report::ReportArgs),
    /// Check model files and print `ok` or every problem found.
    Check {
        /// Model files to check.
        #[arg(required = true)]
        models: Vec<std::path::PathBuf>,
    },
    /// List the shipped models.
    Models,
}

/// A failed command: the diagnostics to print. Always exit code 1.
pub struct Failure(pub Vec<Diagnostic>);

impl From<Diagnostic> for Failure {
    fn from(diagnostic: Diagnostic) -> Self {
        Failure(vec![diagnostic])
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Simulate(args) => simulate::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Fit(args) => fit::fit(&args),
        Command::Sensitivity(args) => sensitivity::sensitivity(&args),
        Command::Merge(args) => merge::merge(&args),
        Command::Report(args) => report::report(&args),
        Command::Check { models } => check::check(&models),
        Command::Models => check::models(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(diagnostics)) => {
            eprint!("{}", render_all(&diagnostics));
            ExitCode::from(1)
        }
    }
}

/// Reads, loads and compiles a model file.
/// A progress bar on stderr counting `total` `things`, drawn only when stderr is a terminal.
fn progress_bar(total: u64, things: &str) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    use std::io::IsTerminal;
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {things}, {{per_sec}}, eta {{eta}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

pub fn load(path: &std::path::Path) -> Result<(crate::model::Model, String), Failure> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| {
        Diagnostic::new(format!("cannot read `{file}`: {error}"))
            .hint("check the path; `cartsim models` lists the shipped models under models/")
    })?;
    let loaded = crate::spec::load_model(&file, &text).map_err(Failure)?;
    let model = crate::model::compile(&loaded).map_err(Failure)?;
    Ok((model, text))
}
