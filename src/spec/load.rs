//! Reading YAML text (a model file or a run file) into its typed spec, turning YAML and type
//! errors into diagnostics with positions.

use super::source_map::{MAX_NESTING, Position, SourceMap};
use super::types::ModelSpec;
use crate::diag::{Diagnostic, Location};
use serde::de::DeserializeOwned;
use std::ops::Range;

/// A YAML file read into its typed form, with what is needed to point into its text.
#[derive(Debug)]
pub struct Loaded<Spec> {
    pub file: String,
    pub text: String,
    pub spec: Spec,
    pub source_map: SourceMap,
}

/// A model file read into its typed form.
pub type LoadedModel = Loaded<ModelSpec>;

impl<Spec> Loaded<Spec> {
    /// The location of the node at a dotted YAML path (or its closest parent).
    pub fn locate(&self, path: &str) -> Option<Location> {
        self.source_map
            .value(path)
            .map(|position| location(&self.file, &self.text, position, None))
    }

    /// The location of the key naming the node at `path`.
    pub fn locate_key(&self, path: &str) -> Option<Location> {
        self.source_map
            .key(path)
            .map(|position| location(&self.file, &self.text, position, None))
    }

    /// `diagnostic` at the value its YAML path names in this file, when it has a path but no
    /// place (a problem found after the checks, as a run starts).
    pub fn place(&self, diagnostic: Diagnostic) -> Diagnostic {
        match (&diagnostic.location, &diagnostic.yaml_path) {
            (None, Some(path)) => {
                let location = self.locate(path);
                diagnostic.at(location)
            }
            _ => diagnostic,
        }
    }

    /// The location of a byte range inside the expression written at `path`; falls back to the
    /// whole value when the scalar spans lines or uses escapes.
    pub fn locate_in_expression(&self, path: &str, span: Range<usize>) -> Option<Location> {
        self.source_map
            .value(path)
            .map(|position| location(&self.file, &self.text, position, Some(span)))
    }
}

/// Builds a display location; `inner` is a byte range inside a one-line scalar's text.
pub fn location(
    file: &str,
    text: &str,
    position: Position,
    inner: Option<Range<usize>>,
) -> Location {
    let source_line = text
        .lines()
        .nth(position.line.saturating_sub(1))
        .map(str::to_string);
    let (column, length) = match (inner, position.text_column) {
        (Some(span), Some(text_column)) => {
            (text_column + span.start, (span.end - span.start).max(1))
        }
        _ => (position.column, position.length),
    };
    let line_length = source_line.as_ref().map_or(0, |l| l.chars().count());
    let length = length.min(line_length.saturating_sub(column.saturating_sub(1)).max(1));
    Location {
        file: file.to_string(),
        line: position.line,
        column,
        length,
        source_line,
    }
}

/// Reads model text. Every duplicate key is reported; otherwise the first YAML or type error.
pub fn load_model(file: &str, text: &str) -> Result<LoadedModel, Vec<Diagnostic>> {
    load_yaml(file, text)
}

/// Reads YAML text into `Spec`: every duplicate key is reported; otherwise the first YAML or
/// type error.
pub fn load_yaml<Spec: DeserializeOwned>(
    file: &str,
    text: &str,
) -> Result<Loaded<Spec>, Vec<Diagnostic>> {
    let source_map = SourceMap::build(text);
    if let Some(position) = source_map.too_deep {
        return Err(vec![
            Diagnostic::new(format!(
                "the YAML nests more than {MAX_NESTING} levels of mappings and sequences"
            ))
            .at(Some(location(file, text, position, None)))
            .label("too deep here")
            .hint("model and run files nest a few levels (`parameters.k.value`); look for runs of `[` or `{` (flow brackets) or of indentation"),
        ]);
    }
    if !source_map.duplicates.is_empty() {
        return Err(source_map
            .duplicates
            .iter()
            .map(|duplicate| {
                let key = duplicate.path.rsplit('.').next().unwrap_or(&duplicate.path);
                Diagnostic::new(format!("duplicate key `{key}`"))
                    .at(Some(location(file, text, duplicate.second, None)))
                    .label("defined again here")
                    .path(duplicate.path.clone())
                    .note(format!("first defined at line {}, column {}", duplicate.first.line, duplicate.first.column))
                    .hint("remove one of the two entries; YAML readers would silently keep only the last")
            })
            .collect());
    }
    if !source_map.merge_keys.is_empty() {
        return Err(source_map
            .merge_keys
            .iter()
            .map(|(path, position)| merge_key(file, text, path, *position))
            .collect());
    }
    match serde_yaml::from_str::<Spec>(text) {
        Ok(spec) => Ok(Loaded {
            file: file.to_string(),
            text: text.to_string(),
            spec,
            source_map,
        }),
        Err(error) => Err(vec![yaml_error(file, text, &error)]),
    }
}

/// A merge key (`<<: *anchor`), refused: the typed reader does not apply them, and keys merged
/// in would have no place in the file for diagnostics to point at.
fn merge_key(file: &str, text: &str, path: &str, position: Position) -> Diagnostic {
    let diagnostic = Diagnostic::new("YAML merge keys (`<<: *anchor`) are not supported")
        .at(Some(location(file, text, position, None)))
        .label("merge key")
        .hint("write the keys out in this mapping; an alias of a whole value (`key: *anchor`) is read");
    match path.is_empty() {
        true => diagnostic,
        false => diagnostic.path(path),
    }
}

/// Turns a YAML reader error into a diagnostic: position, a plain message and a hint.
pub fn yaml_error(file: &str, text: &str, error: &serde_yaml::Error) -> Diagnostic {
    let full = error.to_string();
    let message = match full.rfind(" at line ") {
        Some(cut) => full[..cut].to_string(),
        None => full.clone(),
    };
    let (path, message) = split_path(&message);
    let location = error.location().map(|l| {
        let position = Position {
            line: l.line(),
            column: l.column(),
            length: 1,
            text_column: None,
        };
        let mut location = location(file, text, position, None);
        if let Some(line) = &location.source_line {
            let rest: String = line
                .chars()
                .skip(location.column.saturating_sub(1))
                .collect();
            let word = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .count();
            location.length = word.max(1);
        }
        location
    });
    let at_tab = (location.as_ref()).and_then(|l| {
        l.source_line
            .as_ref()?
            .chars()
            .nth(l.column.checked_sub(1)?)
    }) == Some('\t');
    if at_tab {
        return Diagnostic::new("a tab indents this line; YAML indents with spaces only")
            .at(location)
            .hint("replace the tab with spaces (two per level, as elsewhere in the file)");
    }
    let mut diagnostic = Diagnostic::new(reword(&message)).at(location);
    if let Some(path) = path {
        diagnostic = diagnostic.path(path);
    }
    if let Some(number) = too_large_number(&message) {
        diagnostic.message = format!("`{number}` is beyond the largest number, about 1.8e308");
        diagnostic = diagnostic
            .hint("write a finite number (a value this large is a typo or a unit mix-up)");
    } else if let Some((value, expected)) = unknown_variant(&message) {
        diagnostic = diagnostic.suggest(&value, expected.iter().map(String::as_str));
    } else if let Some((unknown, expected)) = unknown_field(&message) {
        diagnostic = diagnostic
            .suggest(&unknown, expected.iter().map(String::as_str))
            .note(format!("allowed keys here: {}", expected.join(", ")));
    } else if message.contains("missing field") {
        diagnostic = diagnostic.hint("add the key; see README.md, section `The model file`");
    } else if error.location().is_some()
        && !message.contains("invalid")
        && !message.contains("duplicate")
    {
        diagnostic =
            diagnostic.hint("check the indentation and the `key: value` layout around this line");
    } else if message.contains("invalid type") {
        diagnostic = diagnostic
            .hint("check the value's type: numbers unquoted, names and expressions as text");
    }
    diagnostic
}

/// serde_yaml prefixes messages with the YAML path (`odes.E: ...`); split it off.
fn split_path(message: &str) -> (Option<String>, String) {
    match message.split_once(": ") {
        Some((path, rest)) if !path.contains(' ') && !path.is_empty() && !path.contains('`') => {
            (Some(path.to_string()), rest.to_string())
        }
        _ => (None, message.to_string()),
    }
}

fn reword(message: &str) -> String {
    let message = message
        .replace("unknown field", "unknown key")
        .replace("missing field", "missing key")
        .replace("unknown variant", "unknown value");
    match message.find(", expected one of") {
        Some(cut) if message.starts_with("unknown key") => message[..cut].to_string(),
        _ => message
            .replace("invalid type: ", "wrong type: found ")
            .replace(", expected f64", ", expected a number")
            .replace(", expected u32", ", expected a whole number")
            .replace(
                " as u128, expected u64",
                ", expected a whole number from 0 to 18446744073709551615",
            )
            .replace(", expected u64", ", expected a whole number from 0")
            .replace(" as u128", "")
            .replace(" as i128", "")
            .replace("found floating point", "found number"),
    }
}

/// For `invalid type: string "1e400", expected f64`: the text, a number too large for f64
/// (the YAML reader takes it for a string).
fn too_large_number(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("invalid type: string \"")?;
    let (text, expected) = rest.split_once('"')?;
    let infinite = text.parse::<f64>().is_ok_and(f64::is_infinite);
    (infinite && expected.starts_with(", expected f64")).then_some(text)
}

/// For "unknown variant `x`, expected one of `a`, `b`" (or "`a` or `b`"): the value and the
/// allowed ones.
fn unknown_variant(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown variant `")?;
    let (value, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).map(str::to_string);
    Some((value.to_string(), expected.collect()))
}

/// For "unknown field `x`, expected one of `a`, `b`": the unknown name and the allowed ones.
fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect::<Vec<_>>();
    Some((unknown.to_string(), expected))
}
