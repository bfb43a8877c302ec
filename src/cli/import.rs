//! `cartsim import`: an SBML model written as a cartsim model file, checked by the model
//! loader before it is written.

use super::Failure;
use super::values::positive;
use crate::diag::Diagnostic;
use crate::sbml::{ImportOptions, import};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ImportArgs {
    /// The SBML file (Level 2 or 3 core).
    model: PathBuf,
    /// The model file to write (default: the SBML file's name with `.yaml`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace the model file when it exists.
    #[arg(long)]
    force: bool,
    /// Name parameters, states and derived values by their SBML ids (default: by their SBML
    /// names where those are valid identifiers).
    #[arg(long)]
    ids: bool,
    /// The simulation's end, written into the model's `simulation:` block.
    #[arg(long, default_value_t = 100.0, value_parser = positive)]
    end: f64,
    /// The output interval, written into the model's `simulation:` block (default: end / 100).
    #[arg(long, value_parser = positive)]
    step: Option<f64>,
}

pub fn run(args: &ImportArgs) -> Result<(), Failure> {
    let file = args.model.display().to_string();
    let bytes = std::fs::read(&args.model).map_err(|error| {
        Diagnostic::new(format!("cannot read `{file}`: {error}")).hint("check the path")
    })?;
    let text = super::utf8_text(&file, bytes)?;
    let options = ImportOptions {
        sbml_ids: args.ids,
        end: args.end,
        step: args.step.unwrap_or(args.end / 100.0),
    };
    let yaml = import(&file, &text, &options)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.model.with_extension("yaml"));
    let out_name = out.display().to_string();
    let loaded = crate::spec::load_model(&out_name, &yaml)
        .map_err(|problems| not_loaded(&file, problems))?;
    crate::model::compile(&loaded).map_err(|problems| not_loaded(&file, problems))?;
    write_new(&out, &yaml, args.force)?;
    println!("{file} -> {out_name}");
    Ok(())
}

/// The imported text failed cartsim's own check: a gap in the importer, reported as such.
fn not_loaded(file: &str, mut problems: Vec<Diagnostic>) -> Failure {
    let first = Diagnostic::new(format!(
        "the model imported from `{file}` does not pass cartsim's check (an importer gap)"
    ))
    .hint("please report it with the SBML file; the problems follow");
    problems.insert(0, first);
    Failure(problems)
}

fn write_new(path: &Path, text: &str, force: bool) -> Result<(), Diagnostic> {
    let name = path.display().to_string();
    if path.exists() && !force {
        return Err(Diagnostic::new(format!("`{name}` exists"))
            .hint("give another `--out`, or `--force` to replace it"));
    }
    std::fs::write(path, text).map_err(|e| Diagnostic::new(format!("cannot write `{name}`: {e}")))
}
