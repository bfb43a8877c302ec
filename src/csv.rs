//! Comma-separated text as the table readers see it: non-blank lines numbered as in the file
//! (the header is row 1), cells with the 1-based column they start at, and a cell's location
//! for diagnostics. No quoting: a comma always separates cells. Also text cells as cartsim
//! writes them (quoted when needed, never run by a spreadsheet as a formula).

use crate::diag::Location;

/// One non-blank line of the file.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    /// 1-based line number in the file (blank lines counted), used as the row number.
    pub number: usize,
    pub text: &'a str,
}

/// One cell of a line.
#[derive(Debug, Clone, Copy)]
pub struct Cell<'a> {
    /// The cell's text without surrounding white space.
    pub text: &'a str,
    /// 1-based column where the cell starts.
    pub column: usize,
    /// Width of the cell as written (with white space), at least 1.
    pub width: usize,
}

/// The non-blank lines of `text`.
pub fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, text)| Line {
            number: index + 1,
            text,
        })
}

impl<'a> Line<'a> {
    pub fn cells(&self) -> Vec<Cell<'a>> {
        let mut column = 1;
        self.text
            .split(',')
            .map(|raw| {
                let cell = Cell {
                    text: raw.trim(),
                    column,
                    width: raw.len().max(1),
                };
                column += raw.len() + 1;
                cell
            })
            .collect()
    }

    /// The location of `cell` in file `file`, for a caret under it.
    pub fn locate(&self, file: &str, cell: &Cell) -> Option<Location> {
        Some(Location {
            file: file.to_string(),
            line: self.number,
            column: cell.column,
            length: cell.width,
            source_line: Some(self.text.to_string()),
        })
    }

    /// The location of the whole line.
    pub fn locate_all(&self, file: &str) -> Option<Location> {
        Some(Location {
            file: file.to_string(),
            line: self.number,
            column: 1,
            length: self.text.len().max(1),
            source_line: Some(self.text.to_string()),
        })
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
    fn numbers_lines_as_in_the_file_and_cells_by_column() {
        let text = "ID, TIME\n\n1,  0.5\n";
        let rows: Vec<Line> = lines(text).collect();
        assert_eq!(rows.iter().map(|l| l.number).collect::<Vec<_>>(), [1, 3]);
        let cells = rows[1].cells();
        assert_eq!(
            (cells[1].text, cells[1].column, cells[1].width),
            ("0.5", 3, 5)
        );
        let location = rows[1].locate("d.csv", &cells[1]).unwrap();
        assert_eq!((location.line, location.column), (3, 3));
    }

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
