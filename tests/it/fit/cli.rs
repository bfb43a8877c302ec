//! `cartsim fit` end to end: a dataset of simulated Stein patients written as NONMEM CSV,
//! fitted from the command line; the files, the figures, a failing ID that does not stop the
//! others, and bad input.

use super::{STEIN_ESTIMATED, stein_patients};
use crate::cli::{cartsim, scratch};
use crate::{repo_path, shipped};
use std::fmt::Write;
use std::path::Path;

/// The patients as a NONMEM-style dataset (no doses: Stein's model starts from its own
/// initial state), plus an ID with doses only, which cannot be fitted.
pub(crate) fn write_dataset(path: &Path, patients: usize) {
    let model = shipped("stein2019_tisagenlecleucel.yaml");
    let (subjects, _) = stein_patients(&model);
    let mut text = String::from("ID,TIME,DV,AMT,EVID,CMT,MDV,CENS,LLOQ\n");
    for subject in subjects.iter().take(patients) {
        for o in &subject.observations {
            let _ = writeln!(
                text,
                "{},{},{},.,0,.,0,{},{}",
                subject.id,
                o.time,
                o.value,
                u8::from(o.censored),
                o.lloq.unwrap()
            );
        }
    }
    text.push_str("99,0,.,1000,1,E,1,.,.\n");
    std::fs::write(path, text).unwrap();
}

pub(super) fn png_decodes(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    reader.next_frame(&mut pixels).unwrap();
}

#[test]
fn fit_command_writes_estimates_predictions_json_and_figures() {
    let directory = scratch("fit-cli");
    let data = directory.join("stein.csv");
    write_dataset(&data, 3);
    let model = repo_path("models/stein2019_tisagenlecleucel.yaml");
    let out = directory.join("out");
    let output = cartsim(
        &[
            "fit",
            &model.display().to_string(),
            "--data",
            &data.display().to_string(),
            "--estimate",
            &STEIN_ESTIMATED.join(","),
            "--out",
            &out.display().to_string(),
        ],
        &directory,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("ID 99: FAILED: no observations"),
        "{stdout}"
    );
    assert_eq!(stdout.matches(": ok, -2LL").count(), 3, "{stdout}");

    let estimates = std::fs::read_to_string(out.join("estimates.csv")).unwrap();
    let mut lines = estimates.lines();
    assert_eq!(
        lines.next(),
        Some(
            "ID,parameter,estimate,se,rse_percent,ci95_low,ci95_high,at_bound,converged,starts_agree"
        )
    );
    // 3 IDs x (4 parameters + sigma_log).
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 15, "{estimates}");
    for row in &rows {
        let (value, low, high): (f64, f64, f64) = (
            row[2].parse().unwrap(),
            row[5].parse().unwrap(),
            row[6].parse().unwrap(),
        );
        assert!(low < value && value < high, "{row:?}");
    }

    let predictions = std::fs::read_to_string(out.join("predictions.csv")).unwrap();
    let mut lines = predictions.lines();
    assert_eq!(
        lines.next(),
        Some("ID,row,time,output,DV,PRED,IWRES,BLQ,LLOQ")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 3 * super::STEIN_TIMES.len());
    for row in &rows {
        assert_eq!(row[3], "total");
        assert!(row[5].parse::<f64>().unwrap() > 0.0, "{row:?}");
        // BLQ observations have no IWRES; the others do.
        assert_eq!(row[6].is_empty(), row[7] == "1", "{row:?}");
    }
    // Rows refer to the dataset's lines (the header is row 1).
    assert_eq!(rows[0][1], "2");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("fit.json")).unwrap()).unwrap();
    let data_text = std::fs::read(&data).unwrap();
    assert_eq!(
        json["data"]["sha256"],
        cartsim::output::sha256_hex(&data_text)
    );
    assert_eq!(json["gradient"], "forward sensitivity equations");
    assert_eq!(json["failed"], 1);
    assert_eq!(json["subjects"].as_array().unwrap().len(), 4);
    for name in [
        "fits_1.png",
        "observed_vs_predicted.png",
        "iwres_vs_time.png",
        "iwres_vs_prediction.png",
    ] {
        png_decodes(&out.join("figures").join(name));
    }
}

#[test]
fn fit_command_refuses_bad_requests_with_exit_code_1_and_writes_nothing() {
    let directory = scratch("fit-cli-bad");
    let data = directory.join("stein.csv");
    write_dataset(&data, 1);
    let model = repo_path("models/stein2019_tisagenlecleucel.yaml");
    let (model, data) = (model.display().to_string(), data.display().to_string());
    let cases: [(&[&str], &str); 4] = [
        (&["--estimate", "alpah"], "did you mean `alpha`"),
        (&["--estimate", "alpha,alpha"], "names `alpha` twice"),
        (
            &["--estimate", "alpha", "--set", "alpha=0"],
            "must start above 0",
        ),
        (
            &["--estimate", "alpha", "--sigma", "0.5,0.2"],
            "gives 2 value(s)",
        ),
    ];
    for (extra, expected) in cases {
        let out = directory.join("out");
        let mut arguments = vec!["fit", &model, "--data", &data, "--out"];
        let out_text = out.display().to_string();
        arguments.push(&out_text);
        arguments.extend_from_slice(extra);
        let output = cartsim(&arguments, &directory);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{extra:?}: {stderr}");
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
        assert!(!out.exists(), "{extra:?} wrote {}", out.display());
    }
}
