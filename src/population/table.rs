//! A subject table: a CSV with one row per subject, an optional `ID` column and columns named
//! after model parameters (read as `crate::csv` reads tables: quoting, comments, a
//! byte-order mark, delimiters detected; an unnamed first column is R's row names and
//! ignored). Every error names the file, row (line) and column.

use crate::csv::{self, Cell, Delimiter, Row, Table};
use crate::diag::Diagnostic;

/// Subjects' parameter values as read from a table.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectTable {
    pub file: String,
    /// (column name, model parameter index), in file order (`ID` excluded).
    pub columns: Vec<(String, usize)>,
    /// Each row's subject ID (its `ID` value, or its row number from 1).
    pub ids: Vec<u64>,
    /// Row-major values, `columns.len()` per subject.
    pub values: Vec<f64>,
}

impl SubjectTable {
    pub fn rows(&self) -> usize {
        self.ids.len()
    }

    /// The median of one column over the rows (the mean of the middle two for an even count).
    pub fn median(&self, column: usize) -> f64 {
        let width = self.columns.len();
        let mut values: Vec<f64> = self.values[column..]
            .iter()
            .step_by(width)
            .copied()
            .collect();
        values.sort_by(f64::total_cmp);
        let middle = values.len() / 2;
        match values.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => values[middle],
            _ => 0.5 * (values[middle - 1] + values[middle]),
        }
    }

    /// (parameter index, value) of one row.
    pub fn row(&self, index: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let width = self.columns.len();
        self.columns
            .iter()
            .zip(&self.values[index * width..(index + 1) * width])
            .map(|((_, parameter), &value)| (*parameter, value))
    }
}

/// Where the header puts things: the `ID` column, R's row names and the parameter columns.
struct Layout {
    id_column: Option<usize>,
    row_names: Option<usize>,
    /// (column name, model parameter index), in file order.
    columns: Vec<(String, usize)>,
}

/// Reads a subject table. `parameters` are the model's parameter names.
pub fn read_table(file: &str, text: &str, parameters: &[&str]) -> Result<SubjectTable, Diagnostic> {
    let (lines, header) = Table::open(file, text.as_bytes(), Delimiter::Auto).map_err(|error| {
        error.hint("a subject table has a header row (`ID,weight,...`) and one row per subject")
    })?;
    let layout = read_header(file, &header, parameters)?;
    let mut ids = Vec::new();
    let mut seen = std::collections::HashMap::new();
    let mut values = Vec::new();
    for line in lines {
        let line = line?;
        read_cells(file, &header.cells, &layout, &line, &mut ids, &mut values)?;
        if layout.id_column.is_none() {
            ids.push(ids.len() as u64 + 1);
        } else if let Some(previous) = seen.insert(ids[ids.len() - 1], line.number) {
            return Err(Diagnostic::new(format!(
                "row {}: ID {} is used again (first in row {previous})",
                line.number,
                ids[ids.len() - 1],
            ))
            .at(line.locate_all(file))
            .hint("each row is one subject; give each a distinct ID"));
        }
    }
    if ids.is_empty() {
        return Err(
            Diagnostic::new(format!("the subject table `{file}` has no rows"))
                .at(header.locate_all(file))
                .hint("add one row per subject under the header"),
        );
    }
    Ok(SubjectTable {
        file: file.to_string(),
        columns: layout.columns,
        ids,
        values,
    })
}

/// The header's columns: row names (an unnamed first column), `ID`, or a model parameter named
/// once; any other name is an error.
fn read_header(file: &str, header: &Row, parameters: &[&str]) -> Result<Layout, Diagnostic> {
    let names = &header.cells;
    let mut id_column = None;
    let mut row_names = None;
    let mut columns = Vec::new();
    for (k, cell) in names.iter().enumerate() {
        let name = cell.text.as_str();
        if name.is_empty() && k == 0 {
            row_names = Some(k);
        } else if name.is_empty() {
            return Err(Diagnostic::new(format!(
                "column {} of the subject table's header has no name",
                k + 1
            ))
            .at(header.locate(file, cell))
            .hint("name it after the parameter it sets, or delete the column (a spreadsheet may have saved empty columns after the last one)"));
        } else if name.eq_ignore_ascii_case("id") {
            id_column = Some(k);
        } else if let Some(parameter) = parameters.iter().position(|p| *p == name) {
            if columns.iter().any(|(n, _)| n == name) {
                return Err(Diagnostic::new(format!("column `{name}` appears twice"))
                    .at(header.locate(file, cell)));
            }
            columns.push((name.to_string(), parameter));
        } else {
            return Err(Diagnostic::new(format!(
                "column `{name}` of the subject table is not a model parameter"
            ))
            .at(header.locate(file, cell))
            .label("not a parameter")
            .suggest(name, parameters.iter().copied())
            .note(format!("parameters: {}", parameters.join(", ")))
            .hint("rename the column after the parameter it sets, or remove it"));
        }
    }
    Ok(Layout {
        id_column,
        row_names,
        columns,
    })
}

/// One row's cells: as many as the header's, its ID (when the table has an `ID` column) pushed
/// to `ids` and its parameter values to `values`.
fn read_cells(
    file: &str,
    names: &[Cell],
    layout: &Layout,
    line: &Row,
    ids: &mut Vec<u64>,
    values: &mut Vec<f64>,
) -> Result<(), Diagnostic> {
    let Layout {
        id_column,
        row_names,
        ..
    } = *layout;
    let cells = &line.cells;
    if cells.len() != names.len() {
        return Err(Diagnostic::new(format!(
            "row {} has {} cells; the header has {}",
            line.number,
            cells.len(),
            names.len()
        ))
        .at(line.locate_all(file))
        .hint("every row needs one value per header column"));
    }
    for (k, cell) in cells.iter().enumerate() {
        let trimmed = cell.text.as_str();
        let bad = |what: &str| {
            Diagnostic::new(format!(
                "row {}, column `{}`: {what}",
                line.number, names[k].text
            ))
            .at(line.locate(file, cell))
        };
        if Some(k) == row_names {
            continue;
        } else if Some(k) == id_column {
            let id: u64 = trimmed.parse().ok().filter(|&id| id > 0).ok_or_else(|| {
                let digits = trimmed.bytes().all(|b| b.is_ascii_digit());
                match digits && trimmed.bytes().any(|b| b != b'0') {
                    true => bad(&format!(
                        "`{trimmed}` is too large for an ID (at most {})",
                        u64::MAX
                    )),
                    false => bad(&format!("`{trimmed}` is not a positive whole number")),
                }
                .hint("IDs are 1, 2, 3, ...")
            })?;
            ids.push(id);
        } else {
            let value = match csv::number(trimmed) {
                Ok(Some(value)) => value,
                Ok(None) => {
                    return Err(bad("the value is missing")
                        .hint("every subject needs a value in every column"));
                }
                Err(csv::NotANumber) => {
                    let hint = csv::decimal_comma_hint(trimmed)
                        .unwrap_or_else(|| "write numbers like 70, 0.3 or 1e9; no units".into());
                    return Err(bad(&format!("`{trimmed}` is not a finite number")).hint(hint));
                }
            };
            values.push(value);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARAMETERS: [&str; 3] = ["rho", "alpha", "weight"];

    #[test]
    fn reads_ids_and_values() {
        let table =
            read_table("t.csv", "ID,rho,weight\n3,0.5,70\n7,0.6,80\n", &PARAMETERS).unwrap();
        assert_eq!(table.ids, vec![3, 7]);
        assert_eq!(table.row(1).collect::<Vec<_>>(), vec![(0, 0.6), (2, 80.0)]);
    }

    #[test]
    fn errors_name_row_and_column() {
        let error = read_table("t.csv", "ID,rho\n1,0.5\n2,abc\n", &PARAMETERS).unwrap_err();
        assert_eq!(
            error.message,
            "row 3, column `rho`: `abc` is not a finite number"
        );
        let location = error.location.unwrap();
        assert_eq!((location.line, location.column), (3, 3));
        let error = read_table("t.csv", "ID,rhoo\n1,0.5\n", &PARAMETERS).unwrap_err();
        assert!(error.hints.iter().any(|h| h.contains("`rho`")), "{error:?}");
        let error = read_table("t.csv", "ID,rho\n1,0.5\n1,0.4\n", &PARAMETERS).unwrap_err();
        assert!(
            error.message.contains("ID 1 is used again"),
            "{}",
            error.message
        );
        let error = read_table("t.csv", "rho\n0.5,1\n", &PARAMETERS).unwrap_err();
        assert!(
            error.message.contains("row 2 has 2 cells"),
            "{}",
            error.message
        );
        assert!(read_table("t.csv", "", &PARAMETERS).is_err());
        assert!(read_table("t.csv", "rho\n", &PARAMETERS).is_err());
        assert!(read_table("t.csv", "ID,rho\n0,1\n", &PARAMETERS).is_err());
    }

    #[test]
    fn r_written_tables_read_with_row_names_quotes_bom_crlf_comments_and_tabs() {
        // write.csv(d, fileEncoding = "UTF-8-BOM") on Windows, with a comment line on top.
        let r = "\u{FEFF}# virtual patients\r\n\"\",\"ID\",\"rho\",\"weight\"\r\n\"1\",3,0.5,70\r\n\"2\",7,0.6,80\r\n";
        let table = read_table("t.csv", r, &PARAMETERS).unwrap();
        assert_eq!(table.ids, vec![3, 7]);
        assert_eq!(table.row(1).collect::<Vec<_>>(), vec![(0, 0.6), (2, 80.0)]);
        let tabs = read_table(
            "t.tsv",
            "ID\trho\tweight\n3\t0.5\t70\n7\t0.6\t80\n",
            &PARAMETERS,
        );
        assert_eq!(
            tabs.unwrap(),
            SubjectTable {
                file: "t.tsv".into(),
                ..table
            }
        );
        let error = read_table("t.csv", "ID,rho\n1,NA\n", &PARAMETERS).unwrap_err();
        assert_eq!(error.message, "row 2, column `rho`: the value is missing");
    }
}
