//! Which data rows are read, as NONMEM's `$DATA IGNORE=` and `ACCEPT=` say it: tests on a
//! column's value (`C == C`, `DV.LT.0`) or on a row's first character (`@`, `#`), parsed from
//! the command line and resolved against a dataset's header.

use crate::csv::Row;
use crate::diag::Diagnostic;

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// One test on a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// `COLUMN OP VALUE`: numbers compare as numbers; otherwise `==` and `!=` compare text, and
    /// the ordering tests hold for no cell that is not a number.
    Compare {
        column: String,
        op: Op,
        value: String,
    },
    /// A single character: the row's first non-blank character is it (NONMEM's `IGNORE=C`);
    /// `@` means a letter or `@` (`IGNORE=@`).
    FirstCharacter(char),
}

/// The tests of `--ignore` (a row is dropped when any holds) or `--accept` (a row is kept only
/// when every one holds).
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Ignore(Vec<Test>),
    Accept(Vec<Test>),
}

/// Operators as written, longest first within each kind.
const OPERATORS: [(&str, Op); 16] = [
    (".EQN.", Op::Eq),
    (".NEN.", Op::Ne),
    (".EQ.", Op::Eq),
    (".NE.", Op::Ne),
    (".LT.", Op::Lt),
    (".LE.", Op::Le),
    (".GT.", Op::Gt),
    (".GE.", Op::Ge),
    ("==", Op::Eq),
    ("!=", Op::Ne),
    ("/=", Op::Ne),
    ("<=", Op::Le),
    (">=", Op::Ge),
    ("<", Op::Lt),
    (">", Op::Gt),
    ("=", Op::Eq),
];

impl std::str::FromStr for Test {
    type Err = String;

    /// `COLUMN OP VALUE` with OP one of `== != < <= > >=` (or `=`, `/=`) or NONMEM's `.EQ.
    /// .NE. .LT. .LE. .GT. .GE.` (any case); or one character such as `@` or `C`. A list in
    /// parentheses is split by the caller at commas; the parentheses are dropped here.
    fn from_str(text: &str) -> Result<Test, String> {
        let text = text
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .trim();
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Ok(Test::FirstCharacter(c));
        }
        let upper = text.to_ascii_uppercase();
        let Some((at, written, op)) = (OPERATORS.iter())
            .filter_map(|&(written, op)| upper.find(written).map(|at| (at, written, op)))
            .min_by_key(|&(at, written, _)| (at, std::cmp::Reverse(written.len())))
        else {
            return Err(format!(
                "`{text}` is not a test: write `COLUMN OP VALUE` with OP one of == != < <= > >= (or .EQ. .NE. .LT. .LE. .GT. .GE.), e.g. `C == C` or `DV.LT.0`; or a mark such as `@`"
            ));
        };
        let column = text[..at].trim();
        let value = text[at + written.len()..].trim();
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        if column.is_empty() || value.is_empty() || column.contains(char::is_whitespace) {
            return Err(format!(
                "`{text}`: write one column name, an operator and a value, e.g. `C == C`"
            ));
        }
        let ordering = !matches!(op, Op::Eq | Op::Ne);
        if ordering && crate::csv::number(value).ok().flatten().is_none() {
            return Err(format!(
                "`{text}`: `{value}` is not a number to compare with"
            ));
        }
        Ok(Test::Compare {
            column: column.to_string(),
            op,
            value: value.to_string(),
        })
    }
}

impl std::fmt::Display for Test {
    /// The test as `--ignore` takes it, in our syntax.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Test::FirstCharacter(c) => write!(f, "{c}"),
            Test::Compare { column, op, value } => {
                let op = match op {
                    Op::Eq => "==",
                    Op::Ne => "!=",
                    Op::Lt => "<",
                    Op::Le => "<=",
                    Op::Gt => ">",
                    Op::Ge => ">=",
                };
                write!(f, "{column} {op} {value}")
            }
        }
    }
}

/// A test with its column found in the header.
#[derive(Debug)]
enum Resolved<'a> {
    Compare(usize, Op, &'a str),
    FirstCharacter(char),
}

/// A filter ready to apply to the rows of one file.
#[derive(Debug)]
pub(super) struct RowFilter<'a> {
    accept: bool,
    tests: Vec<Resolved<'a>>,
}

impl Filter {
    /// Each test's column found among `names` (any case); an unknown column is reported.
    pub(super) fn resolve<'a>(
        &'a self,
        names: &[String],
    ) -> Result<RowFilter<'a>, Vec<Diagnostic>> {
        let (accept, tests, option) = match self {
            Filter::Ignore(tests) => (false, tests, "--ignore"),
            Filter::Accept(tests) => (true, tests, "--accept"),
        };
        let mut problems = Vec::new();
        let mut resolved = Vec::new();
        for test in tests {
            match test {
                Test::FirstCharacter(c) => resolved.push(Resolved::FirstCharacter(*c)),
                Test::Compare { column, op, value } => {
                    match names.iter().position(|n| n.eq_ignore_ascii_case(column)) {
                        Some(k) => resolved.push(Resolved::Compare(k, *op, value)),
                        None => problems.push(
                            Diagnostic::new(format!(
                                "`{option}` tests the column `{column}`, which the dataset does not have"
                            ))
                            .suggest(column, names.iter().map(String::as_str))
                            .note(format!("columns: {}", names.join(", "))),
                        ),
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(RowFilter {
                accept,
                tests: resolved,
            })
        } else {
            Err(problems)
        }
    }
}

impl RowFilter<'_> {
    /// Whether `row` is dropped.
    pub fn drops(&self, row: &Row) -> bool {
        let holds = |test: &Resolved| match *test {
            Resolved::FirstCharacter(mark) => {
                let first = row.text.trim_start().trim_start_matches('"').chars().next();
                first.is_some_and(|c| c == mark || (mark == '@' && c.is_alphabetic()))
            }
            Resolved::Compare(column, op, value) => {
                (row.cells.get(column)).is_some_and(|cell| compare(&cell.text, op, value))
            }
        };
        if self.accept {
            !self.tests.iter().all(holds)
        } else {
            self.tests.iter().any(holds)
        }
    }
}

/// `cell OP value`, as `Test::Compare` says.
fn compare(cell: &str, op: Op, value: &str) -> bool {
    let numbers = (cell.parse::<f64>().ok()).zip(value.parse::<f64>().ok());
    match (numbers, op) {
        (Some((x, y)), _) => match op {
            Op::Eq => x == y,
            Op::Ne => x != y,
            Op::Lt => x < y,
            Op::Le => x <= y,
            Op::Gt => x > y,
            Op::Ge => x >= y,
        },
        (None, Op::Eq) => cell == value,
        (None, Op::Ne) => cell != value,
        (None, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv::{Delimiter, Table};

    fn test(text: &str) -> Test {
        text.parse().unwrap()
    }

    fn compare_test(column: &str, op: Op, value: &str) -> Test {
        Test::Compare {
            column: column.into(),
            op,
            value: value.into(),
        }
    }

    #[test]
    fn tests_parse_in_our_syntax_and_nonmem_s() {
        assert_eq!(test("C == C"), compare_test("C", Op::Eq, "C"));
        assert_eq!(test("dv.lt.0"), compare_test("dv", Op::Lt, "0"));
        assert_eq!(test("(EVID.NE.2)"), compare_test("EVID", Op::Ne, "2"));
        assert_eq!(test("TIME>=24"), compare_test("TIME", Op::Ge, "24"));
        assert_eq!(test("STUDY='A'"), compare_test("STUDY", Op::Eq, "A"));
        assert_eq!(test("@"), Test::FirstCharacter('@'));
        assert_eq!(test("C"), Test::FirstCharacter('C'));
        assert_eq!(test("dv.le.0.5").to_string(), "dv <= 0.5");
        for bad in ["", "DV 0", "== 3", "DV < high", "MY ID == 1"] {
            assert!(bad.parse::<Test>().is_err(), "{bad}");
        }
    }

    /// Rows 2..: which are dropped by `filter`.
    fn dropped(filter: &Filter, text: &str) -> Vec<usize> {
        let (table, header) = Table::open("d.csv", text.as_bytes(), Delimiter::Auto).unwrap();
        let names: Vec<String> = header.cells.iter().map(|c| c.text.clone()).collect();
        let filter = filter.resolve(&names).unwrap();
        (table.map(Result::unwrap))
            .filter(|row| filter.drops(row))
            .map(|row| row.number)
            .collect()
    }

    #[test]
    fn ignore_drops_rows_where_any_test_holds_and_accept_keeps_rows_where_all_hold() {
        let text = "ID,DV,FLAG\n1,-1,.\n1,2.0,x\n2,3,.\nA,4,.\n";
        let ignore = Filter::Ignore(vec![test("DV < 0"), test("flag == x")]);
        assert_eq!(dropped(&ignore, text), [2, 3]);
        // Numbers compare as numbers: 2.0 == 2.
        let ignore = Filter::Ignore(vec![test("DV.EQ.2")]);
        assert_eq!(dropped(&ignore, text), [3]);
        let accept = Filter::Accept(vec![test("ID == 1"), test("DV > 0")]);
        assert_eq!(dropped(&accept, text), [2, 4, 5]);
        let letters = Filter::Ignore(vec![test("@")]);
        assert_eq!(dropped(&letters, text), [5]);
        let unknown = Filter::Ignore(vec![test("DVV == 1")]);
        let problems = unknown.resolve(&["ID".into(), "DV".into()]).unwrap_err();
        assert!(problems[0].message.contains("`DVV`"), "{:?}", problems[0]);
        assert!(problems[0].hints.iter().any(|h| h.contains("`DV`")));
    }
}
