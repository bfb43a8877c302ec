//! `cartsim models`: the shipped library listed (as text or JSON), or copied into a folder to
//! edit (models, run, trial and calibration files, keeping their relative paths).

use super::Failure;
use super::values::TextOrJson;
use crate::diag::Diagnostic;
use crate::library::{FILES, shipped_models};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ModelsArgs {
    /// Write the library (models, runs/, trials/, calibrations/) into this folder to edit.
    #[arg(long, value_name = "DIR")]
    copy: Option<PathBuf>,
    /// With `--copy`: overwrite files of the same names already in the folder.
    #[arg(long, requires = "copy")]
    force: bool,
    /// `text` for people, `json` for scripts (an array with one object per model).
    #[arg(long, value_enum, default_value_t = TextOrJson::Text, conflicts_with = "copy")]
    format: TextOrJson,
}

/// A shipped model as `models --format json` lists it.
#[derive(serde::Serialize)]
struct ListedModel {
    /// What it is called by: `cartsim simulate <stem>`.
    stem: &'static str,
    /// Its path in the library (`models/<file>`).
    file: String,
    /// The model's own `name` (its default output folder).
    name: String,
    title: Option<String>,
    reference: Option<String>,
}

pub fn models(args: &ModelsArgs) -> Result<(), Failure> {
    if let Some(folder) = &args.copy {
        return copy(folder, args.force);
    }
    let mut listed = Vec::new();
    for model in shipped_models() {
        let loaded = crate::spec::load_model(model.file, model.text).map_err(Failure)?;
        let spec = loaded.spec;
        listed.push(ListedModel {
            stem: model.stem(),
            file: format!("models/{}", model.file),
            name: spec.name,
            title: spec.title,
            reference: spec.reference,
        });
    }
    match args.format {
        TextOrJson::Json => println!("{}", super::values::json(&listed)),
        TextOrJson::Text => {
            for model in &listed {
                println!("{}", model.file);
                println!("  name:      {}", model.name);
                println!("  title:     {}", model.title.as_deref().unwrap_or("-"));
                println!("  reference: {}", model.reference.as_deref().unwrap_or("-"));
            }
        }
    }
    Ok(())
}

/// Writes every library file into `folder`; refuses, writing nothing, when any is already
/// there, unless `force`.
fn copy(folder: &Path, force: bool) -> Result<(), Failure> {
    let targets: Vec<(PathBuf, &str)> = (FILES.iter())
        .map(|(name, text)| (folder.join(name), *text))
        .collect();
    let existing: Vec<String> = (targets.iter())
        .filter(|(path, _)| path.exists())
        .map(|(path, _)| format!("`{}`", path.display()))
        .collect();
    if !existing.is_empty() && !force {
        return Err(Diagnostic::new(format!(
            "`{}` already holds {} of the library's files: {}",
            folder.display(),
            existing.len(),
            existing.join(", ")
        ))
        .hint("copy into a new folder, or add --force to overwrite these files")
        .into());
    }
    for (path, text) in &targets {
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(path, text));
        written.map_err(|e| Diagnostic::new(format!("cannot write `{}`: {e}", path.display())))?;
    }
    println!(
        "copied {} of the shipped library into {}: the models, runs/, trials/ and calibrations/",
        crate::diag::count(targets.len(), "file"),
        folder.display()
    );
    Ok(())
}
