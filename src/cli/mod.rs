//! The command line: argument types, dispatch, and exit codes (0 ok, 1 bad input or failed
//! run, 2 usage, 130/143 stopped by SIGINT/SIGTERM). Each subcommand turns its arguments into
//! settings and calls the pipeline.

mod calibrate;
mod check;
mod choices;
mod completions;
mod console;
mod dataset;
mod export;
mod figures;
mod fit;
mod import;
mod merge;
mod models;
mod provenance;
mod report;
mod report_files;
mod run;
mod run_files;
mod run_tables;
mod sensitivity;
mod simulate;
mod trial;
mod values;

use crate::diag::Diagnostic;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
pub use completions::{write_completions, write_man_page};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cartsim",
    version = crate::version::LONG_VERSION,
    about = "Simulate CAR T-cell therapy models written in YAML"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// No warnings, notes or progress on stderr (errors are still shown).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// More on stderr: solver decisions (such as `auto` switching to BDF).
    #[arg(short, long, global = true)]
    verbose: bool,
    /// Colour cartsim's messages: auto (when stderr is a terminal and NO_COLOR is unset),
    /// always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = console::ColorWhen::Auto)]
    color: console::ColorWhen,
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
    /// Simulate a dose-escalation trial (3+3 or BOIN) many times over virtual patients of a
    /// run file's population: operating characteristics, trial paths and figures.
    Trial(trial::TrialArgs),
    /// Calibrate a run file's population (typical values, variability) to published results:
    /// responder counts, medians and percentiles per scenario, with profile intervals.
    Calibrate(calibrate::CalibrateArgs),
    /// Merge the output folders of `cartsim run --shard K/N` into one run's files.
    Merge(merge::MergeArgs),
    /// Write a report (self-contained HTML, or Markdown with its figures) of the output folder
    /// of `simulate`, `run`, `fit`, `trial` or `calibrate`.
    Report(report::ReportArgs),
    /// Export a model file to another format (SBML Level 3 Version 2).
    Export(export::ExportArgs),
    /// Import an SBML model (Level 2 or 3 core) as a cartsim model file.
    Import(import::ImportArgs),
    /// Check model, run, trial and calibration files and print `ok` or every problem found.
    Check(check::CheckArgs),
    /// List the shipped models (usable by name anywhere: `cartsim simulate stein2019`), or
    /// copy the library (models, run, trial and calibration files) into a folder to edit.
    Models(models::ModelsArgs),
    /// Print a shell completion script (e.g. `cartsim completions bash > ~/.local/share/bash-completion/completions/cartsim`).
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff; e.g. `cartsim man > ~/.local/share/man/man1/cartsim.1`).
    Man,
}

/// A failed command: the diagnostics to print. Always exit code 1.
pub struct Failure(pub Vec<Diagnostic>);

impl From<Diagnostic> for Failure {
    fn from(diagnostic: Diagnostic) -> Self {
        Failure(vec![diagnostic])
    }
}

pub fn main() -> ExitCode {
    let parsed = Cli::command()
        .color(color_before_parsing().clap())
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
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
    console::set(cli.quiet, cli.verbose, cli.color);
    crate::interrupt::stop_on_signals();
    let Some(result) = quiet_on_broken_pipe(|| dispatch(cli.command)) else {
        return ExitCode::SUCCESS;
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(diagnostics)) => match crate::interrupt::requested() {
            Some(signal) => {
                console::errors(&[crate::interrupt::stopped(signal)]);
                ExitCode::from(u8::try_from(128 + signal).unwrap_or(1))
            }
            None => {
                console::errors(&diagnostics);
                ExitCode::from(1)
            }
        },
    }
}

/// `--color WHEN` read ahead of clap, so that clap's own help and usage errors follow it too.
fn color_before_parsing() -> console::ColorWhen {
    use clap::ValueEnum;
    let arguments: Vec<String> = std::env::args().collect();
    let given = (arguments.iter().enumerate()).find_map(|(i, argument)| match argument.as_str() {
        "--color" => arguments.get(i + 1).map(String::as_str),
        other => other.strip_prefix("--color="),
    });
    given
        .and_then(|when| console::ColorWhen::from_str(when, false).ok())
        .unwrap_or(console::ColorWhen::Auto)
}

fn dispatch(command: Command) -> Result<(), Failure> {
    match command {
        Command::Simulate(args) => simulate::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Fit(args) => fit::fit(&args),
        Command::Sensitivity(args) => sensitivity::sensitivity(&args),
        Command::Trial(args) => trial::trial(&args),
        Command::Calibrate(args) => calibrate::calibrate(&args),
        Command::Merge(args) => merge::merge(&args),
        Command::Report(args) => report::report(&args),
        Command::Export(args) => export::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Check(args) => check::check(&args),
        Command::Models(args) => models::models(&args),
        Command::Completions(args) => completions::completions(&args),
        Command::Man => completions::man(),
    }
}

/// Runs `command`; printing to a closed pipe (`cartsim models | head -1`) makes `println!`
/// panic, and that panic ends the command quietly (None) as Unix tools end. Other panics go on.
fn quiet_on_broken_pipe<T>(command: impl FnOnce() -> T) -> Option<T> {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !is_broken_pipe(info.payload()) {
            report(info);
        }
    }));
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(command)) {
        Ok(value) => Some(value),
        Err(payload) if is_broken_pipe(payload.as_ref()) => None,
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// Whether a panic is `println!` failing on a closed pipe.
fn is_broken_pipe(payload: &(dyn std::any::Any + Send)) -> bool {
    let text = (payload.downcast_ref::<String>().map(String::as_str))
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    text.starts_with("failed printing to stdout") && text.contains("Broken pipe")
}

/// Where progress is drawn: stderr when it is a terminal, nowhere otherwise.
fn progress_target() -> indicatif::ProgressDrawTarget {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() && !console::quiet() {
        indicatif::ProgressDrawTarget::stderr()
    } else {
        indicatif::ProgressDrawTarget::hidden()
    }
}

/// A progress bar counting `total` `things` (workers call `inc(1)` as each one finishes; the
/// bar redraws at its own pace), with the rate rounded to a whole number.
fn progress_bar(total: u64, things: &str) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressState, ProgressStyle};
    let bar = ProgressBar::with_draw_target(Some(total), progress_target());
    let template = format!("{{bar:40}} {{pos}}/{{len}} {things}, {{rate}}, eta {{eta}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.with_key(
            "rate",
            |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                let _ = write!(out, "{:.0}/s", state.per_sec());
            },
        ));
    }
    bar
}

/// Most worker threads `--threads` accepts: far above any one machine's cores, and low enough
/// that a typo (`--threads 100000`) does not spend minutes starting threads.
const MAX_THREADS: usize = 1024;

/// `--threads N`: 0 (all cores) to `MAX_THREADS`.
fn thread_count(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(count) if count <= MAX_THREADS => Ok(count),
        Ok(_) => Err(format!(
            "`{text}` is more than {MAX_THREADS} threads (the limit); use 0 or leave it out for all cores"
        )),
        Err(_) => Err(format!(
            "`{text}` is not a thread count (0 to {MAX_THREADS}; 0 means all cores)"
        )),
    }
}

/// A worker pool of `--threads` threads (all cores when 0 or not given), and how many it has.
fn worker_pool(requested: Option<usize>) -> Result<(rayon::ThreadPool, usize), Diagnostic> {
    let threads = match requested {
        Some(count) if count > 0 => count,
        _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Diagnostic::new(format!("cannot start {threads} worker threads: {e}")))?;
    Ok((pool, threads))
}

/// A line naming what the command is doing once the bar is done (e.g. writing figures).
fn phase(message: &'static str) -> indicatif::ProgressBar {
    let line = indicatif::ProgressBar::new_spinner();
    line.set_draw_target(progress_target());
    line.set_message(message);
    line.enable_steady_tick(std::time::Duration::from_millis(200));
    line
}

/// The text of the model file at `path` or, when there is no such file and `path` is a bare
/// name (no folder), of the shipped model it names (`crate::library::shipped_model`): a file
/// on disk wins.
pub fn read_model(path: &std::path::Path) -> Result<String, Failure> {
    let file = shown(path);
    if is_standard_input(path) {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes).map_err(|e| {
            Diagnostic::new(format!("cannot read the model from standard input: {e}"))
                .hint("pipe a model file's text in (`cat model.yaml | cartsim simulate -`)")
        })?;
        return utf8_text(&file, bytes);
    }
    match std::fs::read(path) {
        Ok(bytes) => utf8_text(&file, bytes),
        Err(error)
            if error.kind() == std::io::ErrorKind::NotFound
                && crate::library::is_bare_name(&file) =>
        {
            Ok(crate::library::shipped_model(&file)?.text.to_string())
        }
        Err(error) => Err(Diagnostic::new(format!("cannot read `{file}`: {error}"))
            .hint("check the path; a shipped model is named without a folder (`cartsim models` lists them)")
            .into()),
    }
}

/// The text of a file the command line read (`file` as messages name it): its bytes as
/// UTF-8, or the error at the first byte that is not, with how to save it as UTF-8.
pub fn utf8_text(file: &str, bytes: Vec<u8>) -> Result<String, Failure> {
    crate::diag::utf8_text(file, bytes).map_err(|diagnostic| {
        diagnostic
            .hint("save the file as UTF-8 (an editor's `Save as` with encoding UTF-8, or `iconv -f latin1 -t utf-8`)")
            .into()
    })
}

/// Whether a path argument is `-`, standard input.
pub fn is_standard_input(path: &std::path::Path) -> bool {
    path.as_os_str() == "-"
}

/// Refuses a model and a dataset both read from standard input (it holds one of them).
pub fn one_standard_input(model: &std::path::Path, data: &std::path::Path) -> Result<(), Failure> {
    match is_standard_input(model) && is_standard_input(data) {
        true => Err(
            Diagnostic::new("the model and the dataset are both `-` (standard input)")
                .hint("pipe one of them in and name the other by its path")
                .into(),
        ),
        false => Ok(()),
    }
}

/// A path as messages name it (`<standard input>` for `-`).
pub fn shown(path: &std::path::Path) -> String {
    match is_standard_input(path) {
        true => "<standard input>".to_string(),
        false => path.display().to_string(),
    }
}

/// Reads, loads and compiles a model file (or a shipped model named without a folder, or a
/// model piped in as `-`).
pub fn load(path: &std::path::Path) -> Result<(crate::model::Model, String), Failure> {
    let file = shown(path);
    let text = read_model(path)?;
    let loaded = crate::spec::load_model(&file, &text).map_err(Failure)?;
    let model = crate::model::compile(&loaded).map_err(Failure)?;
    Ok((model, text))
}
