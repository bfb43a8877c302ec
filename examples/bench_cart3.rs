//! Benchmark: the cart3 virtual population simulated in parallel through the cartsim library.
//!
//! This is the cartsim side of `benches/cart3_vs_baseline.sh`, the counterpart of the hand-coded
//! baseline in `benches/cart3/baseline`. It loads and compiles `models/cart3.yaml` once, then,
//! for every subject of a population table (`ID,rho,alpha,gamma,T0`: any column other than `ID`
//! must name a model parameter), builds a [`RunPlan`] with the model file's doses, time grid and
//! solver settings (Dopri5, rtol 1e-6, atol 10, days 0..180 daily) and calls [`simulate`], across
//! a rayon pool of `--threads` threads. Only that loop is timed: reading files and compiling the
//! model are not.
//!
//! It prints one JSON line in the style of the baseline, with the median wall time over
//! `--repeats` runs and the median over subjects of the `EM` column at day 28, which should agree
//! with the baseline's `median_EM_day28` to about 1e-6 relative.
//!
//! ```text
//! cargo run --release --example bench_cart3 -- \
//!     --population benches/cart3/population/pop_10000.csv [--threads 2] [--repeats 3]
//! ```

use cartsim::model::{Model, compile};
use cartsim::simulate::{RunPlan, simulate};
use cartsim::solver::SolverOptions;
use cartsim::spec::{SolverName, load_model};
use clap::Parser;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// The output column and time whose median over subjects is reported.
const CHECK_COLUMN: &str = "EM";
const CHECK_TIME: f64 = 28.0;

#[derive(Parser)]
#[command(about = "Time cartsim on a cart3 virtual population (one JSON line on stdout)")]
struct Args {
    /// Population CSV with a header: `ID` and one column per varied parameter.
    #[arg(long)]
    population: PathBuf,
    /// Size of the rayon thread pool.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Timed runs of the whole population; the median wall time is reported.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    repeats: u32,
    /// Model file.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/models/cart3.yaml"))]
    model: PathBuf,
    /// Relative tolerance (default: the model file's).
    #[arg(long)]
    rtol: Option<f64>,
    /// Absolute tolerance (default: the model file's).
    #[arg(long)]
    atol: Option<f64>,
    /// Integration method (default: the model file's).
    #[arg(long, value_enum)]
    solver: Option<SolverName>,
}

/// One subject: its ID and full parameter vector.
struct Subject {
    id: String,
    parameters: Vec<f64>,
}

/// What one simulation contributes to the summary.
struct Outcome {
    check_value: f64,
    accepted_steps: u64,
    rhs_evaluations: u64,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench_cart3: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let model = load(&args.model)?;
    let subjects = read_population(&model, &args.population)?;
    if subjects.is_empty() {
        return Err(format!("{}: no subjects", args.population.display()));
    }
    let spec = &model.simulation;
    let solver = SolverOptions {
        method: args.solver.unwrap_or(spec.solver),
        rtol: args.rtol.unwrap_or(spec.rtol),
        atol: args.atol.unwrap_or(spec.atol),
        rk4_step: spec.rk4_step.unwrap_or(spec.grid(None).0 / 10.0),
        max_steps: spec.max_steps,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .map_err(|e| format!("cannot build a pool of {} threads: {e}", args.threads))?;

    let mut walls = Vec::new();
    let mut outcomes = Vec::new();
    for _ in 0..args.repeats {
        let started = Instant::now();
        outcomes = pool.install(|| {
            subjects
                .par_iter()
                .map(|subject| simulate_subject(&model, subject, solver))
                .collect::<Result<Vec<Outcome>, String>>()
        })?;
        walls.push(started.elapsed().as_secs_f64());
    }

    let n = subjects.len();
    let wall = median(&mut walls);
    let mut checks: Vec<f64> = outcomes.iter().map(|o| o.check_value).collect();
    let steps: u64 = outcomes.iter().map(|o| o.accepted_steps).sum();
    let evaluations: u64 = outcomes.iter().map(|o| o.rhs_evaluations).sum();
    println!(
        "{{\"peer\": \"cartsim\", \"method\": \"{:?}\", \"threads\": {}, \"n\": {n}, \"rtol\": {:e}, \"atol\": {:e}, \"repeats\": {}, \"wall_s\": {wall:.6}, \"subjects_per_s\": {:.3}, \"median_EM_day28\": {:e}, \"mean_steps\": {:.2}, \"mean_rhs_evaluations\": {:.2}}}",
        solver.method,
        args.threads,
        solver.rtol,
        solver.atol,
        args.repeats,
        n as f64 / wall,
        median(&mut checks),
        steps as f64 / n as f64,
        evaluations as f64 / n as f64,
    );
    Ok(())
}

fn load(path: &Path) -> Result<Model, String> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {file}: {e}"))?;
    let loaded = load_model(&file, &text).map_err(|d| cartsim::diag::render_all(&d))?;
    compile(&loaded).map_err(|d| cartsim::diag::render_all(&d))
}

/// Reads the population table: the model's parameter values with each row's columns set.
fn read_population(model: &Model, path: &Path) -> Result<Vec<Subject>, String> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {file}: {e}"))?;
    let mut lines = text.lines();
    let header = lines.next().ok_or_else(|| format!("{file}: empty file"))?;
    let columns = header
        .split(',')
        .map(|name| match name.trim() {
            "ID" => Ok(None),
            name => model
                .parameter_index(name)
                .map(Some)
                .ok_or_else(|| format!("{file}: column `{name}` is not a parameter of the model")),
        })
        .collect::<Result<Vec<Option<usize>>, String>>()?;
    let typical = model.parameter_values(None)?;
    let mut subjects = Vec::new();
    for (number, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != columns.len() {
            return Err(format!(
                "{file}:{}: {} cells, expected {}",
                number + 2,
                cells.len(),
                columns.len()
            ));
        }
        let mut subject = Subject {
            id: (number + 1).to_string(),
            parameters: typical.clone(),
        };
        for (cell, column) in cells.iter().zip(&columns) {
            match column {
                None => subject.id = cell.to_string(),
                Some(index) => {
                    subject.parameters[*index] = cell
                        .parse()
                        .map_err(|e| format!("{file}:{}: `{cell}`: {e}", number + 2))?;
                }
            }
        }
        subjects.push(subject);
    }
    Ok(subjects)
}

/// One subject, timed as part of the loop: doses, plan, simulation, the day-28 value.
fn simulate_subject(
    model: &Model,
    subject: &Subject,
    solver: SolverOptions,
) -> Result<Outcome, String> {
    let failed = |what: String| format!("subject {}: {what}", subject.id);
    let parameters = subject.parameters.clone();
    let mut plan = RunPlan::for_model(model, parameters, &model.default_regimen, None)
        .map_err(|d| failed(d.to_string()))?;
    plan.solver = solver;
    let simulation = simulate(model, &plan).map_err(|e| failed(format!("{e:?}")))?;
    let trajectory = &simulation.trajectory;
    let column = trajectory
        .columns
        .iter()
        .position(|c| c == CHECK_COLUMN)
        .ok_or_else(|| failed(format!("no column `{CHECK_COLUMN}`")))?;
    let row = trajectory
        .times
        .iter()
        .position(|&t| (t - CHECK_TIME).abs() < 1e-9)
        .ok_or_else(|| failed(format!("no output at time {CHECK_TIME}")))?;
    Ok(Outcome {
        check_value: trajectory.row(row)[column],
        accepted_steps: simulation.stats.accepted_steps,
        rhs_evaluations: simulation.stats.rhs_evaluations,
    })
}

/// The median (mean of the middle two for an even count), as in the baseline.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}
