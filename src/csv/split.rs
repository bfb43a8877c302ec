//! One record's text split into cells: the cell texts by the `csv-core` parser (RFC 4180:
//! quoted cells may hold the delimiter, `""` for a quote and line breaks), and where each cell
//! sits in the line (for a caret under it) by the same quoting rules; or, for whitespace-
//! separated files, runs of blanks between cells.

use super::{Cell, Delimiter};
use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

/// Reusable parser state and buffers.
pub(super) struct Splitter {
    reader: Reader,
    delimiter: Delimiter,
    output: Vec<u8>,
    ends: Vec<usize>,
}

/// Where each cell of a delimited record starts and ends (byte offsets into it), and whether a
/// quoted cell is still open at its end (the record continues on the next line).
pub(super) fn spans(text: &str, delimiter: u8) -> (Vec<(usize, usize)>, bool) {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let (mut start, mut k) = (0, 0);
    while k <= bytes.len() {
        if k == start && bytes.get(k) == Some(&b'"') {
            // A quoted cell: up to the quote not followed by another.
            k += 1;
            let mut open = true;
            while k < bytes.len() {
                if bytes[k] == b'"' {
                    if bytes.get(k + 1) == Some(&b'"') {
                        k += 2;
                        continue;
                    }
                    open = false;
                    k += 1;
                    break;
                }
                k += 1;
            }
            if open {
                spans.push((start, bytes.len()));
                return (spans, true);
            }
            continue;
        }
        if k == bytes.len() || bytes[k] == delimiter {
            spans.push((start, k));
            start = k + 1;
        }
        k += 1;
    }
    (spans, false)
}

/// The 1-based character column of byte offset `at` in `text`.
fn column(text: &str, at: usize) -> usize {
    text[..at].chars().count() + 1
}

impl Splitter {
    pub fn new(delimiter: Delimiter) -> Self {
        let byte = delimiter.byte().unwrap_or(b',');
        Splitter {
            reader: ReaderBuilder::new().delimiter(byte).build(),
            delimiter,
            output: Vec::new(),
            ends: Vec::new(),
        }
    }

    /// The cells of `text`; `offset` is the byte where the record starts in `line` (after a
    /// comment mark stripped from a header).
    pub fn cells(&mut self, line: &str, offset: usize) -> Vec<Cell> {
        let text = &line[offset..];
        let Some(delimiter) = self.delimiter.byte() else {
            return whitespace_cells(line, offset);
        };
        let (spans, _) = spans(text, delimiter);
        let texts = self.texts(text);
        (spans.iter().zip(texts))
            .map(|(&(start, end), text_of_cell)| {
                let first = column(line, offset + start);
                Cell {
                    text: text_of_cell.trim().to_string(),
                    column: first,
                    width: (column(line, offset + end) - first).max(1),
                }
            })
            .collect()
    }

    /// The unescaped text of each cell, as `csv-core` reads the record.
    fn texts(&mut self, text: &str) -> Vec<String> {
        self.reader.reset();
        // Unescaped text is never longer than the record; a record has at most one cell more
        // than it has bytes.
        self.output.resize(text.len() + 1, 0);
        self.ends.resize(text.len() + 2, 0);
        let (mut input, mut written, mut ended) = (text.as_bytes(), 0, 0);
        loop {
            let (result, nin, nout, nend) = self.reader.read_record(
                input,
                &mut self.output[written..],
                &mut self.ends[ended..],
            );
            input = &input[nin..];
            written += nout;
            ended += nend;
            // All input is taken before `InputEmpty`; the next call, with none, ends the record.
            if result != ReadRecordResult::InputEmpty {
                break;
            }
        }
        let mut start = 0;
        (self.ends[..ended].iter())
            .map(|&end| {
                let cell = String::from_utf8_lossy(&self.output[start..end]).into_owned();
                start = end;
                cell
            })
            .collect()
    }
}

/// Cells separated by runs of spaces and tabs (NONMEM `.dat` and `$TABLE` files).
fn whitespace_cells(line: &str, offset: usize) -> Vec<Cell> {
    let mut cells = Vec::new();
    let mut start = None;
    for (k, c) in line[offset..]
        .char_indices()
        .chain([(line.len() - offset, ' ')])
    {
        match (start, c == ' ' || c == '\t') {
            (None, false) => start = Some(k),
            (Some(first), true) => {
                let cell = &line[offset + first..offset + k];
                cells.push(Cell {
                    text: cell.to_string(),
                    column: column(line, offset + first),
                    width: cell.chars().count(),
                });
                start = None;
            }
            _ => {}
        }
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str, delimiter: Delimiter) -> Vec<(String, usize, usize)> {
        (Splitter::new(delimiter).cells(line, 0).into_iter())
            .map(|c| (c.text, c.column, c.width))
            .collect()
    }

    #[test]
    fn quoted_cells_keep_delimiters_and_doubled_quotes_with_their_columns() {
        let cells = split(r#""a,b",2,"say ""hi""","#, Delimiter::Comma);
        let expected = [
            ("a,b", 1, 5),
            ("2", 7, 1),
            (r#"say "hi""#, 9, 12),
            ("", 22, 1),
        ];
        assert_eq!(cells.len(), expected.len());
        for (cell, (text, column, width)) in cells.iter().zip(expected) {
            assert_eq!((cell.0.as_str(), cell.1, cell.2), (text, column, width));
        }
    }

    #[test]
    fn an_open_quote_at_the_end_of_a_line_continues_the_record() {
        assert!(spans("1,\"two\nlines", b',').1);
        assert!(!spans("1,\"closed\",3", b',').1);
        // A quote inside an unquoted cell is an ordinary character.
        assert!(!spans("1,5\"3,2", b',').1);
    }

    #[test]
    fn whitespace_separated_cells_skip_runs_of_blanks_and_tabs() {
        let cells = split("   1  \t 0.5   1.2E+01", Delimiter::Whitespace);
        let columns: Vec<(&str, usize)> = cells.iter().map(|c| (c.0.as_str(), c.1)).collect();
        assert_eq!(columns, [("1", 4), ("0.5", 9), ("1.2E+01", 15)]);
    }
}
