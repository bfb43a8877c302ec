//! Tables as people write them, read row by row without holding the file: comma-, tab-,
//! semicolon- or whitespace-separated cells, RFC 4180 quoting, a UTF-8 byte-order mark, CRLF
//! line ends, blank lines (and rows of empty cells, `,,,,`, as spreadsheets write them) and
//! comment rows (first character `#` or `@`). A row keeps the line it starts on (blank and
//! comment lines count) and each cell its column, for diagnostics.
//! `lines` is the plain view of the tables cartsim writes itself, `cells` how it writes text cells.

mod cells;
mod split;

pub use cells::{inert, number_cell, plain, split_quoted, text_cell};

use crate::diag::{Diagnostic, Location};
use std::io::{BufRead, Read};

/// The longest line read (a guard against binary files and runaway quotes).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// How the cells of a row are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delimiter {
    /// From the header: a comma, else a tab, else blanks between names (a `;` is refused: see
    /// `open`); a header of one name is read as comma-separated.
    #[default]
    Auto,
    Comma,
    Tab,
    Semicolon,
    /// Runs of spaces and tabs (NONMEM `.dat` and `$TABLE` files).
    Whitespace,
}

impl Delimiter {
    fn byte(self) -> Option<u8> {
        match self {
            Delimiter::Comma | Delimiter::Auto => Some(b','),
            Delimiter::Tab => Some(b'\t'),
            Delimiter::Semicolon => Some(b';'),
            Delimiter::Whitespace => None,
        }
    }

    /// How messages name it.
    pub fn name(self) -> &'static str {
        match self {
            Delimiter::Auto => "detected from the header",
            Delimiter::Comma => "comma",
            Delimiter::Tab => "tab",
            Delimiter::Semicolon => "semicolon",
            Delimiter::Whitespace => "whitespace",
        }
    }
}

/// One cell of a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The cell's text, unquoted, without surrounding white space.
    pub text: String,
    /// 1-based column (in characters) where the cell starts.
    pub column: usize,
    /// Width of the cell as written, at least 1.
    pub width: usize,
}

/// One row of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 1-based line of the file the row starts on, used as the row number.
    pub number: usize,
    /// The row as written (lines joined by `\n` when a quoted cell spans several).
    pub text: String,
    pub cells: Vec<Cell>,
}

impl Row {
    /// The location of `cell` in file `file`, for a caret under it.
    pub fn locate(&self, file: &str, cell: &Cell) -> Option<Location> {
        Some(Location {
            file: file.to_string(),
            line: self.number,
            column: cell.column,
            length: cell.width,
            source_line: Some(self.text.clone()),
        })
    }

    /// The location of the whole row.
    pub fn locate_all(&self, file: &str) -> Option<Location> {
        Some(Location {
            file: file.to_string(),
            line: self.number,
            column: 1,
            length: self.text.chars().count().max(1),
            source_line: Some(self.text.clone()),
        })
    }
}

/// A missing value: an empty cell, `.` (NONMEM) or `NA` (R).
pub fn is_missing(text: &str) -> bool {
    matches!(text, "" | "." | "NA")
}

/// A cell that is neither a finite number nor missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotANumber;

/// A cell read as a number: `None` when missing.
pub fn number(text: &str) -> Result<Option<f64>, NotANumber> {
    if is_missing(text) {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(Some(value)),
        _ => Err(NotANumber),
    }
}

/// How to write a number, for a cell `text` that is not one.
pub fn number_hint(text: &str) -> String {
    decimal_comma_hint(text).unwrap_or_else(|| {
        "write numbers like 0.5 or 1e6; `.`, `NA` or an empty cell marks a missing value".into()
    })
}

/// For a cell `text` that is a number written with a decimal comma (`2,5`): how to write it.
pub fn decimal_comma_hint(text: &str) -> Option<String> {
    let comma = text.replacen(',', ".", 1);
    (text.contains(',') && comma.parse::<f64>().is_ok()).then(|| {
        format!(
            "decimal commas are not read: write `{comma}` (save the file with `.` as the decimal mark)"
        )
    })
}

/// Whether a line holds no value: blank, or only separators and empty quotes (the rows of
/// empty cells a spreadsheet writes below its data, `,,,,`).
fn is_blank(line: &str) -> bool {
    line.chars()
        .all(|c| matches!(c, ',' | ';' | '"') || c.is_whitespace())
}

/// Whether a line is a comment: its first character (after blanks and an opening quote) is
/// `#` or `@`.
fn is_comment(line: &str) -> bool {
    let text = line.trim_start().trim_start_matches('"');
    text.starts_with(['#', '@'])
}

/// A table being read: rows come one at a time from `input`.
pub struct Table<R> {
    file: String,
    input: R,
    delimiter: Delimiter,
    splitter: split::Splitter,
    /// Lines read so far.
    line: usize,
    /// Comment lines skipped so far.
    comments: usize,
    /// The first data row, read while looking for the header.
    pending: Option<Row>,
    bytes: Vec<u8>,
}

impl<R: BufRead> Table<R> {
    /// Starts reading: skips leading blank and comment lines and returns the header. When the
    /// first other line holds a number (so it is data, not names) and the comment line just
    /// before it has as many cells, that comment (without its `#` or `@`) is the header, as
    /// NONMEM datasets often write it.
    /// `Delimiter::Auto` takes the header's: a comma, else a tab, else blanks; a `;` is refused
    /// (it comes with decimal commas), unless asked for.
    pub fn open(file: &str, input: R, delimiter: Delimiter) -> Result<(Self, Row), Diagnostic> {
        let mut table = Table {
            file: file.to_string(),
            input,
            delimiter,
            splitter: split::Splitter::new(delimiter),
            line: 0,
            comments: 0,
            pending: None,
            bytes: Vec::new(),
        };
        let mut comment: Option<(usize, String)> = None;
        let (number, text) = loop {
            let Some((number, text)) = table.next_line()? else {
                return Err(Diagnostic::new(format!("`{file}` is empty"))
                    .hint("write a header row naming the columns, then one row per record"));
            };
            if is_blank(&text) {
                continue;
            }
            if is_comment(&text) || text.starts_with("TABLE NO.") {
                // `TABLE NO. n` titles a NONMEM $TABLE file.
                table.comments += 1;
                comment = Some((number, text)).filter(|(_, t)| is_comment(t));
                continue;
            }
            break (number, text);
        };
        if delimiter == Delimiter::Auto {
            table.delimiter = detect(file, number, &text)?;
            table.splitter = split::Splitter::new(table.delimiter);
        }
        let first = table.row(number, text, 0)?;
        let data = (first.cells.iter()).any(|c| matches!(self::number(&c.text), Ok(Some(_))));
        if let (true, Some((line, text))) = (data, comment) {
            let mark = text.find(['#', '@']).map_or(0, |k| k + 1);
            let header = table.row(line, text, mark)?;
            if header.cells.len() == first.cells.len() {
                table.comments -= 1;
                table.pending = Some(first);
                return Ok((table, header));
            }
        }
        Ok((table, first))
    }

    /// The delimiter in use (detected, or as asked).
    pub fn delimiter(&self) -> Delimiter {
        self.delimiter
    }

    /// Comment lines skipped so far.
    pub fn comments(&self) -> usize {
        self.comments
    }

    /// The next physical line: its number and text without the line end (nor, on the first
    /// line, a byte-order mark); `None` at the end of the input.
    fn next_line(&mut self) -> Result<Option<(usize, String)>, Diagnostic> {
        self.bytes.clear();
        let limit = MAX_LINE_BYTES as u64 + 2;
        let read =
            <&mut R as Read>::take(&mut self.input, limit).read_until(b'\n', &mut self.bytes);
        let line = self.line + 1;
        match read {
            Err(error) => {
                return Err(Diagnostic::new(format!(
                    "cannot read `{}` at line {line}: {error}",
                    self.file
                )));
            }
            Ok(0) => return Ok(None),
            Ok(_) => {}
        }
        self.line = line;
        if self.bytes.len() > MAX_LINE_BYTES {
            return Err(Diagnostic::new(format!(
                "line {line} of `{}` is longer than {} MB",
                self.file,
                MAX_LINE_BYTES >> 20
            ))
            .hint("is this a text table? A row longer than that is not read"));
        }
        let mut bytes = self.bytes.as_slice();
        if line == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Some((line, text.to_string()))),
            Err(error) => Err(crate::diag::not_utf8(&self.file, line, bytes, error.valid_up_to())
            .hint("save the file as UTF-8 (Excel: `CSV UTF-8`; R: `write.csv(..., fileEncoding = \"UTF-8\")`)")),
        }
    }

    /// The row starting with line `number`, `text`: lines are joined while a quoted cell is
    /// open; cells from byte `offset`.
    fn row(&mut self, number: usize, mut text: String, offset: usize) -> Result<Row, Diagnostic> {
        if let Some(delimiter) = self.delimiter.byte() {
            while split::spans(&text[offset..], delimiter).1 {
                let Some((_, more)) = self.next_line()? else {
                    return Err(Diagnostic::new(format!(
                        "row {number} of `{}`: a quoted cell is never closed",
                        self.file
                    ))
                    .hint("end every quoted cell with `\"`; write a quote inside one as `\"\"`"));
                };
                if text.len() + more.len() > MAX_LINE_BYTES {
                    return Err(Diagnostic::new(format!(
                        "row {number} of `{}`: a quoted cell runs on for more than {} MB",
                        self.file,
                        MAX_LINE_BYTES >> 20
                    ))
                    .hint("end every quoted cell with `\"`; write a quote inside one as `\"\"`"));
                }
                text.push('\n');
                text.push_str(&more);
            }
        }
        let cells = self.splitter.cells(&text, offset);
        Ok(Row {
            number,
            text,
            cells,
        })
    }
}

impl<R: BufRead> Iterator for Table<R> {
    type Item = Result<Row, Diagnostic>;

    /// The next row, skipping blank and comment lines.
    fn next(&mut self) -> Option<Self::Item> {
        if let Some(row) = self.pending.take() {
            return Some(Ok(row));
        }
        loop {
            let (number, text) = match self.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => return None,
                Err(error) => return Some(Err(error)),
            };
            if is_blank(&text) {
                continue;
            }
            if is_comment(&text) {
                self.comments += 1;
                continue;
            }
            return Some(self.row(number, text, 0));
        }
    }
}

/// The delimiter of a header line.
fn detect(file: &str, number: usize, header: &str) -> Result<Delimiter, Diagnostic> {
    if header.contains(',') {
        Ok(Delimiter::Comma)
    } else if header.contains('\t') {
        Ok(Delimiter::Tab)
    } else if header.contains(';') {
        let location = Location {
            file: file.to_string(),
            line: number,
            column: header
                .find(';')
                .map_or(1, |k| header[..k].chars().count() + 1),
            length: 1,
            source_line: Some(header.to_string()),
        };
        Err(Diagnostic::new(format!(
            "`{file}` is separated by semicolons (`;`), which usually come with decimal commas"
        ))
        .at(Some(location))
        .label("the delimiter seen")
        .hint("save the file with `,` between cells and `.` as the decimal mark (Excel: `CSV UTF-8`; R: `write.csv`)")
        .hint("if its numbers already use `.`, pass `--delimiter semicolon`"))
    } else if header.split_whitespace().nth(1).is_some() {
        Ok(Delimiter::Whitespace)
    } else {
        // One column: its rows may still hold commas, which must not be one cell.
        Ok(Delimiter::Comma)
    }
}

/// One non-blank line of a table cartsim wrote itself (no quoting, no comments).
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    /// 1-based line number in the file (blank lines counted).
    pub number: usize,
    pub text: &'a str,
}

impl Line<'_> {
    /// The location of the whole line in file `file`.
    pub fn locate_all(&self, file: &str) -> Option<crate::diag::Location> {
        Some(crate::diag::Location {
            file: file.to_string(),
            line: self.number,
            column: 1,
            length: self.text.len().max(1),
            source_line: Some(self.text.to_string()),
        })
    }
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

#[cfg(test)]
mod tests;
