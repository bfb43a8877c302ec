//! Writing the report of an output folder: reads the folder's records, tables and figures
//! (and the input files its provenance.json names) and writes one report, atomically. Used by
//! `cartsim report`, and by `run`, `fit`, `trial` and `calibrate` with `--report` at the end.

use super::Failure;
use crate::diag::Diagnostic;
use crate::output::Additions;
use crate::record::provenance::{FILE as PROVENANCE, Kind, Provenance};
use crate::report::{CommandRecord, FigureFiles, Folder, Format, check, gather, render};
use std::path::{Path, PathBuf};

/// Writes the report of `dir`; returns the file written.
pub(super) fn write_report(
    dir: &Path,
    format: Format,
    out: Option<&Path>,
) -> Result<PathBuf, Failure> {
    let provenance = read_provenance(dir)?;
    let Some(files) = provenance.files.clone() else {
        return Err(Diagnostic::new(format!(
            "`{}` lists no files: it was written by an older version of cartsim",
            dir.join(PROVENANCE).display()
        ))
        .hint("run the command that wrote the folder again, then report on it")
        .into());
    };
    let record = read_record(dir, provenance.kind, &files)?;
    let figures = figures(dir, &files)?;
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
                .or_else(|| shipped_input(&input.path))
        })
        .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let tables = read_tables(dir, &files, provenance.kind)?;
    let mut data = gather(Folder {
        provenance,
        record,
        summary_csv: tables.summary,
        metrics_csv: tables.metrics,
        estimates_csv: tables.estimates,
        operating_characteristics_csv: tables.operating_characteristics,
        targets_csv: tables.targets,
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
    let mut staging = Additions::new(&folder)?;
    if format == Format::Md && !same_folder(&folder, dir) {
        // The Markdown refers to its figures by relative path: copy them beside it.
        let stem = name.trim_end_matches(".md");
        for figure in &mut data.results.figures {
            let copy = format!("{stem}_files/{}", figure.file);
            let bytes = std::fs::read(dir.join(&figure.file)).map_err(|e| {
                Diagnostic::new(format!(
                    "cannot read `{}`: {e}",
                    dir.join(&figure.file).display()
                ))
            })?;
            staging.write(&copy, &bytes)?;
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

/// The tables a report of a `kind` folder shows, checked; `None` where the folder has none.
struct Tables {
    summary: Option<String>,
    metrics: Option<String>,
    estimates: Option<String>,
    operating_characteristics: Option<String>,
    targets: Option<String>,
}

fn read_tables(dir: &Path, files: &[String], kind: Kind) -> Result<Tables, Failure> {
    let table = |name: &str, shape: &check::Shape| -> Result<Option<String>, Failure> {
        if !files.iter().any(|f| f == name) {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&read_listed(dir, name)?).to_string();
        check::check_table(&dir.join(name).display().to_string(), &text, shape)?;
        Ok(Some(text))
    };
    let oc = "operating_characteristics.csv";
    Ok(Tables {
        summary: match kind {
            Kind::Run => table("summary.csv", &check::SUMMARY)?,
            _ => None,
        },
        metrics: match kind {
            Kind::Simulate => table("metrics.csv", &check::EXPOSURES)?,
            _ => None,
        },
        estimates: match kind {
            Kind::Fit | Kind::Population => table("estimates.csv", &check::ESTIMATES)?,
            _ => None,
        },
        operating_characteristics: match kind {
            Kind::Trial => table(oc, &crate::report::OPERATING_CHARACTERISTICS)?,
            _ => None,
        },
        targets: match kind {
            Kind::Calibrate => table("targets.csv", &crate::report::TARGETS)?,
            _ => None,
        },
    })
}

fn read_provenance(dir: &Path) -> Result<Provenance, Failure> {
    let shown = dir.display();
    if !dir.is_dir() {
        return Err(Diagnostic::new(format!("`{shown}` is not a folder"))
            .hint("give the output folder of `cartsim simulate`, `run`, `fit`, `trial` or `calibrate`, e.g. `cartsim report output/stein2019`")
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

/// The figures the record lists as PNG or SVG (top level, then figures/), in report order,
/// each in whichever of the two formats the record lists.
fn figures(dir: &Path, files: &[String]) -> Result<Vec<FigureFiles>, Failure> {
    let mut stems: Vec<&str> = (files.iter())
        .filter_map(|n| (n.strip_suffix(".png")).or_else(|| n.strip_suffix(".svg")))
        .collect();
    stems.sort_by_key(|&stem| (stem.contains('/'), crate::report::figure_order(stem), stem));
    stems.dedup();
    let read = |stem: &str, extension: &str| {
        let name = format!("{stem}.{extension}");
        let listed = files.contains(&name);
        let file = || Ok::<_, Failure>((name.clone(), read_listed(dir, &name)?));
        listed.then(file).transpose()
    };
    (stems.into_iter())
        .map(|stem| {
            Ok(FigureFiles {
                png: read(stem, "png")?,
                svg: read(stem, "svg")?,
            })
        })
        .collect()
}

/// The command's own record, read through its type when the folder lists it (like every file
/// a report reads); another `format_version` is refused.
fn read_record(dir: &Path, kind: Kind, files: &[String]) -> Result<Option<CommandRecord>, Failure> {
    let name = CommandRecord::file(kind);
    if !files.iter().any(|f| f == name) {
        return Ok(None);
    }
    let text = String::from_utf8_lossy(&read_listed(dir, name)?).to_string();
    let path = dir.join(name).display().to_string();
    Ok(Some(CommandRecord::read(kind, &text, &path)?))
}

/// A file the record lists, read only when it is a regular file inside the folder (a
/// symbolic link or a path leading out of the folder is refused).
fn read_listed(dir: &Path, name: &str) -> Result<Vec<u8>, Failure> {
    let path = dir.join(name);
    let shown = path.display();
    let plain = Path::new(name)
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    let inside = match (std::fs::canonicalize(dir), std::fs::canonicalize(&path)) {
        (Ok(folder), Ok(file)) => file.starts_with(folder),
        _ => false,
    };
    let regular = (path.symlink_metadata()).is_ok_and(|m| m.file_type().is_file());
    if !(plain && inside && regular) {
        return Err(Diagnostic::new(format!(
            "`{shown}`, listed in {PROVENANCE}, is not a file cartsim wrote (missing, a link, or outside the folder)"
        ))
        .hint("the folder was changed after the run: run the command again")
        .into());
    }
    std::fs::read(&path).map_err(|e| Diagnostic::new(format!("cannot read `{shown}`: {e}")).into())
}

fn same_folder(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The text of a shipped model an input names without a folder (`cartsim simulate stein2019`).
fn shipped_input(path: &str) -> Option<String> {
    crate::library::is_bare_name(path)
        .then(|| crate::library::shipped_model(path).ok())
        .flatten()
        .map(|model| model.text.to_string())
}
