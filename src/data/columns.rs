//! A dataset's header: which column holds which NONMEM data item (names in any case), which
//! columns are covariates (named after model parameters), and which are ignored.

use super::CovariateRules;
use crate::csv::Row;
use crate::diag::Diagnostic;
use crate::model::Model;
use crate::simulate::Interpolation;

/// The NONMEM data items the reader knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Item {
    Id,
    Time,
    Dv,
    Amt,
    Evid,
    Cmt,
    Mdv,
    Rate,
    Ii,
    Addl,
    Ss,
    Censored,
    Lloq,
    Dvid,
    /// NONMEM's comment column: a row holding `C` there is not read.
    Comment,
}

/// Each item with the header names that mean it.
const ITEMS: [(Item, &[&str]); 15] = [
    (Item::Id, &["ID"]),
    (Item::Time, &["TIME"]),
    (Item::Dv, &["DV"]),
    (Item::Amt, &["AMT"]),
    (Item::Evid, &["EVID"]),
    (Item::Cmt, &["CMT"]),
    (Item::Mdv, &["MDV"]),
    (Item::Rate, &["RATE"]),
    (Item::Ii, &["II"]),
    (Item::Addl, &["ADDL"]),
    (Item::Ss, &["SS"]),
    (Item::Censored, &["BLQ", "CENS"]),
    (Item::Lloq, &["LLOQ"]),
    (Item::Dvid, &["DVID"]),
    (Item::Comment, &["C"]),
];

const REQUIRED: [Item; 6] = [
    Item::Id,
    Item::Time,
    Item::Dv,
    Item::Amt,
    Item::Evid,
    Item::Cmt,
];

/// What each column of a dataset holds.
pub(super) struct Columns {
    /// Header names as written.
    pub names: Vec<String>,
    /// Column index of each item, in `ITEMS` order.
    items: [Option<usize>; ITEMS.len()],
    /// (column index, parameter index, how it is read between records) of each covariate
    /// column.
    pub covariates: Vec<(usize, usize, Interpolation)>,
}

impl Columns {
    /// The column holding `item`, if the file has one.
    pub fn get(&self, item: Item) -> Option<usize> {
        self.items[item as usize]
    }
}

/// The parameter a column is named after: the exact name, else the only one equal ignoring case.
fn parameter_named(model: &Model, name: &str) -> Option<usize> {
    model.parameter_index(name).or_else(|| {
        let mut matches = (model.parameters.iter().enumerate())
            .filter(|(_, p)| p.name.eq_ignore_ascii_case(name))
            .map(|(index, _)| index);
        match (matches.next(), matches.next()) {
            (Some(index), None) => Some(index),
            _ => None,
        }
    })
}

/// Reads the header, covariate columns read as `rules` say; `None` (with diagnostics) when it
/// cannot be used.
pub(super) fn read_header(
    (file, header): (&str, &Row),
    model: &Model,
    rules: &CovariateRules,
    diagnostics: &mut Vec<Diagnostic>,
    warnings: &mut Vec<String>,
) -> Option<Columns> {
    let cells = &header.cells;
    let before = diagnostics.len();
    let mut columns = Columns {
        names: cells.iter().map(|c| c.text.to_string()).collect(),
        items: [None; ITEMS.len()],
        covariates: Vec::new(),
    };
    let parameters: Vec<&str> = model.parameters.iter().map(|p| p.name.as_str()).collect();
    for (k, cell) in cells.iter().enumerate() {
        let name = cell.text.as_str();
        let item = ITEMS
            .iter()
            .find(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(name)));
        let repeated = |first: usize| {
            Diagnostic::new(format!(
                "column `{name}` repeats column `{}`",
                columns.names[first]
            ))
            .at(header.locate(file, cell))
            .label("second column for the same item")
            .hint("keep one of the two columns")
        };
        if name.is_empty() && k == 0 {
            warnings.push(format!(
                "{file}: the first column has no name: it is taken as R's row names and ignored"
            ));
        } else if name.is_empty() {
            diagnostics.push(
                Diagnostic::new(format!("column {} of the header has no name", k + 1))
                    .at(header.locate(file, cell))
                    .hint("name every column, e.g. `ID,TIME,DV,AMT,EVID,CMT`"),
            );
        } else if let Some(&(item, _)) = item {
            match columns.items[item as usize] {
                Some(first) => diagnostics.push(repeated(first)),
                None => columns.items[item as usize] = Some(k),
            }
        } else if let Some(parameter) = parameter_named(model, name) {
            match columns.covariates.iter().find(|(_, p, _)| *p == parameter) {
                Some(&(first, _, _)) => diagnostics.push(repeated(first)),
                None => columns.covariates.push((k, parameter, rules.default)),
            }
        } else {
            let guess = crate::diag::closest(name, parameters.iter().copied())
                .map(|p| format!(" (did you mean the parameter `{p}`?)"))
                .unwrap_or_default();
            warnings.push(format!(
                "{file}: column `{name}` is ignored: it is neither a NONMEM data item nor a parameter of `{}`{guess}",
                model.name
            ));
        }
    }
    // What the header was read as: one long name means another delimiter.
    let seen = if columns.names.len() == 1 {
        format!(
            "the header was read as one column, `{}`; if its cells are separated by something else, say so with `--delimiter`",
            columns.names[0]
        )
    } else {
        format!("the header's columns: {}", columns.names.join(", "))
    };
    for item in REQUIRED {
        if columns.get(item).is_none() {
            let (_, names) = ITEMS[item as usize];
            diagnostics.push(
                Diagnostic::new(format!("the dataset has no `{}` column", names[0]))
                    .at(header.locate_all(file))
                    .label("header")
                    .hint(format!(
                        "add the `{}` column; required: ID, TIME, DV, AMT, EVID, CMT (`.` where a value does not apply)",
                        names[0]
                    ))
                    .note(seen.clone()),
            );
        }
    }
    apply_rules(&mut columns, (file, header), model, rules, diagnostics);
    (diagnostics.len() == before).then_some(columns)
}

/// Each column `rules` names read as it says; a name that is no covariate column is an error.
fn apply_rules(
    columns: &mut Columns,
    (file, header): (&str, &Row),
    model: &Model,
    rules: &CovariateRules,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (name, interpolation) in &rules.columns {
        let names = &columns.names;
        let found = (columns.covariates.iter_mut()).find(|(column, parameter, _)| {
            names[*column].eq_ignore_ascii_case(name)
                || model.parameters[*parameter].name.eq_ignore_ascii_case(name)
        });
        match found {
            Some(covariate) => covariate.2 = *interpolation,
            None => {
                let covariates: Vec<&str> = (columns.covariates.iter())
                    .map(|&(column, _, _)| names[column].as_str())
                    .collect();
                let hint = match covariates.is_empty() {
                    true => format!(
                        "`{file}` has no covariate column (one named after a parameter of `{}`); drop `{name}=` from --covariates",
                        model.name
                    ),
                    false => format!("its covariate columns: {}", covariates.join(", ")),
                };
                diagnostics.push(
                    Diagnostic::new(format!(
                        "--covariates {name}={}: `{name}` is not a covariate column of `{file}`",
                        interpolation.name()
                    ))
                    .at(header.locate_all(file))
                    .label("header")
                    .hint(hint),
                );
            }
        }
    }
}
