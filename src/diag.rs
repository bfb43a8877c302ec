//! Diagnostics: what went wrong, where, and what to do about it, rendered rustc-style.

use std::fmt;

/// A place in a source file, 1-based line and column, with the length of the marked span.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub length: usize,
    /// The full text of the source line, for the caret display.
    pub source_line: Option<String>,
}

/// How bad a diagnostic is: an error stops what it concerns (a file, a subject, a run); a
/// warning lets it finish and is reported beside the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Severity {
    #[default]
    Error,
    Warning,
}

/// One problem, with everything a user needs to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub location: Option<Location>,
    /// Short text printed under the caret.
    pub label: Option<String>,
    /// Where in the YAML document the problem is (e.g. `odes.E`), when known.
    pub yaml_path: Option<String>,
    pub hints: Vec<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            location: None,
            label: None,
            yaml_path: None,
            hints: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// A warning: the same parts, reported without stopping anything.
    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::new(message)
        }
    }

    /// The diagnostic on one line, for a table cell or a record field: the message, then its
    /// place, YAML path, notes and hints, separated by `; `.
    pub fn one_line(&self) -> String {
        let mut parts = vec![self.message.clone()];
        if let Some(l) = &self.location {
            parts.push(format!("at {}:{}:{}", l.file, l.line, l.column));
        }
        if let Some(path) = &self.yaml_path {
            parts.push(format!("at: {path}"));
        }
        parts.extend(self.notes.iter().cloned());
        parts.extend(self.hints.iter().map(|h| format!("hint: {h}")));
        parts.join("; ")
    }

    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.yaml_path = Some(path.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Adds a `did you mean` hint when a close candidate exists.
    pub fn suggest<'a>(self, wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Self {
        match closest(wrong, candidates) {
            Some(best) => self.hint(format!("did you mean `{best}`?")),
            None => self,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{severity}: {}", self.message)?;
        let gutter = self
            .location
            .as_ref()
            .map_or(1, |l| l.line.to_string().len());
        let pad = " ".repeat(gutter);
        if let Some(location) = &self.location {
            writeln!(
                f,
                "{pad}--> {}:{}:{}",
                location.file, location.line, location.column
            )?;
            if let Some(line) = &location.source_line {
                // Very long lines are shown as a window around the marked column.
                let skip = location.column.saturating_sub(61);
                let text: String = line.chars().skip(skip).take(160).collect();
                let column = location.column - skip;
                writeln!(f, "{pad} |")?;
                writeln!(f, "{} | {}", location.line, text)?;
                let indent: String = text
                    .chars()
                    .take(column.saturating_sub(1))
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let carets = "^".repeat(location.length.max(1));
                match &self.label {
                    Some(label) => writeln!(f, "{pad} | {indent}{carets} {label}")?,
                    None => writeln!(f, "{pad} | {indent}{carets}")?,
                }
            }
        }
        if let Some(path) = &self.yaml_path {
            writeln!(f, "{pad} = at: {path}")?;
        }
        for hint in &self.hints {
            writeln!(f, "{pad} = hint: {hint}")?;
        }
        for note in &self.notes {
            writeln!(f, "{pad} = note: {note}")?;
        }
        Ok(())
    }
}

/// A number for a message: the shortest text that reads back to the same value, in exponent
/// form when very large or very small (`1e308`, not 309 digits; `2.5e-9`), else plain (`0.25`).
pub fn number(value: f64) -> String {
    let magnitude = value.abs();
    if value.is_finite() && value != 0.0 && !(1e-4..1e15).contains(&magnitude) {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}

/// `bytes`, the text of `file`, as a string; or, when they are not UTF-8, the error at the
/// first byte that is not (see `not_utf8`). Callers add how to save the file as UTF-8.
pub fn utf8_text(file: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|error| {
        let valid = error.utf8_error().valid_up_to();
        let bytes = error.as_bytes();
        let start = (bytes[..valid].iter())
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let line = 1 + bytes[..start].iter().filter(|&&b| b == b'\n').count();
        not_utf8(file, line, &bytes[start..], valid - start)
    })
}

/// Line `line` of `file` is not UTF-8: `text` is the line (or the rest of the file from its
/// start), UTF-8 up to byte `valid`. The error points at that byte, shown in the line as
/// read with replacement characters (control characters too, so that a binary file prints
/// no terminal escapes), and names what it would be in Latin-1 (Windows-1252), the encoding
/// most often behind it.
pub fn not_utf8(file: &str, line: usize, text: &[u8], valid: usize) -> Diagnostic {
    let end = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
    let line_text = text[..end].strip_suffix(b"\r").unwrap_or(&text[..end]);
    let shown: String = (String::from_utf8_lossy(line_text).chars())
        .map(|c| match c.is_control() && c != '\t' {
            true => char::REPLACEMENT_CHARACTER,
            false => c,
        })
        .collect();
    let column = String::from_utf8_lossy(&text[..valid]).chars().count() + 1;
    let byte = text[valid];
    let label = match byte {
        0xA0.. => format!("byte 0x{byte:02X}: `{}` in Latin-1", char::from(byte)),
        _ => format!("byte 0x{byte:02X}"),
    };
    Diagnostic::new(format!(
        "line {line} of `{file}` is not UTF-8 text (byte {} of the line)",
        valid + 1
    ))
    .at(Some(Location {
        file: file.to_string(),
        line,
        column,
        length: 1,
        source_line: Some(shown),
    }))
    .label(label)
}

/// A length of time in a model's unit, as words: `28 days`, `1 day`, `12 h` (a unit that is
/// not a plain English word stays as written).
pub fn duration(value: f64, unit: &str) -> String {
    let words = ["minute", "hour", "day", "week", "month", "year"];
    match value != 1.0 && words.contains(&unit) {
        true => format!("{} {unit}s", number(value)),
        false => format!("{} {unit}", number(value)),
    }
}

/// Renders several diagnostics, separated by blank lines, with a closing count.
pub fn render_all(diagnostics: &[Diagnostic]) -> String {
    let mut text = String::new();
    for diagnostic in diagnostics {
        text.push_str(&diagnostic.to_string());
        text.push('\n');
    }
    text.push_str(&format!("{} found\n", count(diagnostics.len(), "error")));
    text
}

/// `n` and a regular noun, plural unless `n` is 1: `1 arm`, `4 arms`, `0 files`.
pub fn count(n: impl fmt::Display, noun: &str) -> String {
    let n = n.to_string();
    let plural = if n == "1" { "" } else { "s" };
    format!("{n} {noun}{plural}")
}

/// The candidate closest to `wrong` by edit distance, if it is close enough to be a likely typo.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let length = wrong.chars().count();
    let limit = if length >= 3 { (length / 3).max(1) } else { 0 };
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(wrong, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= limit || candidate.eq_ignore_ascii_case(wrong))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Edit distance over characters, counting an adjacent transposition (`odse`/`odes`) as one.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut table = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in table.iter_mut().enumerate() {
        row[0] = i;
    }
    table[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (table[i - 1][j] + 1)
                .min(table[i][j - 1] + 1)
                .min(table[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(table[i - 2][j - 2] + 1);
            }
            table[i][j] = best;
        }
    }
    table[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(closest("efector", ["effector", "memory"]), Some("effector"));
        assert_eq!(closest("zzz", ["effector", "memory"]), None);
        assert_eq!(closest("X", ["E", "M"]), None);
        assert_eq!(closest("odse", ["odes", "doses"]), Some("odes"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn numbers_in_messages_are_short_and_read_back_exactly() {
        assert_eq!(number(1e308), "1e308");
        assert_eq!(number(-1.5e300), "-1.5e300");
        assert_eq!(number(2.5e-9), "2.5e-9");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(24000.0), "24000");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(f64::INFINITY), "inf");
        for value in [1e308, 0.1 + 0.2, 1.0 / 3.0, 5e-324, 123456789012345.6] {
            assert_eq!(number(value).parse::<f64>(), Ok(value), "{value:e}");
        }
    }

    #[test]
    fn renders_caret_under_span() {
        let diagnostic = Diagnostic::new("unknown name `efector`")
            .at(Some(Location {
                file: "m.yaml".into(),
                line: 3,
                column: 10,
                length: 7,
                source_line: Some("  E: k * efector".into()),
            }))
            .label("not defined")
            .hint("did you mean `effector`?");
        let text = diagnostic.to_string();
        assert!(text.contains(" --> m.yaml:3:10"), "{text}");
        assert!(text.contains("3 |   E: k * efector"), "{text}");
        assert!(text.contains("  |          ^^^^^^^ not defined"), "{text}");
    }
}
