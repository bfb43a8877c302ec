//! `cartsim report DIR [--format html|md] [--out FILE]`: reads an output folder of `simulate`,
//! `run` or `fit` (and the input files its provenance.json names) and writes one report,
//! atomically; `run --report` and `fit --report` call it at the end of a run.

use super::Failure;
use crate::diag::Diagnostic;
use crate::output::Staging;
use crate::report::provenance::{FILE as PROVENANCE, Kind, Provenance};
use crate::report::{Folder, Format, gather, render};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ReportArgs {
    /// The output folder of `cartsim simulate`, `cartsim run` or `cartsim fit`.
    dir: PathBuf,
    /// html: one self-contained file; md: Markdown beside the folder's PNG figures.
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

/// Writes the report of `dir`; returns the file written.
pub(super) fn write_report(
    dir: &Path,
    format: Format,
    out: Option<&Path>,
) -> Result<PathBuf, Failure> {
    let provenance = read_provenance(dir)?;
    let optional = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let record_file = match provenance.kind {
        Kind::Fit => "fit.json",
        Kind::Population => "population.json",
        Kind::Simulate | Kind::Run => "run.json",
    };
    let record = optional(record_file)
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let figures = figures(dir)?;
    let inputs = (provenance.inputs.iter())
        .map(|input| {
            let relative = Path::new(&input.path);
            let candidates = [
                input.absolute_path.as_ref().map(PathBuf::from),
                (provenance.working_directory.as_ref()).map(|w| Path::new(w).join(relative)),
                Some(relative.to_path_buf()),
            ];
            candidates
                .into_iter()
                .flatten()
                .find_map(|path| std::fs::read_to_string(path).ok())
        })
        .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let kind = provenance.kind;
    let mut data = gather(Folder {
        provenance,
        record,
        summary_csv: (kind == Kind::Run)
            .then(|| optional("summary.csv"))
            .flatten(),
        metrics_csv: (kind == Kind::Simulate)
            .then(|| optional("metrics.csv"))
            .flatten(),
        estimates_csv: matches!(kind, Kind::Fit | Kind::Population)
            .then(|| optional("estimates.csv"))
            .flatten(),
        figures,
        inputs,
        date: crate::report::format::utc_timestamp(now),
    });
    let target = out.map_or_else(|| dir.join(format.file_name()), Path::to_path_buf);
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = (target.file_name())
        .map(|n| n.to_string_lossy().to_string())
        .ok_or_else(|| {
            Diagnostic::new(format!("`--out {}` names no file", target.display()))
                .hint("give a file name, e.g. `--out report.html`")
        })?;
    let mut staging = Staging::new(&folder)?;
    if format == Format::Md && !same_folder(&folder, dir) {
        // The Markdown refers to its figures by relative path: copy them beside it.
        let stem = name.trim_end_matches(".md");
        for figure in &mut data.results.figures {
            let copy = format!("{stem}_files/{}", figure.file);
            let png = std::fs::read(dir.join(&figure.file)).map_err(|e| {
                Diagnostic::new(format!(
                    "cannot read `{}`: {e}",
                    dir.join(&figure.file).display()
                ))
            })?;
            staging.write(&copy, &png)?;
            figure.file = copy;
        }
    }
    let text = render(&data, format).map_err(|message| {
        Diagnostic::new(message)
            .note("this is a bug in cartsim's report templates; please report it")
    })?;
    staging.write(&name, text.as_bytes())?;
    staging.commit()?;
    Ok(target)
}

fn read_provenance(dir: &Path) -> Result<Provenance, Failure> {
    let shown = dir.display();
    if !dir.is_dir() {
        return Err(Diagnostic::new(format!("`{shown}` is not a folder"))
            .hint("give the output folder of `cartsim simulate`, `cartsim run` or `cartsim fit`, e.g. `cartsim report output/stein2019`")
            .into());
    }
    let path = dir.join(PROVENANCE);
    let text = std::fs::read_to_string(&path).map_err(|error| {
        let hint = if dir.join("shard_state.json").exists() {
            "this is one shard of a run: merge the shards with `cartsim merge` and report on the merged folder".to_string()
        } else {
            format!("run `cartsim simulate MODEL --out {shown}`, `cartsim run RUN.yaml --out {shown}` or `cartsim fit ... --out {shown}` (with this version of cartsim) first")
        };
        Diagnostic::new(format!(
            "`{shown}` has no readable {PROVENANCE} ({error}): it is not a cartsim output folder"
        ))
        .hint(hint)
    })?;
    serde_json::from_str(&text).map_err(|error| {
        Diagnostic::new(format!(
            "`{}` is not a provenance record cartsim can read: {error}",
            path.display()
        ))
        .hint(
            "it was written by another version of cartsim or edited by hand: run the command again",
        )
        .into()
    })
}

/// The PNG figures of a folder (top level, then figures/), in report order.
fn figures(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, Failure> {
    let mut names = Vec::new();
    for sub in ["", "figures"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        let mut here: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(String::from))
            .filter(|n| n.ends_with(".png") && !n.starts_with('.'))
            .map(|n| {
                if sub.is_empty() {
                    n
                } else {
                    format!("{sub}/{n}")
                }
            })
            .collect();
        here.sort_by_key(|n| crate::report::figure_order(n));
        names.extend(here);
    }
    names
        .into_iter()
        .map(|name| {
            let path = dir.join(&name);
            std::fs::read(&path).map(|png| (name, png)).map_err(|e| {
                Diagnostic::new(format!("cannot read `{}`: {e}", path.display())).into()
            })
        })
        .collect()
}

fn same_folder(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
