//! SBML import and export. Import: SBML Level 2 and 3 core text -> the SBML document types (`read`, with its
//! MathML reader) -> cartsim's parts (`roles`, `translate`) -> model file text (`yaml`).
//! What cartsim cannot simulate (algebraic rules, delays, fast reactions, ...) is refused
//! with the element's line and column. Export (`export`): a model spec as SBML Level 3.
//! Pure: the caller reads and writes the files.

mod annotations;
mod document;
mod elementary;
mod export;
mod math;
mod mathml;
mod names;
mod read;
mod roles;
#[cfg(test)]
mod tests;
mod translate;
mod yaml;

pub use export::export;
pub use translate::ImportOptions;

use crate::diag::{Diagnostic, Location};
use read::Refusal;

/// The model file (YAML text) of the SBML text `text` read from `file`.
pub fn import(file: &str, text: &str, options: &ImportOptions) -> Result<String, Diagnostic> {
    let located = |refusal: Refusal| diagnostic(file, text, refusal);
    let model = read::read_sbml(text).map_err(located)?;
    let cartsim = translate::translate(&model, options).map_err(located)?;
    let source = file.rsplit(['/', '\\']).next().unwrap_or(file);
    Ok(yaml::model_yaml(&cartsim, source))
}

fn diagnostic(file: &str, text: &str, refusal: Refusal) -> Diagnostic {
    let line = refusal.pos.line as usize;
    let location = Location {
        file: file.to_string(),
        line,
        column: refusal.pos.column as usize,
        length: 1,
        source_line: text.lines().nth(line.saturating_sub(1)).map(str::to_string),
    };
    let diagnostic = Diagnostic::new(refusal.message).at(Some(location));
    match refusal.hint {
        Some(hint) => diagnostic.hint(hint),
        None => diagnostic,
    }
}
