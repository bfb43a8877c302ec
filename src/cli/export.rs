//! `cartsim export`: a model file written in another tool's format (SBML Level 3 Version 2,
//! an mrgsolve model, an nlmixr2 model function).

use super::Failure;
use crate::diag::Diagnostic;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Formats a model can be exported to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// SBML Level 3 Version 2 core.
    Sbml,
    /// An mrgsolve model file ($PARAM, $INIT/$CMT, $MAIN, $ODE, $TABLE, $CAPTURE).
    Mrgsolve,
    /// An nlmixr2 model function (ini() and an rxode2 model() block).
    Nlmixr2,
}

impl ExportFormat {
    /// The extension of the file written when `--out` is not given.
    fn extension(self) -> &'static str {
        match self {
            ExportFormat::Sbml => "xml",
            ExportFormat::Mrgsolve => "cpp",
            ExportFormat::Nlmixr2 => "R",
        }
    }
}

#[derive(Args)]
pub struct ExportArgs {
    /// The model file (YAML).
    model: PathBuf,
    /// The format to write.
    #[arg(long, value_enum)]
    to: ExportFormat,
    /// The file to write (default: the model file's name with `.xml`, `.cpp` or `.R`).
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
    let exported = match args.to {
        ExportFormat::Sbml => crate::sbml::export(&loaded.spec),
        ExportFormat::Mrgsolve => crate::export::mrgsolve(&loaded.spec),
        ExportFormat::Nlmixr2 => crate::export::nlmixr2(&loaded.spec),
    };
    let exported = exported.map_err(|d| d.note(format!("exporting `{file}`")))?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.model.with_extension(args.to.extension()));
    let name = out.display().to_string();
    if out.exists() && !args.force {
        return Err(Diagnostic::new(format!("`{name}` exists"))
            .hint("give another `--out`, or `--force` to replace it")
            .into());
    }
    std::fs::write(&out, exported)
        .map_err(|e| Diagnostic::new(format!("cannot write `{name}`: {e}")))?;
    println!("{file} -> {name}");
    Ok(())
}
