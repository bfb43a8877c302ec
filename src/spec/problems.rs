//! Problems found while checking a loaded file: each a diagnostic at its line and column and
//! YAML path, collected so that one pass reports them all.

use super::Loaded;
use super::RunSpec;
use crate::diag::Diagnostic;

/// Collects problems with their locations in the file being checked (a run file, or the trial
/// file whose dose levels are written as scenarios).
pub struct Problems<'a, S = RunSpec> {
    pub file: &'a Loaded<S>,
    pub list: Vec<Diagnostic>,
}

impl<S> Problems<'_, S> {
    /// A problem at the value written at `path`; returns it for hints and notes.
    pub fn at(&mut self, path: &str, message: impl Into<String>) -> &mut Diagnostic {
        let diagnostic = Diagnostic::new(message)
            .at(self.file.locate(path))
            .path(path.to_string());
        self.list.push(diagnostic);
        self.list.last_mut().expect("just pushed")
    }

    /// A problem at the key naming `path`.
    pub fn at_key(&mut self, path: &str, message: impl Into<String>) -> &mut Diagnostic {
        let diagnostic = Diagnostic::new(message)
            .at(self.file.locate_key(path))
            .path(path.to_string());
        self.list.push(diagnostic);
        self.list.last_mut().expect("just pushed")
    }

    /// Reports an unknown name with suggestions; `kind` says what it should have been.
    pub fn unknown(&mut self, path: &str, name: &str, kind: &str, candidates: &[&str]) {
        let article = match kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
            true => "an",
            false => "a",
        };
        let diagnostic = Diagnostic::new(format!("`{name}` is not {article} {kind} of the model"))
            .at(self
                .file
                .locate_key(path)
                .or_else(|| self.file.locate(path)))
            .path(path.to_string())
            .suggest(name, candidates.iter().copied())
            .note(format!("{kind}s: {}", candidates.join(", ")));
        self.list.push(diagnostic);
    }
}

impl<'a, S> Problems<'a, S> {
    /// No problems yet, in `file`.
    pub fn new(file: &'a Loaded<S>) -> Self {
        Problems {
            file,
            list: Vec::new(),
        }
    }
}
