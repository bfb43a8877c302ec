//! `cartsim simulate --data` end to end: predictions at the observations against
//! one-compartment closed forms (bolus, infusion, resets), EVID 2 rows, figures, run.json; bad
//! data exits 1 with row and column and writes nothing.

use crate::cli::{cartsim, scratch};
use crate::{assert_close, repo_path};
use cartsim::record::provenance::Provenance;
use cartsim::record::simulate::SimulateRun;

/// One-compartment closed forms (CL 5, V 50 unless the dataset sets V; k = CL/V).
fn bolus_concentration(dose: f64, volume: f64, t: f64) -> f64 {
    dose / volume * (-5.0 / volume * t).exp()
}

#[test]
fn simulate_data_matches_the_closed_forms_at_the_observations() {
    let directory = scratch("data");
    let model = repo_path("models/onecomp_iv_bolus.yaml");
    let data = repo_path("tests/fixtures/data/onecomp.csv");
    let output = cartsim(
        &[
            "simulate",
            model.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--out",
            "run",
        ],
        &directory,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let folder = directory.join("run");
    let observations = std::fs::read_to_string(folder.join("observations.csv")).unwrap();
    let mut lines = observations.lines();
    assert_eq!(lines.next(), Some("ID,row,time,output,DV,BLQ,LLOQ,PRED"));
    // The infusion of ID 2: 100 at rate 20 over 5 hours; after it, first-order decay.
    let infusion =
        |t: f64| 20.0 / 5.0 * (1.0 - (-0.1 * t.min(5.0)).exp()) * (-0.1 * (t - 5.0).max(0.0)).exp();
    let expected = [
        ("1", 2.5, bolus_concentration(100.0, 40.0, 2.5)),
        ("1", 7.3, bolus_concentration(100.0, 40.0, 7.3)),
        ("2", 3.7, infusion(3.7)),
        ("2", 8.2, infusion(8.2)),
        // ID 3: a bolus of 100; at 10 a reset and a dose of 50; at 20 a reset to nothing.
        ("3", 9.0, bolus_concentration(100.0, 50.0, 9.0)),
        ("3", 12.0, bolus_concentration(50.0, 50.0, 2.0)),
        ("3", 21.0, 0.0),
    ];
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), expected.len(), "{observations}");
    for (row, (id, time, value)) in rows.iter().zip(expected) {
        assert_eq!(
            (row[0], row[2].parse::<f64>().unwrap(), row[3]),
            (id, time, "conc")
        );
        let predicted: f64 = row[7].parse().unwrap();
        // The model file asks for rtol 1e-8, atol 1e-10 (mg): 1e-6 relative is ample.
        assert_close(predicted, value, 1e-6, 1e-9, &format!("ID {id} at {time}"));
    }
    // The EVID 2 time of ID 3 is a trajectory row.
    let trajectory = std::fs::read_to_string(folder.join("trajectory.csv")).unwrap();
    assert!(trajectory.starts_with("ID,time,A,conc\n"), "{trajectory}");
    let row = trajectory
        .lines()
        .find(|l| l.starts_with("3,12.34,"))
        .expect("a row at the EVID 2 time");
    let conc: f64 = row.split(',').nth(3).unwrap().parse().unwrap();
    assert_close(
        conc,
        bolus_concentration(50.0, 50.0, 2.34),
        1e-6,
        1e-9,
        "ID 3 at 12.34",
    );
    for id in ["1", "2", "3"] {
        let png = std::fs::read(folder.join(format!("figures/ID_{id}.png"))).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let info = decoder.read_info().unwrap().info().clone();
        assert!(info.width >= 1200 && info.height >= 800);
    }
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["data"]["subjects"][0]["covariates"]["V"], 40.0);
    assert_eq!(
        run["data"]["subjects"][2]["resets"],
        serde_json::json!([10.0, 20.0])
    );
    let text = std::fs::read_to_string(folder.join("run.json")).unwrap();
    let record = SimulateRun::from_json(&text, "run.json").unwrap();
    let SimulateRun::Data(record) = &record else {
        panic!("run.json of `simulate --data` read as one simulation")
    };
    assert_eq!(record.data.subjects.len(), 3);
    assert_eq!(record.data.facts.ids, 3);
    let provenance = std::fs::read_to_string(folder.join("provenance.json")).unwrap();
    assert_eq!(
        record.provenance,
        serde_json::from_str::<Provenance>(&provenance).unwrap()
    );
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn bad_data_exits_1_names_row_and_column_and_writes_nothing() {
    let directory = scratch("bad-data");
    let model = repo_path("models/onecomp_iv_bolus.yaml");
    let bad = repo_path("tests/fixtures/data/bad_number.csv");
    let good = repo_path("tests/fixtures/data/onecomp.csv");
    let output = cartsim(
        &[
            "simulate",
            model.to_str().unwrap(),
            "--data",
            bad.to_str().unwrap(),
            "--out",
            "never",
        ],
        &directory,
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("row 3, column `TIME`: `abc` is not a number")
            && stderr.contains("bad_number.csv:3:3"),
        "{stderr}"
    );
    let output = cartsim(
        &[
            "simulate",
            model.to_str().unwrap(),
            "--data",
            good.to_str().unwrap(),
            "--output",
            "cnoc",
            "--out",
            "never",
        ],
        &directory,
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("did you mean `conc`?"), "{stderr}");
    assert!(!directory.join("never").exists());
    let _ = std::fs::remove_dir_all(&directory);
}

/// Clock times and dates in TIME are named as such (not "not a number"), with the model's
/// time unit and how to convert them, each at its row and column; a plain number still reads.
#[test]
fn clock_times_and_dates_in_time_say_time_is_elapsed_time_and_how_to_convert() {
    let directory = scratch("clock-times");
    std::fs::write(
        directory.join("clock.csv"),
        "ID,TIME,DV,AMT,EVID,CMT\n1,0,.,100,1,A\n1,08:30,1,.,0,.\n1,2024-01-05,1,.,0,.\n1,1/5/2024 08:30,1,.,0,.\n1,abc,1,.,0,.\n1,05-Jan-2024,1,.,0,.\n1,Mar 5 2024 8:30 PM,1,.,0,.\n1,may,1,.,0,.\n",
    )
    .unwrap();
    let model = repo_path("models/onecomp_iv_bolus.yaml");
    let simulate = [
        "simulate",
        model.to_str().unwrap(),
        "--data",
        "clock.csv",
        "--out",
        "never",
    ];
    let output = cartsim(&simulate, &directory);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let dates = [
        (3, "08:30"),
        (4, "2024-01-05"),
        (5, "1/5/2024 08:30"),
        (7, "05-Jan-2024"),
        (8, "Mar 5 2024 8:30 PM"),
    ];
    for (row, cell) in dates {
        let message = format!(
            "row {row}, column `TIME`: `{cell}` is a clock time or date; TIME must be the elapsed time as a number, in the model's time unit (hour)"
        );
        assert!(stderr.contains(&message), "{message}\n{stderr}");
        assert!(stderr.contains(&format!("clock.csv:{row}:3")), "{stderr}");
    }
    assert_eq!(
        stderr.matches("clock times and dates are not read").count(),
        5
    );
    assert!(stderr.contains("the time elapsed since a reference, such as the ID's first dose"));
    // Text that is no time at all keeps the plain message.
    assert!(stderr.contains("row 6, column `TIME`: `abc` is not a number"));
    assert!(stderr.contains("row 9, column `TIME`: `may` is not a number"));
    assert!(!directory.join("never").exists());
    let _ = std::fs::remove_dir_all(&directory);
}

/// A TIME far beyond the model's span (1e300: a date typed as a number, say) makes a grid
/// too large to run: the message writes the times as numbers (not 300 digits), names the ID
/// once and adds no empty note about states (there are none before the run starts).
#[test]
fn a_record_time_too_far_for_the_grid_is_named_in_short_numbers() {
    let directory = scratch("far-time");
    std::fs::write(
        directory.join("far.csv"),
        "ID,TIME,DV,AMT,EVID,CMT\n7,0,.,100,1,A\n7,1e300,1,.,0,.\n",
    )
    .unwrap();
    let model = repo_path("models/onecomp_iv_bolus.yaml");
    let output = cartsim(
        &["simulate", model.to_str().unwrap(), "--data", "far.csv"],
        &directory,
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: ID 7: simulation of `onecomp_iv_bolus` failed at time 0: the output grid from 0 to 1e300 every 1 would have")
            && stderr.matches("ID 7").count() == 1
            && !stderr.contains("states at time")
            && stderr.contains("check its TIME values"),
        "{stderr}"
    );
    assert!(!directory.join("output").exists());
}

#[test]
fn figures_are_capped_by_max_figures_and_rows_left_out_are_reported() {
    let directory = scratch("data-cap");
    let model = repo_path("models/onecomp_iv_bolus.yaml");
    let data = repo_path("tests/fixtures/data/written/c_column.csv");
    let (model, data) = (model.to_str().unwrap(), data.to_str().unwrap());
    let output = cartsim(
        &[
            "simulate",
            model,
            "--data",
            data,
            "--max-figures",
            "2",
            "--out",
            "run",
        ],
        &directory,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("figures drawn for 2 of 3 IDs"), "{stdout}");
    let figures: Vec<_> = std::fs::read_dir(directory.join("run/figures"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(figures.len(), 2, "{figures:?}");
    assert!(!directory.join("run/figures/ID_3.png").exists());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("2 row(s) not read: 1 comment row(s), 1 with `C` in column C"),
        "{stderr}"
    );
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(directory.join("run/run.json")).unwrap())
            .unwrap();
    let data_facts = &run["data"];
    assert_eq!(data_facts["rows_not_read"]["c_column"], 1);
    assert_eq!(data_facts["figures"], 2);
    assert_eq!(data_facts["delimiter"], "comma");
    // --ignore and --accept together is a usage error.
    let both = cartsim(
        &[
            "simulate", model, "--data", data, "--ignore", "ID == 1", "--accept", "ID == 2",
        ],
        &directory,
    );
    assert_eq!(both.status.code(), Some(2));
    let bad_test = cartsim(
        &["simulate", model, "--data", data, "--ignore", "DV 0"],
        &directory,
    );
    assert_eq!(bad_test.status.code(), Some(2));
    // Dataset options without a dataset are usage errors too.
    let no_data = cartsim(&["simulate", model, "--dv", "log"], &directory);
    assert_eq!(no_data.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&directory);
}
