//! What cartsim says on stderr besides its results: the `--quiet`, `--verbose` and `--color`
//! settings (set once from the command line), warnings and notes that honour them, and
//! diagnostics coloured for a terminal.

use crate::diag::Diagnostic;
use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);
static VERBOSE: AtomicBool = AtomicBool::new(false);
static COLOR: AtomicBool = AtomicBool::new(false);

/// `--color`: when cartsim's own messages (and clap's) are coloured.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub(super) enum ColorWhen {
    /// When stderr is a terminal and NO_COLOR is not set (to a non-empty value).
    Auto,
    /// Always, NO_COLOR or not.
    Always,
    /// Never.
    Never,
}

impl ColorWhen {
    /// Whether to colour, given whether stderr is a terminal and the value of NO_COLOR.
    pub(super) fn colors(self, terminal: bool, no_color: Option<&str>) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => terminal && no_color.is_none_or(str::is_empty),
        }
    }

    /// The same choice for clap's help and usage errors.
    pub(super) fn clap(self) -> clap::ColorChoice {
        match self {
            ColorWhen::Auto => clap::ColorChoice::Auto,
            ColorWhen::Always => clap::ColorChoice::Always,
            ColorWhen::Never => clap::ColorChoice::Never,
        }
    }
}

/// Sets the console settings for the rest of the process.
pub(super) fn set(quiet: bool, verbose: bool, color: ColorWhen) {
    use std::io::IsTerminal;
    let no_color = std::env::var("NO_COLOR").ok();
    let colors = color.colors(std::io::stderr().is_terminal(), no_color.as_deref());
    QUIET.store(quiet, Ordering::Relaxed);
    VERBOSE.store(verbose, Ordering::Relaxed);
    COLOR.store(colors, Ordering::Relaxed);
}

/// `--quiet`: no warnings, notes or progress (errors still shown).
pub(super) fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// `--verbose`: solver decisions and other details on stderr.
pub(super) fn verbose() -> bool {
    VERBOSE.load(Ordering::Relaxed)
}

/// Prints `warning: {text}` unless quiet.
pub(super) fn warn(text: impl std::fmt::Display) {
    if !quiet() {
        eprint!("{}", paint(&format!("warning: {text}\n")));
    }
}

/// Prints `note: {text}` unless quiet.
pub(super) fn note(text: impl std::fmt::Display) {
    if !quiet() {
        eprint!("{}", paint(&format!("note: {text}\n")));
    }
}

/// Prints a warning diagnostic (as rendered) unless quiet.
pub(super) fn warning(diagnostic: &Diagnostic) {
    if !quiet() {
        eprint!("{}", paint(&diagnostic.to_string()));
    }
}

/// Prints the diagnostics of a failed command, always.
pub(super) fn errors(diagnostics: &[Diagnostic]) {
    eprint!("{}", paint(&crate::diag::render_all(diagnostics)));
}

/// `rendered` diagnostics, coloured when colour is on: the severity, the location arrow and
/// the hint and note labels.
fn paint(rendered: &str) -> String {
    if COLOR.load(Ordering::Relaxed) {
        colored(rendered)
    } else {
        rendered.to_string()
    }
}

const RESET: &str = "\x1b[0m";

/// `rendered` with ANSI colours: red errors, yellow warnings, blue arrows, cyan hints, bold notes.
pub fn colored(rendered: &str) -> String {
    let mut text = String::new();
    for line in rendered.split_inclusive('\n') {
        let painted = [
            ("error:", "\x1b[1;31m"),
            ("warning:", "\x1b[1;33m"),
            ("note:", "\x1b[1m"),
        ]
        .iter()
        .find_map(|(label, color)| {
            let rest = line.strip_prefix(label)?;
            Some(format!("{color}{label}{RESET}{rest}"))
        })
        .unwrap_or_else(|| {
            line.replacen("--> ", "\x1b[1;34m-->\x1b[0m ", 1)
                .replacen("= hint:", "= \x1b[1;36mhint\x1b[0m:", 1)
                .replacen("= note:", "= \x1b[1mnote\x1b[0m:", 1)
        });
        text.push_str(&painted);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colours_a_terminal_unless_no_color_is_set() {
        assert!(ColorWhen::Auto.colors(true, None));
        assert!(
            ColorWhen::Auto.colors(true, Some("")),
            "NO_COLOR empty counts as unset"
        );
        assert!(!ColorWhen::Auto.colors(true, Some("1")));
        assert!(!ColorWhen::Auto.colors(false, None));
        assert!(ColorWhen::Always.colors(false, Some("1")));
        assert!(!ColorWhen::Never.colors(true, None));
    }
}
