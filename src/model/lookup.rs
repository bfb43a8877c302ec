//! Looking up a model's parameters and outputs by name for the command line, with
//! diagnostics that name what exists and suggest the closest name.

use super::Model;
use crate::diag::Diagnostic;

impl Model {
    /// `name` (given where `context` says) is not a parameter of `model`.
    pub fn unknown_parameter(&self, context: &str, name: &str) -> Diagnostic {
        let names: Vec<&str> = self.parameters.iter().map(|p| p.name.as_str()).collect();
        Diagnostic::new(format!(
            "`{context}`: `{name}` is not a parameter of `{}`",
            self.name
        ))
        .suggest(name, names.iter().copied())
        .note(format!("parameters: {}", names.join(", ")))
    }

    /// The index of the output `--output` names.
    pub fn output_index(&self, name: &str) -> Result<usize, Diagnostic> {
        let outputs: Vec<&str> = self.outputs.iter().map(|o| o.name.as_str()).collect();
        outputs.iter().position(|o| *o == name).ok_or_else(|| {
            let listing = if outputs.is_empty() {
                "the model has no outputs".to_string()
            } else {
                format!("outputs: {}", outputs.join(", "))
            };
            Diagnostic::new(format!(
                "`--output {name}`: `{name}` is not an output of `{}`",
                self.name
            ))
            .suggest(name, outputs.iter().copied())
            .note(listing)
        })
    }
}
