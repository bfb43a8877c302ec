//! NONMEM-style datasets: what the reader makes of each EVID, ADDL/II, CMT and DVID by name and
//! number, RATE infusions, BLQ/CENS with LLOQ and covariates; one test per error kind (message,
//! row and column); and (in `simulate`) `cartsim simulate --data` end to end.

mod before_doses;
mod formats;
mod nonmem;
mod nonmem_rows;
mod simulate;
mod time_varying;

use crate::{model_from, repo_path};
use cartsim::data::{DataSubject, Dataset, Observation, ReadOptions, read_dataset};
use cartsim::diag::Diagnostic;
use cartsim::model::{DoseEvent, Model};

/// Three states (E, M, T), two outputs (conc, total), and a `weight` and a `V` to set.
const THREE: &str = "name: three
parameters: {k: 0.1, V: 5, weight: 60}
states: {E: 0, M: 0, T: 1}
odes:
  E: -k * E
  M: k * E
  T: 0
outputs:
  conc: E / V
  total: E + M
simulation: {end: 28, step: 1}
";

// Trajectory columns of THREE: states E, M, T, then outputs conc, total.
const M: usize = 1;
const CONC: usize = 3;
const TOTAL: usize = 4;
const V: usize = 1;
const WEIGHT: usize = 2;

fn three() -> Model {
    model_from("three.yaml", THREE)
}

fn fixture(name: &str) -> (String, String) {
    let path = repo_path(&format!("tests/fixtures/data/{name}"));
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    (format!("tests/fixtures/data/{name}"), text)
}

fn read(name: &str, default_output: Option<usize>) -> Dataset {
    let (file, text) = fixture(name);
    let options = ReadOptions {
        default_output,
        ..ReadOptions::default()
    };
    read_dataset(&file, text.as_bytes(), &three(), &options)
        .unwrap_or_else(|d| panic!("{}", cartsim::diag::render_all(&d)))
}

fn errors(name: &str) -> Vec<Diagnostic> {
    let (file, text) = fixture(name);
    match read_dataset(&file, text.as_bytes(), &three(), &ReadOptions::default()) {
        Ok(dataset) => panic!("{name} was read: {dataset:?}"),
        Err(diagnostics) => diagnostics,
    }
}

/// The only problem `name` has: its message and (line, column).
fn only_error(name: &str) -> (Diagnostic, (usize, usize)) {
    let diagnostics = errors(name);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let diagnostic = diagnostics.into_iter().next().unwrap();
    let location = diagnostic.location.clone().expect("a location");
    assert_eq!(location.file, format!("tests/fixtures/data/{name}"));
    (diagnostic, (location.line, location.column))
}

fn bolus(state: usize, time: f64, amount: f64) -> DoseEvent {
    DoseEvent {
        state,
        time,
        amount,
        duration: None,
    }
}

fn observation(time: f64, column: usize, value: f64, row: usize) -> Observation {
    Observation {
        time,
        column,
        value,
        censored: false,
        lloq: None,
        row,
        before_doses: false,
    }
}

#[test]
fn every_evid_is_read_with_its_nonmem_meaning() {
    let dataset = read("all_events.csv", None);
    assert_eq!(dataset.subjects.len(), 1);
    let subject = &dataset.subjects[0];
    let expected = DataSubject {
        id: "1".into(),
        row: 2,
        covariates: vec![(WEIGHT, 70.0)],
        schedules: Vec::new(),
        // EVID 1 with ADDL 2 every 7 (the repeat at 14 is cancelled by the EVID 3 reset at
        // 10), and EVID 4 at 20: AMT 500 at RATE 100, an infusion over 5.
        doses: vec![
            bolus(0, 0.0, 1e6),
            bolus(0, 7.0, 1e6),
            DoseEvent {
                state: 0,
                time: 20.0,
                amount: 500.0,
                duration: Some(5.0),
            },
        ],
        // EVID 0 with DVID `conc`; CMT 2 (M) without DVID; DVID 2 (total).
        observations: vec![
            observation(1.0, CONC, 5.5, 3),
            observation(4.0, M, 100.0, 6),
            observation(21.0, TOTAL, 2.5, 9),
        ],
        // EVID 2 at 2, and the EVID 0 row with MDV 1 at 3.
        output_times: vec![2.0, 3.0],
        // EVID 3 at 10, EVID 4 at 20.
        resets: vec![10.0, 20.0],
    };
    assert_eq!(subject, &expected);
    assert!(
        dataset
            .warnings
            .iter()
            .any(|w| w.contains("row 7: the reset at time 10 cancels 1 dose(s)")),
        "{:?}",
        dataset.warnings
    );
}

#[test]
fn default_output_takes_observations_without_dvid_before_cmt() {
    let dataset = read("all_events.csv", Some(1));
    let columns: Vec<usize> = dataset.subjects[0]
        .observations
        .iter()
        .map(|o| o.column)
        .collect();
    assert_eq!(columns, [CONC, TOTAL, TOTAL]);
}

#[test]
fn addl_repeats_every_ii_and_cmt_is_a_name_or_a_number() {
    let dataset = read("addl.csv", None);
    let doses: Vec<Vec<DoseEvent>> = dataset.subjects.iter().map(|s| s.doses.clone()).collect();
    assert_eq!(
        doses,
        [
            vec![bolus(0, 0.0, 1e6), bolus(0, 7.0, 1e6), bolus(0, 14.0, 1e6)],
            vec![
                bolus(0, 0.0, 1e6),
                bolus(M, 1.0, 5e5),
                bolus(0, 7.0, 1e6),
                bolus(0, 14.0, 1e6)
            ],
        ]
    );
    assert_eq!(dataset.subjects[0].output_times, [28.0]);
}

#[test]
fn blq_rows_take_their_lloq_or_their_dv_as_the_limit() {
    let dataset = read("blq.csv", None);
    let censored = |time, value, lloq, row| Observation {
        censored: true,
        lloq: Some(lloq),
        ..observation(time, CONC, value, row)
    };
    assert_eq!(
        dataset.subjects[0].observations,
        [
            Observation {
                lloq: Some(50.0),
                ..observation(7.0, CONC, 1200.0, 3)
            },
            // DV missing: the value is the LLOQ.
            censored(14.0, 50.0, 50.0, 4),
            // No LLOQ: DV is the limit.
            censored(21.0, 30.0, 30.0, 5),
        ]
    );
    let dataset = read("cens.csv", None);
    assert_eq!(
        dataset.subjects[0].observations,
        [
            Observation {
                censored: true,
                lloq: Some(25.0),
                ..observation(7.0, TOTAL, 25.0, 3)
            },
            observation(14.0, TOTAL, 900.0, 4),
        ]
    );
}

#[test]
fn covariates_are_matched_to_parameters_by_name_and_one_that_varies_becomes_a_schedule() {
    let dataset = read("covariates.csv", None);
    assert_eq!(dataset.subjects[0].covariates, [(WEIGHT, 70.0), (V, 4.0)]);
    // `weight` changes from 70 (time 0) to 72 (time 7): a schedule, read as NONMEM does.
    assert_eq!(
        dataset.subjects[0].schedules,
        [cartsim::simulate::ParameterSchedule {
            parameter: WEIGHT,
            records: vec![(0.0, 70.0), (7.0, 72.0)],
            interpolation: cartsim::simulate::Interpolation::Nocb,
        }]
    );
    assert_eq!(dataset.time_varying, ["WEIGHT varies within 1 ID (nocb)"]);
    assert_eq!(
        dataset.subjects[0].observations,
        [observation(7.0, 0, 5.0, 3)]
    );
    assert!(dataset.subjects[1].covariates.is_empty());
    let warnings = dataset.warnings.join("\n");
    assert!(!warnings.contains("changes"), "{warnings}");
    assert!(
        warnings.contains("ID 2: no value of the covariate `weight`; the model's value 60 is used"),
        "{warnings}"
    );
}

#[test]
fn decreasing_time_names_the_row_and_the_id() {
    let (error, at) = only_error("bad_time_decreases.csv");
    assert_eq!(
        error.message,
        "row 4: TIME decreases within ID 12 (from 7 in row 3 to 3)"
    );
    assert_eq!(at, (4, 1));
}

#[test]
fn unknown_cmt_name_lists_the_states_and_suggests_a_close_one() {
    let diagnostics = errors("bad_cmt_name.csv");
    let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "row 2, column `CMT`: `EE` is not a state; states: E, M, T",
            "row 3, column `CMT`: `m` is not a state; states: E, M, T",
        ]
    );
    let location = diagnostics[0].location.as_ref().unwrap();
    assert_eq!((location.line, location.column), (2, 13));
    assert!(
        diagnostics[1]
            .hints
            .iter()
            .any(|h| h == "did you mean `M`?"),
        "{:?}",
        diagnostics[1]
    );
}

#[test]
fn cmt_number_out_of_range_lists_the_numbers() {
    let (error, at) = only_error("bad_cmt_index.csv");
    assert_eq!(
        error.message,
        "row 2, column `CMT`: 4 is not a state number; states: 1 = E, 2 = M, 3 = T"
    );
    assert_eq!(at, (2, 13));
}

#[test]
fn steady_state_is_refused_with_what_to_do_instead() {
    let (error, at) = only_error("bad_ss.csv");
    assert!(
        error
            .message
            .starts_with("row 2, column `SS`: 1 is not supported: steady-state doses")
            && error.message.contains("expand the doses explicitly"),
        "{}",
        error.message
    );
    assert_eq!(at, (2, 19));
}

#[test]
fn a_bad_number_names_row_and_column() {
    let (error, at) = only_error("bad_number.csv");
    assert_eq!(error.message, "row 3, column `TIME`: `abc` is not a number");
    assert_eq!(at, (3, 3));
}

#[test]
fn a_missing_required_column_is_named() {
    let (error, at) = only_error("bad_missing_column.csv");
    assert_eq!(error.message, "the dataset has no `EVID` column");
    assert_eq!(at, (1, 1));
}

#[test]
fn rows_of_an_id_must_be_together() {
    let (error, at) = only_error("bad_not_contiguous.csv");
    assert_eq!(
        error.message,
        "row 5: ID 1 appears again after other IDs (its rows so far end at row 3)"
    );
    assert_eq!(at, (5, 1));
}

#[test]
fn unknown_dvid_lists_the_outputs() {
    let diagnostics = errors("bad_dvid.csv");
    let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "row 3, column `DVID`: `cnoc` is not an output; outputs: conc, total",
            "row 4, column `DVID`: 3 is not an output number; outputs: 1 = conc, 2 = total",
        ]
    );
    assert!(
        diagnostics[0]
            .hints
            .iter()
            .any(|h| h == "did you mean `conc`?")
    );
}

#[test]
fn every_problem_of_a_file_is_reported_and_nothing_returned() {
    let messages: Vec<String> = errors("bad_many.csv")
        .into_iter()
        .map(|d| d.message)
        .collect();
    let expected = [
        "row 2, column `AMT`: `x` is not a number",
        "row 3, column `EVID`: 7 is not an EVID",
        "row 4, column `RATE`: -1 is not a supported RATE",
        "row 5, column `CMT`: `Q` is not a state",
        "row 6: an observation (EVID 0, MDV 0) needs DV",
        "row 7: a censored observation (BLQ/CENS = 1) needs LLOQ or DV",
        "row 8, column `CENS`: -1 is not supported",
        "row 9: 3 cells; the header has 9",
        "row 10: a dose (EVID 1 or 4) needs AMT > 0",
    ];
    assert_eq!(messages.len(), expected.len(), "{messages:#?}");
    for (message, start) in messages.iter().zip(expected) {
        assert!(
            message.starts_with(start),
            "{message} (expected {start}...)"
        );
    }
}

#[test]
fn addl_repeats_past_a_million_doses_are_refused_at_the_row_that_crosses() {
    // Ten rows of ADDL 100,000 (the most one row may give) ask for 1,000,010 doses, which used
    // to be expanded in full (each 20-byte row giving 4 MB of doses, without bound); the limit
    // names the tenth dose row (row 11), the first past 1,000,000.
    let mut text = String::from("ID,TIME,DV,AMT,EVID,CMT,II,ADDL\n");
    for id in 1..=10 {
        text.push_str(&format!("{id},0,.,1,1,E,1,100000\n"));
    }
    let diagnostics = read_dataset(
        "many.csv",
        text.as_bytes(),
        &three(),
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert!(
        diagnostics[0]
            .message
            .starts_with("row 11: the dataset gives more than 1000000 doses"),
        "{}",
        diagnostics[0].message
    );
    assert_eq!(diagnostics[0].location.as_ref().map(|l| l.line), Some(11));
    let nine_rows: String = text.lines().take(10).map(|l| format!("{l}\n")).collect();
    let dataset = read_dataset(
        "nine.csv",
        nine_rows.as_bytes(),
        &three(),
        &ReadOptions::default(),
    )
    .expect("900,009 doses");
    assert_eq!(dataset.subjects[8].doses.len(), 100_001);
}
