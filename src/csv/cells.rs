//! Number and text cells as cartsim writes them (a number empty when missing); quoted when they hold a comma, a quote or a line break,
//! and never run by a spreadsheet as a formula; and the split of such a line back into cells.

/// A number cell: shortest round-trip text; empty for NaN (a missing value).
pub fn number_cell(value: f64) -> String {
    match value.is_nan() {
        true => String::new(),
        false => value.to_string(),
    }
}

/// A text cell (a name or an ID) as cartsim writes it: neutralized (see `inert`), then in
/// double quotes when it holds a comma, a quote or a line break.
pub fn text_cell(text: &str) -> String {
    let text = inert(text);
    if text.contains([',', '"', '\n', '\r']) {
        format!(
            "\"{}\"",
            text.replace('"', "\"\"").replace(['\n', '\r'], " ")
        )
    } else {
        text.into_owned()
    }
}

/// Splits one line of a table cartsim wrote into its cells, honouring the double quotes of
/// `text_cell`.
pub fn split_quoted(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().into_iter().for_each(|cell| cell.push('"'));
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(String::new()),
            _ => cells.last_mut().into_iter().for_each(|cell| cell.push(c)),
        }
    }
    cells
}

/// A text that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a
/// tab or a carriage return) with a `'` in front, which spreadsheets show as text; numbers
/// (`-1.5`) and other texts unchanged. A text that already starts with such a `'` gets one
/// more, so `plain` undoes it exactly.
pub fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    if formula(text) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// The text `inert` was given.
pub fn plain(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if formula(rest) => rest,
        _ => cell,
    }
}

fn formula(text: &str) -> bool {
    match text.strip_prefix('\'') {
        Some(rest) => formula(rest),
        None => {
            text.starts_with(['=', '+', '-', '@', '\t', '\r'])
                && text.trim().parse::<f64>().is_err()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cells_never_start_a_formula_and_numbers_stay_numbers() {
        assert_eq!(text_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(text_cell("+1 dose"), "'+1 dose");
        assert_eq!(text_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text_cell("-x"), "'-x");
        assert_eq!(text_cell("\tcmd"), "'\tcmd");
        assert_eq!(text_cell("-1.5"), "-1.5");
        assert_eq!(text_cell("+3e2"), "+3e2");
        assert_eq!(text_cell("low dose"), "low dose");
        assert_eq!(text_cell("a,b"), "\"a,b\"");
        let line = [text_cell("-low, \"dose\""), text_cell("=x"), "-2".into()].join(",");
        assert_eq!(split_quoted(&line), ["'-low, \"dose\"", "'=x", "-2"]);
        for text in ["=x", "'=x", "''=x", "'x", "-1.5", "x", "-x y"] {
            assert_eq!(plain(&inert(text)), text);
        }
    }
}
