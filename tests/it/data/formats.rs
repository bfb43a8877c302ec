//! Datasets as people write them: the one-compartment dataset (`onecomp.csv`) written the ways R,
//! Excel and NONMEM write it (fixtures in tests/fixtures/data/written/, each built as its file
//! name says) reads to exactly what the plain file reads to; the rows that are not data
//! (comments, `C` rows, --ignore/--accept) are left out and counted; DV on the log scale; and
//! the errors a `;`-separated file or a DV a log-scale error model cannot take get.

use crate::{repo_path, shipped};
use cartsim::data::{DataSubject, Dataset, DvScale, Filter, ReadOptions, read_dataset};
use cartsim::diag::Diagnostic;

fn path(name: &str) -> String {
    repo_path(&format!("tests/fixtures/data/{name}"))
        .display()
        .to_string()
}

fn read_with(name: &str, options: &ReadOptions) -> Result<Dataset, Vec<Diagnostic>> {
    let bytes = std::fs::read(path(name)).expect("fixture readable");
    let model = shipped("onecomp_iv_bolus.yaml");
    read_dataset(name, bytes.as_slice(), &model, options)
}

fn read(name: &str) -> Dataset {
    read_with(name, &ReadOptions::default())
        .unwrap_or_else(|d| panic!("{name}: {}", cartsim::diag::render_all(&d)))
}

/// The subjects without the rows they come from (which differ when a file has extra lines).
fn without_rows(subjects: &[DataSubject]) -> Vec<DataSubject> {
    let mut subjects = subjects.to_vec();
    for subject in &mut subjects {
        subject.row = 0;
        for observation in &mut subject.observations {
            observation.row = 0;
        }
    }
    subjects
}

#[test]
fn every_way_of_writing_the_dataset_reads_to_what_the_plain_file_reads_to() {
    let plain = read("onecomp.csv");
    assert_eq!(plain.subjects.len(), 3);
    for name in [
        "r_write_csv.csv",
        "r_bom_crlf.csv",
        "r_quote_false.csv",
        "hash_header.csv",
        "c_column.csv",
        "tabs.tsv",
        "nonmem_table.dat",
        "excel_empty_rows.csv",
    ] {
        let dataset = read(&format!("written/{name}"));
        assert_eq!(
            without_rows(&dataset.subjects),
            without_rows(&plain.subjects),
            "{name}"
        );
    }
    // Same lines as the plain file: same rows.
    assert_eq!(read("written/r_bom_crlf.csv").subjects, plain.subjects);
    // R's row names are taken for what they are.
    let r = read("written/r_write_csv.csv");
    assert!(
        r.warnings.iter().any(|w| w.contains("R's row names")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn comment_rows_and_c_rows_are_left_out_counted_and_rows_keep_their_lines() {
    let commented = read("written/hash_header.csv");
    // The header is line 2 (after a comment line); the first data row is line 3.
    assert_eq!(commented.subjects[0].row, 3);
    assert_eq!(commented.dropped.comments, 1);
    let c = read("written/c_column.csv");
    // A `C` row (line 4, with a DV that is no number) and an `@` line are not read.
    assert_eq!((c.dropped.c_column, c.dropped.comments), (1, 1));
    assert_eq!(c.subjects[1].observations[0].row, 7);
    let summary = c.dropped.summary().unwrap();
    assert_eq!(
        summary,
        "2 row(s) not read: 1 comment row(s), 1 with `C` in column C"
    );
}

#[test]
fn ignore_and_accept_filters_leave_out_rows_as_nonmem_does() {
    let plain = read("onecomp.csv");
    let options = |filter: Filter| ReadOptions {
        filter: Some(filter),
        ..ReadOptions::default()
    };
    let ignore = read_with(
        "onecomp.csv",
        &options(Filter::Ignore(vec!["ID.EQ.2".parse().unwrap()])),
    )
    .unwrap();
    assert_eq!(
        ignore.subjects,
        [plain.subjects[0].clone(), plain.subjects[2].clone()]
    );
    assert_eq!(ignore.dropped.filtered, 3);
    // ACCEPT keeps the rows where every test holds: ID 3 up to time 12.
    let accept = read_with(
        "onecomp.csv",
        &options(Filter::Accept(vec![
            "ID == 3".parse().unwrap(),
            "TIME <= 12".parse().unwrap(),
        ])),
    )
    .unwrap();
    assert_eq!(accept.dropped.filtered, 13 - 4);
    let times: Vec<f64> = accept.subjects[0]
        .observations
        .iter()
        .map(|o| o.time)
        .collect();
    assert_eq!(times, [9.0, 12.0]);
    let unknown = read_with(
        "onecomp.csv",
        &options(Filter::Ignore(vec!["SEX == 1".parse().unwrap()])),
    )
    .unwrap_err();
    assert!(unknown[0].message.contains("`SEX`"), "{:?}", unknown[0]);
}

#[test]
fn a_semicolon_file_with_decimal_commas_is_refused_naming_the_delimiter() {
    let errors = read_with("written/r_write_csv2.csv", &ReadOptions::default()).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].message.contains("semicolons (`;`)"),
        "{}",
        errors[0].message
    );
    assert!(
        errors[0]
            .hints
            .iter()
            .any(|h| h.contains("--delimiter semicolon"))
    );
    // Asked for, the semicolons separate cells and a decimal comma is named as such.
    let options = ReadOptions {
        delimiter: cartsim::csv::Delimiter::Semicolon,
        ..ReadOptions::default()
    };
    let errors = read_with("written/r_write_csv2.csv", &options).unwrap_err();
    let first = &errors[0];
    assert_eq!(first.message, "row 3, column `TIME`: `2,5` is not a number");
    let location = first.location.as_ref().unwrap();
    assert_eq!((location.line, location.column), (3, 3));
    assert!(
        first.hints.iter().any(|h| h.contains("write `2.5`")),
        "{first:?}"
    );
}

/// onecomp.csv with every DV replaced by its natural logarithm (negative for DVs below 1,
/// first in line 4: ln(0.8)).
fn log_scale_text() -> String {
    let text = std::fs::read_to_string(path("onecomp.csv")).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for line in lines {
        let mut cells: Vec<String> = line.split(',').map(String::from).collect();
        if let Ok(dv) = cells[2].parse::<f64>() {
            cells[2] = format!("{:e}", dv.ln());
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

#[test]
fn log_scale_dvs_read_as_their_exponentials_and_log_models_refuse_dvs_at_or_below_zero() {
    let model = shipped("onecomp_iv_bolus.yaml");
    let plain = read("onecomp.csv");
    let log = ReadOptions {
        dv: DvScale::Log,
        positive_dv: true,
        ..ReadOptions::default()
    };
    let dataset = read_dataset("log.csv", log_scale_text().as_bytes(), &model, &log).unwrap();
    for (a, b) in dataset.subjects.iter().zip(&plain.subjects) {
        for (x, y) in a.observations.iter().zip(&b.observations) {
            // exp(ln y) is y to within a few ulps.
            assert!(
                (x.value - y.value).abs() <= 4.0 * f64::EPSILON * y.value,
                "{x:?} {y:?}"
            );
        }
    }
    // The same text read on the natural scale by a log-scale error model: five DVs below 0,
    // the first in line 4 (DV starts at column 7, after "1,7.3,").
    let natural = ReadOptions {
        positive_dv: true,
        ..ReadOptions::default()
    };
    let errors =
        read_dataset("log.csv", log_scale_text().as_bytes(), &model, &natural).unwrap_err();
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert!(
        errors[0]
            .message
            .starts_with("row 4, column `DV`: DV -0.223"),
        "{}",
        errors[0].message
    );
    let location = errors[0].location.as_ref().unwrap();
    assert_eq!((location.line, location.column), (4, 7));
    assert!(errors[0].hints.iter().any(|h| h.contains("--dv log")));
}

#[test]
fn an_id_with_a_comma_is_refused_at_its_cell_and_e_notation_ids_are_numbers() {
    let model = shipped("onecomp_iv_bolus.yaml");
    let text = "ID,TIME,DV,AMT,EVID,CMT\n\"A,1\",0,.,100,1,A\n1.0000E+01,0,.,100,1,A\n";
    let errors =
        read_dataset("ids.csv", text.as_bytes(), &model, &ReadOptions::default()).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0]
            .message
            .starts_with("row 2, column `ID`: the ID `A,1` holds a comma"),
        "{}",
        errors[0].message
    );
    let location = errors[0].location.as_ref().unwrap();
    assert_eq!((location.line, location.column, location.length), (2, 1, 5));
    let fine = "ID,TIME,DV,AMT,EVID,CMT\nA-1,0,.,100,1,A\n1.0000E+01,0,.,100,1,A\n007,0,.,1,1,A\n";
    let dataset =
        read_dataset("ids.csv", fine.as_bytes(), &model, &ReadOptions::default()).unwrap();
    let ids: Vec<&str> = dataset.subjects.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["A-1", "10", "007"]);
}

#[test]
fn a_wrong_delimiter_is_named_in_the_missing_column_errors() {
    let options = ReadOptions {
        delimiter: cartsim::csv::Delimiter::Tab,
        ..ReadOptions::default()
    };
    let errors = read_with("onecomp.csv", &options).unwrap_err();
    assert_eq!(errors.len(), 6, "{errors:#?}");
    assert!(
        errors[0].notes[0].starts_with("the header was read as one column, `ID,TIME,DV,"),
        "{:?}",
        errors[0].notes
    );
}

/// Files saved in Latin-1 (Windows-1252: Excel's and many editors' default) are refused at the
/// byte that is not UTF-8, with its line and column, the line as read and what the byte is in
/// Latin-1: datasets, subject tables, run files and model files alike (the YAML files and
/// tables said only "stream did not contain valid UTF-8", with a hint about paths).
#[test]
fn latin1_files_are_refused_at_the_byte_with_line_and_column() {
    let directory = crate::cli::scratch("latin1");
    let model = std::fs::read(repo_path("models/cart3.yaml")).unwrap();
    let mut latin1 = b"# Lisboa, caf\xe9\n".to_vec();
    latin1.extend(&model);
    std::fs::write(directory.join("model.yaml"), &latin1).unwrap();
    std::fs::write(directory.join("good.yaml"), &model).unwrap();
    let run = "model: good.yaml\nsimulation: {end: 3, step: 1}\npopulation: {table: s.csv}\n";
    std::fs::write(directory.join("run.yaml"), run).unwrap();
    std::fs::write(
        directory.join("s.csv"),
        b"ID,rho\n1,0.8\n2,0.6 # \xe9t\xe9\n",
    )
    .unwrap();
    let mut bad_run = run.as_bytes().to_vec();
    bad_run.extend(b"# \xc9tude 3\n");
    std::fs::write(directory.join("latin1_run.yaml"), bad_run).unwrap();
    let data = b"ID,TIME,DV,AMT,EVID,CMT,SITE\n1,0,.,1e7,1,E,S\xe3o Paulo\n";
    std::fs::write(directory.join("d.csv"), data).unwrap();
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &["check", "model.yaml"],
            "model.yaml:1:14",
            "`é` in Latin-1",
        ),
        (&["run", "run.yaml"], "s.csv:3:9", "`é` in Latin-1"),
        (
            &["run", "latin1_run.yaml"],
            "latin1_run.yaml:4:3",
            "`É` in Latin-1",
        ),
        (
            &["simulate", "good.yaml", "--data", "d.csv"],
            "d.csv:2:16",
            "`ã` in Latin-1",
        ),
    ];
    for (arguments, place, byte) in cases {
        let output = crate::cli::cartsim(arguments, &directory);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{arguments:?}: {stderr}");
        assert!(
            stderr.contains("is not UTF-8 text")
                && stderr.contains(place)
                && stderr.contains(byte)
                && stderr.contains("save the file as UTF-8")
                && !stderr.contains("relative to the run file"),
            "{arguments:?}: {stderr}"
        );
    }
    // A binary file: the line shown holds no control characters (terminal escapes).
    std::fs::write(directory.join("binary.csv"), b"\x1b[31m\x00\xff\r\n").unwrap();
    let output = crate::cli::cartsim(
        &["simulate", "good.yaml", "--data", "binary.csv"],
        &directory,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("binary.csv:1:"), "{stderr}");
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\0'),
        "{stderr}"
    );
    assert!(!directory.join("output").exists());
}
