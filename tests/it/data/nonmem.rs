//! Simulated observations as a NONMEM dataset: the writer's rows read back by the reader to the
//! doses, observations (residual error computed here, censoring at the LLOQ) and covariates
//! written; `simulate --nonmem-out` against the one-compartment closed form; `run
//! --save-observations` against the run's own trajectories.csv observations.

use super::{CONC, M, WEIGHT, three};
use crate::cli::{cartsim, scratch};
use crate::repo_path;
use cartsim::data::nonmem::{NonmemLayout, ObservationDesign, SubjectRecords};
use cartsim::data::{ReadOptions, read_dataset};
use cartsim::model::DoseEvent;
use cartsim::population::ResidualModel;

const SD: f64 = 0.3;
const LLOQ: f64 = 0.05;

/// Runs `cartsim arguments` in `directory`, which must succeed, and reads the file `written`.
fn run_and_read(directory: &std::path::Path, arguments: &[&str], written: &str) -> String {
    let output = cartsim(arguments, directory);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    read(&directory.join(written))
}

fn written(column: usize, lloq: Option<f64>) -> String {
    let model = three();
    let design = ObservationDesign {
        column,
        residual: ResidualModel::Exponential { sd: SD },
        lloq,
    };
    let layout = NonmemLayout::new(&model, &design, &[WEIGHT], 2);
    let doses = [
        DoseEvent {
            state: 0,
            time: 0.0,
            amount: 10.0,
            duration: None,
        },
        DoseEvent {
            state: 1,
            time: 2.0,
            amount: 4.0,
            duration: Some(0.5),
        },
    ];
    let mut text = layout.header();
    for (id, weight) in [(7, 61.5), (8, 80.0)] {
        let records = SubjectRecords {
            id,
            arm: 2,
            covariates: &[weight],
            doses: &doses,
            resets: &[],
            other_events: &[],
            times: &[0.0, 1.0, 2.0, 3.0],
            before_doses: &[],
            predictions: &[1.0, 0.5, 0.06, 0.04],
            deviates: &[0.0, 1.0, -1.0, 2.0],
        };
        assert_eq!(layout.write_subject(&mut text, &design, &records), None);
    }
    text
}

#[test]
fn written_rows_read_back_to_doses_observations_and_covariates() {
    let text = written(CONC, Some(LLOQ));
    let model = three();
    let dataset = read_dataset(
        "written.csv",
        text.as_bytes(),
        &model,
        &ReadOptions::default(),
    )
    .unwrap_or_else(|d| panic!("{}\n{text}", cartsim::diag::render_all(&d)));
    // ARM is not a parameter of THREE: ignored, with a warning.
    assert_eq!(dataset.warnings.len(), 1, "{:?}", dataset.warnings);
    assert_eq!(dataset.subjects.len(), 2);
    let subject = &dataset.subjects[1];
    assert_eq!(subject.id, "8");
    assert_eq!(subject.covariates, vec![(2, 80.0)]);
    assert_eq!(subject.doses.len(), 2);
    assert_eq!((subject.doses[1].state, subject.doses[1].amount), (1, 4.0));
    // RATE = 4 / 0.5 = 8 reads back as a duration of 4 / 8.
    assert_eq!(subject.doses[1].duration, Some(0.5));
    // y = f exp(0.3 e): 1, 0.5 e^0.3, 0.06 e^-0.3 = 0.0444 (< LLOQ: censored at 0.05),
    // 0.04 e^0.6 = 0.0729.
    let expected = [
        (1.0, false),
        (0.5 * 0.3f64.exp(), false),
        (LLOQ, true),
        (0.04 * 0.6f64.exp(), false),
    ];
    for (observation, (value, censored)) in subject.observations.iter().zip(expected) {
        assert_eq!(observation.column, CONC);
        // Written with Rust's shortest round-trip formatting: read back exactly.
        assert_eq!(observation.value, value);
        assert_eq!(observation.censored, censored);
        assert_eq!(observation.lloq, Some(LLOQ));
    }
}

#[test]
fn a_state_is_observed_through_cmt_and_doses_precede_observations_at_equal_times() {
    let text = written(M, None);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "ID,TIME,DV,AMT,RATE,EVID,CMT,MDV,BLQ,ARM,weight");
    assert_eq!(lines[1], "7,0,.,10,0,1,1,1,0,2,61.5");
    assert_eq!(lines[2], "7,0,1,.,.,0,2,0,0,2,61.5");
    assert_eq!(lines[4], "7,2,.,4,8,1,2,1,0,2,61.5");
    let dataset = read_dataset(
        "written.csv",
        text.as_bytes(),
        &three(),
        &ReadOptions::default(),
    )
    .unwrap_or_else(|d| panic!("{}", cartsim::diag::render_all(&d)));
    let observations = &dataset.subjects[0].observations;
    assert_eq!(observations.len(), 4);
    assert!(observations.iter().all(|o| o.column == M && !o.censored));
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn simulate_nonmem_out_is_the_closed_form_censored_at_the_lloq() {
    let directory = scratch("nonmem-out");
    let text = run_and_read(
        &directory,
        &[
            "simulate",
            "onecomp_iv_bolus",
            "--out",
            "sim",
            "--nonmem-out",
            "data.csv",
            "--lloq",
            "0.5",
        ],
        "data.csv",
    );
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        lines[0].join(","),
        "ID,TIME,DV,AMT,RATE,EVID,CMT,MDV,BLQ,LLOQ,DVID"
    );
    assert_eq!(lines[1].join(","), "1,0,.,100,0,1,1,1,0,.,.");
    // Without --residual DV is the prediction: C(t) = 100 / 50 exp(-0.1 t) (rtol 1e-8, so
    // 1e-7 relative), censored at LLOQ 0.5 from t = 10 ln 4 = 13.9 h on.
    assert_eq!(lines.len(), 2 + 49);
    for row in &lines[2..] {
        let time: f64 = row[1].parse().unwrap();
        let exact = 2.0 * (-0.1 * time).exp();
        let dv: f64 = row[2].parse().unwrap();
        if exact < 0.5 {
            assert_eq!((row[2], row[8], row[9]), ("0.5", "1", "0.5"), "t = {time}");
        } else {
            assert!(
                (dv / exact - 1.0).abs() < 1e-7,
                "t = {time}: {dv} vs {exact}"
            );
            assert_eq!(row[8], "0");
        }
        assert_eq!((row[5], row[7], row[10]), ("0", "0", "1"));
    }
    let bad = cartsim(
        &[
            "simulate",
            "onecomp_iv_bolus",
            "--out",
            "sim",
            "--force",
            "--nonmem-out",
            "d.csv",
            "--residual",
            "lognormal:0.2",
        ],
        &directory,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a residual error model"));
}

#[test]
fn run_save_observations_matches_the_trajectories_observations() {
    let directory = scratch("save-observations");
    let model = repo_path("models/onecomp_iv_bolus.yaml")
        .display()
        .to_string();
    let run = format!(
        "model: {model}
simulation: {{end: 24, step: 4, outputs: [conc]}}
scenarios:
  low: {{}}
  high: {{doses: [{{state: A, amount: 300, time: 0}}]}}
population:
  n: 12
  seed: 5
  variability: {{CL: {{omega: 0.3}}}}
  covariates: {{V: {{distribution: lognormal, median: 50, omega: 0.2}}}}
  residual: {{output: conc, model: proportional, sd: 0.2, lloq: 0.4}}
metrics: {{exposure: conc}}
"
    );
    std::fs::write(directory.join("run.yaml"), run).unwrap();
    let output = cartsim(
        &[
            "run",
            "run.yaml",
            "--out",
            "out",
            "--save-observations",
            "--save-trajectories",
        ],
        &directory,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let observations = read(&directory.join("out/observations.csv"));
    let trajectories = read(&directory.join("out/trajectories.csv"));
    let mut lines = observations.lines();
    assert_eq!(
        lines.next(),
        Some("ID,TIME,DV,AMT,RATE,EVID,CMT,MDV,BLQ,LLOQ,DVID,ARM,V")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // 12 subjects x 2 arms x (1 dose + 7 times).
    assert_eq!(rows.len(), 12 * 2 * 8);
    // trajectories.csv: scenario,subject,time,output,value,observation.
    let mut compared = 0;
    for line in trajectories.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let arm = if cells[0] == "low" { 1 } else { 2 };
        // IDs: arm x 100 + subject (subjects 1 to 12 need two digits).
        let id = format!("{}", arm * 100 + cells[1].parse::<u32>().unwrap());
        let row = (rows.iter())
            .find(|r| r[0] == id && r[1] == cells[2] && r[5] == "0")
            .unwrap_or_else(|| panic!("no observation row for {line}"));
        let observation: f64 = cells[5].parse().unwrap();
        if observation < 0.4 {
            assert_eq!((row[2], row[8]), ("0.4", "1"), "{line}");
        } else {
            assert_eq!((row[2], row[8]), (cells[5], "0"), "{line}");
        }
        assert_eq!(row[11], arm.to_string());
        compared += 1;
    }
    assert_eq!(compared, 12 * 2 * 7);
    let doses: Vec<&Vec<&str>> = rows.iter().filter(|r| r[5] == "1").collect();
    assert_eq!(doses.len(), 24);
    assert!(
        doses
            .iter()
            .all(|r| r[3] == if r[11] == "1" { "100" } else { "300" })
    );
}

#[test]
fn observations_need_a_residual_and_listed_times_must_increase_within_the_span() {
    let directory = scratch("save-observations-refused");
    let model = repo_path("models/onecomp_iv_bolus.yaml")
        .display()
        .to_string();
    let write = |name: &str, simulation: &str, residual: &str| {
        let text =
            format!("model: {model}\nsimulation: {simulation}\npopulation: {{n: 2{residual}}}\n");
        std::fs::write(directory.join(name), text).unwrap();
    };
    write("none.yaml", "{end: 24, step: 4}", "");
    write(
        "unsorted.yaml",
        "{times: [4, 2, 30], end: 24}",
        ", residual: {output: conc, model: additive, sd: 0.1}",
    );
    write(
        "lloq.yaml",
        "{end: 24, times: [1, 2]}",
        ", residual: {output: conc, model: additive, sd: 0.1, lloq: 0}",
    );
    // An exponential error of SD 1000 makes observations of exp(1000 e): infinite for e > 0.71.
    let huge = ", residual: {output: conc, model: exponential, sd: 1e3}";
    write("huge.yaml", "{end: 24, step: 4}", huge);
    // Each is found as the run starts, after the file's checks, and still placed in the file:
    // line 3 is `population:` (its closest node for `none.yaml`, which has no `residual`).
    let sd_column = "population: {n: 2".len() + huge.find("1e3").unwrap() + 1;
    for (file, message, place) in [
        (
            "none.yaml",
            "`--save-observations` needs a residual error model",
            "none.yaml:3:13".to_string(),
        ),
        (
            "unsorted.yaml",
            "`times` must increase and lie from start 0 to end 24",
            "unsorted.yaml:2:21".to_string(),
        ),
        (
            "lloq.yaml",
            "`lloq` is 0; it must be a finite number > 0",
            "lloq.yaml:3:".to_string(),
        ),
        (
            "huge.yaml",
            "is inf (prediction",
            format!("huge.yaml:3:{sd_column}"),
        ),
    ] {
        let output = cartsim(
            &["run", file, "--save-observations", "--out", "out"],
            &directory,
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{file}: {stderr}");
        assert!(
            stderr.contains(message) && stderr.contains(&place),
            "{file}: {stderr}"
        );
    }
    let output = cartsim(
        &["run", "huge.yaml", "--save-observations", "--out", "out"],
        &directory,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("residual error exponential, sd 1000)")
            && stderr.contains("at: population.residual.sd")
            && stderr.contains("the residual `sd` is far too large"),
        "{stderr}"
    );
}

#[test]
fn simulate_data_nonmem_out_observes_the_datasets_records_as_the_closed_form() {
    // onecomp_iv_bolus (dA/dt = -CL/V A, conc = A/V) over a dataset: ID 1 (V 40, CL 5, so
    // k = 0.125) a bolus of 100 at 0 and 60 infused over 3 (RATE 20) from 3; ID 2 (V 50) a
    // bolus of 100 at 0 and CL 5 then 10 from its record at 8: read nocb, k = 0.1 up to 4 and
    // 0.2 after. Each observation row comes back at its own time with the closed form (rtol
    // 1e-8, so 1e-7 relative), censored below the LLOQ 0.5; CL is written at each row with its
    // value there.
    let directory = scratch("nonmem-out-data");
    let dataset = "ID,TIME,DV,AMT,RATE,EVID,CMT,MDV,V,CL
1,0,.,100,0,1,1,1,40,5
1,0.5,1,.,.,0,.,0,40,5
1,2,1,.,.,0,.,0,40,5
1,3,.,60,20,1,1,1,40,5
1,4,1,.,.,0,.,0,40,5
1,7.5,1,.,.,0,.,0,40,5
1,30,1,.,.,0,.,0,40,5
2,0,.,100,0,1,A,1,50,5
2,1,1,.,.,0,.,0,50,5
2,4,1,.,.,0,.,0,50,5
2,8,1,.,.,0,.,0,50,10
2,12,1,.,.,0,.,0,50,10
";
    std::fs::write(directory.join("d.csv"), dataset).unwrap();
    let text = run_and_read(
        &directory,
        &[
            "simulate",
            "onecomp_iv_bolus",
            "--data",
            "d.csv",
            "--out",
            "sim",
            "--nonmem-out",
            "out.csv",
            "--lloq",
            "0.5",
        ],
        "out.csv",
    );
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        lines[0].join(","),
        "ID,TIME,DV,AMT,RATE,EVID,CMT,MDV,BLQ,LLOQ,DVID,V,CL"
    );
    assert_eq!(lines[1].join(","), "1,0,.,100,0,1,1,1,0,.,.,40,5");
    assert_eq!(lines[4].join(","), "1,3,.,60,20,1,1,1,0,.,.,40,5");
    assert_eq!(lines.len(), 1 + 12);
    let infusion = |s: f64, k: f64| match s {
        s if s <= 0.0 => 0.0,
        s if s < 3.0 => 20.0 / k * (1.0 - (-k * s).exp()),
        s => 20.0 / k * (1.0 - (-3.0 * k).exp()) * (-k * (s - 3.0)).exp(),
    };
    let first = |t: f64| (100.0 * (-0.125 * t).exp() + infusion(t - 3.0, 0.125)) / 40.0;
    let second = |t: f64| match t {
        t if t <= 4.0 => 2.0 * (-0.1 * t).exp(),
        t => 2.0 * (-0.4f64).exp() * (-0.2 * (t - 4.0)).exp(),
    };
    let mut observed = 0;
    for row in lines[1..].iter().filter(|r| r[5] == "0") {
        let time: f64 = row[1].parse().unwrap();
        let exact = if row[0] == "1" {
            first(time)
        } else {
            second(time)
        };
        let cl = if row[0] == "2" && time > 4.0 {
            "10"
        } else {
            "5"
        };
        assert_eq!((row[7], row[10], row[12]), ("0", "1", cl), "{row:?}");
        if exact < 0.5 {
            assert_eq!((row[2], row[8], row[9]), ("0.5", "1", "0.5"), "{row:?}");
        } else {
            let dv: f64 = row[2].parse().unwrap();
            assert!((dv / exact - 1.0).abs() < 1e-7, "{row:?}: {dv} vs {exact}");
            assert_eq!(row[8], "0", "{row:?}");
        }
        observed += 1;
    }
    // Below the LLOQ: ID 1 at 30 (4.84 / 40 = 0.12) and ID 2 at 12 (2 e^-2 = 0.27).
    assert_eq!(observed, 9);
    assert_eq!(lines.iter().filter(|r| r[8] == "1").count(), 2);
    // NONMEM needs numeric IDs: refused before anything is written.
    std::fs::write(directory.join("a.csv"), dataset.replace("\n2,", "\nB2,")).unwrap();
    let arguments = [
        "simulate",
        "onecomp_iv_bolus",
        "--data",
        "a.csv",
        "--out",
        "a",
    ];
    let refused = cartsim(
        &[&arguments[..], &["--nonmem-out", "a.csv.out"]].concat(),
        &directory,
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("ID `B2` is not a whole number"), "{stderr}");
    assert!(!directory.join("a").exists() && !directory.join("a.csv.out").exists());
}
