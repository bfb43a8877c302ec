//! `cartsim export`: a model file written in another tool's format (SBML Level 3 Version 2).

use super::Failure;
use crate::diag::Diagnostic;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Formats a model can be exported to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// SBML Level 3 Version 2 core.
    Sbml,
}

#[derive(Args)]
pub struct ExportArgs {
    /// The model file (YAML).
    model: PathBuf,
    /// The format to write.
    #[arg(long, value_enum)]
    to: ExportFormat,
    /// The file to write (default: the model file's name with `.xml`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace the file when it exists.
    #[arg(long)]
    force: bool,
}

pub fn run(args: &ExportArgs) -> Result<(), Failure> {
    let (_, text) = super::load(&args.model)?;
    let file = args.model.display().to_string();
    let loaded = crate::spec::load_model(&file, &text).map_err(Failure)?;
    let ExportFormat::Sbml = args.to;
    let sbml =
        crate::sbml::export(&loaded.spec).map_err(|d| d.note(format!("exporting `{file}`")))?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.model.with_extension("xml"));
    let name = out.display().to_string();
    if out.exists() && !args.force {
        return Err(Diagnostic::new(format!("`{name}` exists"))
            .hint("give another `--out`, or `--force` to replace it")
            .into());
    }
    std::fs::write(&out, sbml)
        .map_err(|e| Diagnostic::new(format!("cannot write `{name}`: {e}")))?;
    println!("{file} -> {name}");
    Ok(())
}
