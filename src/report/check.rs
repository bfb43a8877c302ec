//! Checking the tables of an output folder before a report shows them: a table cut short or
//! edited is refused with its file, row and column instead of losing rows without a word.

use crate::csv::{lines, split_quoted};
use crate::diag::Diagnostic;

/// The columns of a table a report reads: those it needs, and which hold numbers.
pub struct Shape {
    pub required: &'static [&'static str],
    pub numbers: Numbers,
}

/// Which columns of a table hold numbers (an empty cell is a missing number).
pub enum Numbers {
    Named(&'static [&'static str]),
    /// Every column but the first (a name per row).
    AfterFirst,
}

/// summary.csv of `run`.
pub const SUMMARY: Shape = Shape {
    required: &["scenario", "metric", "n", "p50"],
    numbers: Numbers::Named(&[
        "n", "p05", "p25", "p50", "p75", "p95", "fraction", "ci_low", "ci_high",
    ]),
};

/// metrics.csv of `simulate`: one row per output.
pub const EXPOSURES: Shape = Shape {
    required: &[],
    numbers: Numbers::AfterFirst,
};

/// estimates.csv of `fit` (individual or population).
pub const ESTIMATES: Shape = Shape {
    required: &["parameter", "estimate"],
    numbers: Numbers::Named(&[
        "estimate",
        "se",
        "rse_percent",
        "se_hessian",
        "se_sandwich",
        "ci95_low",
        "ci95_high",
    ]),
};

/// Refuses `text` (the table `file`) unless it ends with a line break, has the columns of
/// `shape`, the header's number of cells in every row, and numbers where numbers belong.
pub fn check_table(file: &str, text: &str, shape: &Shape) -> Result<(), Diagnostic> {
    let hint = "the file was cut short or edited: run the command again to write it whole";
    let mut rows = lines(text);
    let Some(header) = rows.next() else {
        return Err(Diagnostic::new(format!("`{file}` is empty")).hint(hint));
    };
    if !text.ends_with('\n') {
        return Err(Diagnostic::new(format!(
            "`{file}`: row {} is cut short (the file does not end with a line break)",
            text.lines().count()
        ))
        .hint(hint));
    }
    let names: Vec<String> = split_quoted(header.text);
    let names: Vec<&str> = names.iter().map(|n| n.trim()).collect();
    if let Some(missing) = shape.required.iter().find(|r| !names.contains(r)) {
        return Err(
            Diagnostic::new(format!("`{file}`: the header has no column `{missing}`")).hint(hint),
        );
    }
    for row in rows {
        let cells = split_quoted(row.text);
        if cells.len() != names.len() {
            return Err(Diagnostic::new(format!(
                "`{file}`: row {} has {} cells; the header has {}",
                row.number,
                cells.len(),
                names.len()
            ))
            .at(row.locate_all(file))
            .hint(hint));
        }
        for (k, (name, cell)) in names.iter().zip(&cells).enumerate() {
            let number = match shape.numbers {
                Numbers::Named(named) => named.contains(name),
                Numbers::AfterFirst => k > 0,
            };
            let cell = cell.trim();
            if number && !cell.is_empty() && cell.parse::<f64>().is_err() {
                return Err(Diagnostic::new(format!(
                    "`{file}`: row {}, column `{name}`: `{cell}` is not a number",
                    row.number
                ))
                .at(row.locate_all(file))
                .hint(hint));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{ESTIMATES, EXPOSURES, SUMMARY, check_table};

    const SUMMARY_CSV: &str = "scenario,metric,n,p05,p25,p50,p75,p95,fraction,ci_low,ci_high\n\
        \"'-low, dose\",failed,10,,,,,,0,,\n\
        low,cmax,10,1,2,3,4,5,NaN,NaN,NaN\n";

    #[test]
    fn whole_tables_pass() {
        assert!(check_table("summary.csv", SUMMARY_CSV, &SUMMARY).is_ok());
        let metrics = "output,cmax,tmax\ntotal,2.5e4,9.3\n";
        assert!(check_table("metrics.csv", metrics, &EXPOSURES).is_ok());
        let estimates = "ID,parameter,estimate,se,rse_percent,ci95_low,ci95_high,at_bound,converged\n\
            =1,k,0.1,0.01,10,0.08,0.12,0,1\n";
        assert!(check_table("estimates.csv", estimates, &ESTIMATES).is_ok());
    }

    #[test]
    fn a_table_cut_short_is_refused_with_its_row() {
        let cut = &SUMMARY_CSV[..SUMMARY_CSV.len() - 12];
        let error = check_table("out/summary.csv", cut, &SUMMARY).unwrap_err();
        assert_eq!(
            error.message,
            "`out/summary.csv`: row 3 is cut short (the file does not end with a line break)"
        );
        let lost_cells = SUMMARY_CSV.replace("4,5,NaN,NaN,NaN\n", "4\n");
        let error = check_table("summary.csv", &lost_cells, &SUMMARY).unwrap_err();
        assert_eq!(
            error.message,
            "`summary.csv`: row 3 has 7 cells; the header has 11"
        );
        assert_eq!(error.location.map(|l| l.line), Some(3));
    }

    #[test]
    fn an_edited_cell_or_header_is_refused() {
        let edited = SUMMARY_CSV.replace(",3,4,", ",three,4,");
        let error = check_table("summary.csv", &edited, &SUMMARY).unwrap_err();
        assert_eq!(
            error.message,
            "`summary.csv`: row 3, column `p50`: `three` is not a number"
        );
        let renamed = SUMMARY_CSV.replace("metric", "measure");
        let error = check_table("summary.csv", &renamed, &SUMMARY).unwrap_err();
        assert_eq!(
            error.message,
            "`summary.csv`: the header has no column `metric`"
        );
        let error = check_table("metrics.csv", "output,cmax\ntotal,x\n", &EXPOSURES).unwrap_err();
        assert!(error.message.contains("column `cmax`: `x`"), "{error:?}");
        assert!(check_table("summary.csv", "", &SUMMARY).is_err());
    }
}
