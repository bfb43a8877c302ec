//! `cartsim check` and `cartsim models`.

use super::{Failure, load};
use crate::library::SHIPPED;
use std::path::PathBuf;

/// Checks every file, printing `ok` per good file; all problems of all files are reported.
pub fn check(models: &[PathBuf]) -> Result<(), Failure> {
    let mut problems = Vec::new();
    for path in models {
        match load(path) {
            Ok(_) => println!("{}: ok", path.display()),
            Err(Failure(mut diagnostics)) => problems.append(&mut diagnostics),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure(problems))
    }
}

/// Lists the shipped models: file, name, title, reference.
pub fn models() -> Result<(), Failure> {
    for (file, text) in SHIPPED {
        let loaded = crate::spec::load_model(file, text).map_err(Failure)?;
        let spec = &loaded.spec;
        println!("models/{file}");
        println!("  name:      {}", spec.name);
        println!("  title:     {}", spec.title.as_deref().unwrap_or("-"));
        println!("  reference: {}", spec.reference.as_deref().unwrap_or("-"));
    }
    Ok(())
}
