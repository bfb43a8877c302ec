//! `cartsim report DIR [--format html|md] [--out FILE]`: the report of an output folder of
//! `simulate`, `run`, `fit`, `trial` or `calibrate` (written by `report_files`).

use super::Failure;
use super::report_files::write_report;
use crate::report::Format;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct ReportArgs {
    /// The output folder of `cartsim simulate`, `run`, `fit`, `trial` or `calibrate`.
    dir: PathBuf,
    /// The document format.
    #[arg(long, value_enum, default_value = "html")]
    format: Format,
    /// The report file [default: DIR/report.html or DIR/report.md].
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn report(args: &ReportArgs) -> Result<(), Failure> {
    let written = write_report(&args.dir, args.format, args.out.as_deref())?;
    println!("wrote {}", written.display());
    Ok(())
}
