//! The shipped model library, embedded in the binary so that it travels with it: the models,
//! the run, trial and calibration files that use them, and how a model is named.
//!
//! A shipped model is named by its file stem (`stein2019_tisagenlecleucel`), its file name
//! (`stein2019_tisagenlecleucel.yaml`) or a prefix of exactly one stem (`stein2019`; a prefix
//! of several is an error listing them). A name ending in `.yaml` is a file name: never a
//! prefix, so a mistyped file is not taken for another model.

use crate::diag::Diagnostic;

include!(concat!(env!("OUT_DIR"), "/library.rs"));

/// A shipped model: its file name under `models/` and its text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShippedModel {
    pub file: &'static str,
    pub text: &'static str,
}

impl ShippedModel {
    /// The name it is called by in full: the file stem.
    pub fn stem(&self) -> &'static str {
        self.file.strip_suffix(".yaml").unwrap_or(self.file)
    }
}

/// Every shipped model, in file order.
pub fn shipped_models() -> impl Iterator<Item = ShippedModel> {
    SHIPPED
        .iter()
        .map(|&(file, text)| ShippedModel { file, text })
}

/// The shipped model `name` names: its whole stem or file name, or a prefix of exactly one
/// stem.
pub fn shipped_model(name: &str) -> Result<ShippedModel, Diagnostic> {
    let (wanted, file_name) = match name.strip_suffix(".yaml") {
        Some(stem) => (stem, true),
        None => (name, false),
    };
    if let Some(model) = shipped_models().find(|m| m.stem() == wanted) {
        return Ok(model);
    }
    let candidates: Vec<ShippedModel> = if wanted.is_empty() || file_name {
        Vec::new()
    } else {
        shipped_models()
            .filter(|m| m.stem().starts_with(wanted))
            .collect()
    };
    match candidates.as_slice() {
        [one] => Ok(*one),
        [] => Err(Diagnostic::new(format!(
            "`{name}` is neither a file nor the name of a shipped model"
        ))
        .hint(format!(
            "give the path of a model file, or one of the shipped models (`cartsim models`): {}",
            stems(&shipped_models().collect::<Vec<_>>())
        ))),
        several => Err(Diagnostic::new(format!(
            "`{name}` names {} shipped models: {}",
            several.len(),
            stems(several)
        ))
        .hint("give more of the name, enough to tell them apart")),
    }
}

/// The stems of `models`, comma-separated.
fn stems(models: &[ShippedModel]) -> String {
    let names: Vec<&str> = models.iter().map(ShippedModel::stem).collect();
    names.join(", ")
}

/// Whether `written` may name a shipped model: a bare name, no folder in it.
pub fn is_bare_name(written: &str) -> bool {
    !written.is_empty() && !written.contains(['/', '\\'])
}
