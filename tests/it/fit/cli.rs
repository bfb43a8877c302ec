//! `cartsim fit` end to end: a dataset of simulated Stein patients written as NONMEM CSV,
//! fitted from the command line; the files, the figures, a failing ID that does not stop the
//! others, and bad input.

use super::{STEIN_ESTIMATED, stein_patients};
use crate::cli::{cartsim, scratch};
use crate::{repo_path, shipped};
use cartsim::record::fit::{FitRecord, SubjectOutcome};
use cartsim::record::provenance::Provenance;
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
    // The typed record reads back (NaN written as null), with the failed ID's reason and the
    // provenance that provenance.json holds.
    let text = std::fs::read_to_string(out.join("fit.json")).unwrap();
    let record: FitRecord = cartsim::record::from_json(&text, "fit.json").unwrap();
    assert_eq!(record.format_version, 1);
    assert!(matches!(
        &record.subjects[3].outcome,
        SubjectOutcome::Error(reason) if reason.contains("no observations")
    ));
    let provenance = std::fs::read_to_string(out.join("provenance.json")).unwrap();
    let provenance: Provenance = serde_json::from_str(&provenance).unwrap();
    assert_eq!(record.provenance, provenance);
    assert_eq!(record.wall_time_seconds, provenance.wall_time_seconds);
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

/// (CL, V) of ID 1 in `estimates.csv` under `out`.
fn clearance_and_volume(out: &Path) -> (f64, f64) {
    let text = std::fs::read_to_string(out.join("estimates.csv")).unwrap();
    let value = |name: &str| -> f64 {
        let row = text
            .lines()
            .find(|l| l.starts_with(&format!("1,{name},")))
            .unwrap_or_else(|| panic!("no {name} in {text}"));
        row.split(',').nth(2).unwrap().parse().unwrap()
    };
    (value("CL"), value("V"))
}

/// Log-additive error on a one-compartment bolus: ln y = ln(D/V) - (CL/V) t + e, so the
/// maximum-likelihood CL and V are those of the least-squares line through (t, ln y). The
/// same data given on the natural scale and as ln(DV) with `--dv log` both give it.
#[test]
fn log_scale_data_with_dv_log_fit_as_the_natural_scale_data_and_the_regression_line() {
    let directory = scratch("fit-dv-log");
    let times = [1.0, 2.0, 4.0, 8.0];
    let observed = [1.85, 1.58, 1.38, 0.87];
    let header = "ID,TIME,DV,AMT,EVID,CMT,MDV\n1,0,.,100,1,A,1\n";
    let (mut natural, mut log) = (header.to_string(), header.to_string());
    for (t, y) in times.iter().zip(observed) {
        let _ = writeln!(natural, "1,{t},{y},.,0,.,0");
        let _ = writeln!(log, "1,{t},{:e},.,0,.,0", f64::ln(y));
    }
    std::fs::write(directory.join("natural.csv"), natural).unwrap();
    std::fs::write(directory.join("log.csv"), log).unwrap();
    let model = repo_path("models/onecomp_iv_bolus.yaml");
    let fit = |data: &str, out: &str, extra: &[&str]| {
        let model = model.to_str().unwrap();
        let mut arguments = vec![
            "fit",
            model,
            "--data",
            data,
            "--estimate",
            "CL,V",
            "--out",
            out,
        ];
        arguments.extend_from_slice(extra);
        let output = cartsim(&arguments, &directory);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        clearance_and_volume(&directory.join(out))
    };
    let from_natural = fit("natural.csv", "natural", &[]);
    let from_log = fit("log.csv", "log", &["--dv", "log"]);
    // The least-squares line through (t, ln y).
    let n = times.len() as f64;
    let logs: Vec<f64> = observed.iter().map(|y: &f64| y.ln()).collect();
    let (t_mean, l_mean) = (times.iter().sum::<f64>() / n, logs.iter().sum::<f64>() / n);
    let sxy: f64 = (times.iter().zip(&logs))
        .map(|(t, l)| (t - t_mean) * (l - l_mean))
        .sum();
    let sxx: f64 = times.iter().map(|t| (t - t_mean).powi(2)).sum();
    let slope = sxy / sxx;
    let volume = 100.0 / (l_mean - slope * t_mean).exp();
    let expected = (-slope * volume, volume);
    for (what, (cl, v)) in [("natural", from_natural), ("log", from_log)] {
        // The fit stops when -2LL changes by < 1e-9 relative and predictions are accurate to
        // rtol 1e-8: estimates within 1e-5 relative of the optimum.
        crate::assert_close(cl, expected.0, 1e-5, 0.0, &format!("CL from {what}"));
        crate::assert_close(v, expected.1, 1e-5, 0.0, &format!("V from {what}"));
    }
    // The two files differ by at most a few ulps per DV: the same search, the same estimates.
    crate::assert_close(from_log.0, from_natural.0, 1e-9, 0.0, "CL log vs natural");
    crate::assert_close(from_log.1, from_natural.1, 1e-9, 0.0, "V log vs natural");
    let fit_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(directory.join("log/fit.json")).unwrap())
            .unwrap();
    assert_eq!(fit_json["data"]["dv_scale"], "log");
    let _ = std::fs::remove_dir_all(&directory);
}

/// y' = k y^2 from y(0) = 1 blows up at t = 1/k: with k = 1 and an observation at t = 2, every
/// start of the fit fails in the simulation, and the reason keeps where and what to try.
#[test]
fn a_subject_whose_simulation_fails_keeps_the_time_states_and_hint() {
    let directory = scratch("fit-blowup");
    let model = directory.join("blowup.yaml");
    std::fs::write(
        &model,
        "name: blowup\nparameters:\n  k: {value: 1}\nstates:\n  y: {initial: 1}\n\
         odes:\n  y: k * y^2\noutputs:\n  level: {expr: y}\nsimulation: {end: 2, step: 0.5}\n",
    )
    .unwrap();
    let data = directory.join("data.csv");
    std::fs::write(
        &data,
        "ID,TIME,DV,AMT,EVID,CMT\n1,0.5,2,.,0,.\n1,2,5,.,0,.\n",
    )
    .unwrap();
    let out = directory.join("out");
    let output = cartsim(
        &[
            "fit",
            &model.display().to_string(),
            "--data",
            &data.display().to_string(),
            "--estimate",
            "k",
            "--starts",
            "1",
            "--out",
            &out.display().to_string(),
        ],
        &directory,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("ID 1: FAILED: "))
        .unwrap_or_default();
    assert!(
        line.contains("the simulation failed at time ")
            && line.contains("states at time ")
            && line.contains("y = ")
            && line.contains("hint: "),
        "{stdout}\n{stderr}"
    );
    let text = std::fs::read_to_string(out.join("fit.json")).unwrap();
    let record: FitRecord = cartsim::record::from_json(&text, "fit.json").unwrap();
    assert!(
        matches!(&record.subjects[0].outcome, SubjectOutcome::Error(reason) if reason.contains("states at time ")),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&directory);
}
