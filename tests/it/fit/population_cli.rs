//! `cartsim fit --population` end to end on the theophylline data: the files, the same numbers
//! whatever the thread count, a correlated block, and bad requests.

use crate::cli::{cartsim, scratch};
use crate::repo_path;
use cartsim::record::fit::PopulationRecord;
use cartsim::record::provenance::Provenance;
use std::path::Path;

pub(super) fn population_fit(
    directory: &Path,
    out: &str,
    replicates: &str,
    extra: &[&str],
) -> std::process::Output {
    let model = repo_path("models/theophylline_oral_1cmt.yaml")
        .display()
        .to_string();
    let data = repo_path("tests/data/theoph/theoph.csv")
        .display()
        .to_string();
    let mut arguments = vec![
        "fit",
        &model,
        "--data",
        &data,
        "--estimate",
        "ka,cl,v",
        "--output",
        "conc",
        "--error",
        "additive",
        "--sigma",
        "1",
        "--population",
        "--replicates",
        replicates,
        "--out",
        out,
    ];
    arguments.extend_from_slice(extra);
    cartsim(&arguments, directory)
}

pub(super) fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn population_fit_writes_its_files_identically_on_one_and_two_threads() {
    let directory = scratch("population-cli");
    let one = population_fit(&directory, "one", "20", &["--threads", "1"]);
    let two = population_fit(&directory, "two", "20", &["--threads", "2"]);
    for output in [&one, &two] {
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("FOCE-I: converged"), "{stdout}");
    }
    for file in [
        "estimates.csv",
        "subjects.csv",
        "predictions.csv",
        "vpc.csv",
    ] {
        assert_eq!(
            read(&directory.join("one").join(file)),
            read(&directory.join("two").join(file)),
            "{file}"
        );
    }
    let out = directory.join("one");
    let estimates = read(&out.join("estimates.csv"));
    // ka, cl, v, three omegas, sigma.
    assert_eq!(estimates.lines().count(), 1 + 7, "{estimates}");
    let subjects = read(&out.join("subjects.csv"));
    assert_eq!(
        subjects.lines().next(),
        Some("ID,minus_2_log_likelihood,mode_converged,eta_ka,eta_cl,eta_v,ka,cl,v")
    );
    assert_eq!(subjects.lines().count(), 1 + 12);
    // CWRES are standard normal under the model: over 132 observations the mean is within 0.3
    // (about 3.5 standard errors) and the SD within 0.7 to 1.3.
    let predictions = read(&out.join("predictions.csv"));
    let cwres: Vec<f64> = predictions
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(10).unwrap().parse().unwrap())
        .collect();
    assert_eq!(cwres.len(), 132);
    let mean = cwres.iter().sum::<f64>() / 132.0;
    let sd = (cwres.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / 131.0).sqrt();
    assert!(
        mean.abs() < 0.3 && (0.7..1.3).contains(&sd),
        "CWRES mean {mean}, SD {sd}"
    );
    // NPDE beside CWRES: 20 replicates decorrelate the 11 samples of every ID, so each of the
    // 132 observations has one (their statistics are tested in tests/it/fit/npde.rs).
    assert!(
        predictions.starts_with("ID,row,time,output,DV,BLQ,LLOQ,PRED,IPRED,IWRES,CWRES,NPDE\n")
    );
    let npde: Vec<f64> = predictions
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(11).unwrap().parse().unwrap())
        .collect();
    assert!(npde.len() == 132 && npde.iter().all(|v| v.is_finite()));
    // Every observation falls in one VPC bin, each bin summarises 20 replicates.
    let vpc = read(&out.join("vpc.csv"));
    let rows: Vec<Vec<&str>> = vpc
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(
        rows.iter()
            .map(|r| r[4].parse::<usize>().unwrap())
            .sum::<usize>(),
        132
    );
    assert!(rows.iter().all(|r| r[5] == "20"));
    let json: serde_json::Value =
        serde_json::from_str(&read(&out.join("population.json"))).unwrap();
    assert_eq!(json["observations"], 132);
    // NONMEM's OFV convention leaves out 132 ln(2 pi); the reference fit has 116.80.
    let ofv = json["objective_function_value_nonmem"].as_f64().unwrap();
    assert!((ofv - 116.80).abs() < 0.05, "OFV {ofv}");
    let record: PopulationRecord =
        cartsim::record::from_json(&read(&out.join("population.json")), "population.json").unwrap();
    assert_eq!(record.observations, 132);
    assert_eq!(record.random_effects, ["ka", "cl", "v"]);
    let npde_entry = record.npde.as_ref().unwrap();
    assert!(npde_entry.undecorrelated.is_empty());
    assert_eq!(npde_entry.summary.n, 132);
    let npde_mean = npde.iter().sum::<f64>() / 132.0;
    assert!((npde_entry.summary.mean - npde_mean).abs() < 1e-12);
    let provenance: Provenance = serde_json::from_str(&read(&out.join("provenance.json"))).unwrap();
    assert_eq!(record.provenance, provenance);
    for name in [
        "fits_1",
        "dv_vs_pred",
        "dv_vs_ipred",
        "cwres_vs_time",
        "cwres_vs_pred",
        "random_effects",
        "npde_time",
        "npde_pred",
        "npde_qq",
        "vpc",
        "vpc_pc",
    ] {
        super::cli::png_decodes(&out.join("figures").join(format!("{name}.png")));
    }
    // Theophylline has no observation below an LLOQ, so no BLQ fraction figure (issue 19).
    assert!(!out.join("figures/vpc_blq.png").exists());
}

#[test]
fn a_correlated_block_is_estimated_as_a_correlation() {
    let directory = scratch("population-block");
    let output = population_fit(&directory, "out", "0", &["--block", "cl,v"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let estimates = read(&directory.join("out/estimates.csv"));
    let row = estimates
        .lines()
        .find(|l| l.starts_with("correlation_v_cl,"))
        .unwrap_or_else(|| panic!("{estimates}"));
    let value: f64 = row.split(',').nth(2).unwrap().parse().unwrap();
    assert!(value > -1.0 && value < 1.0, "{row}");
    assert!(!directory.join("out/vpc.csv").exists());
}

#[test]
fn bad_population_requests_are_refused_with_the_reason() {
    let directory = scratch("population-bad");
    let cases: [(&[&str], i32, &str); 8] = [
        (
            &["--variability", "ka,dose"],
            1,
            "`dose` is not an estimated parameter",
        ),
        (&["--block", "cl,tlag"], 1, "`tlag` has no random effect"),
        (
            &["--block", "cl,v", "--block", "v,ka"],
            1,
            "`v` is in two blocks",
        ),
        (&["--method", "fo"], 2, "invalid value 'fo'"),
        (
            &["--method", "saem", "--saem-iterations", "200"],
            2,
            "not two positive counts",
        ),
        (&["--covariance", "robust"], 2, "invalid value 'robust'"),
        (
            &["--mixture", "dose=100"],
            1,
            "`dose` is not an estimated parameter",
        ),
        (
            &["--method", "saem", "--mixture", "cl=4"],
            1,
            "`--mixture` is estimated by FOCE-I only",
        ),
    ];
    for (extra, code, message) in cases {
        let output = population_fit(&directory, "out", "20", extra);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{extra:?}: {stderr}");
        assert!(stderr.contains(message), "{extra:?}: {stderr}");
        assert!(!directory.join("out").exists(), "{extra:?} wrote output");
    }
}

#[test]
fn a_population_fit_reports_itself() {
    let directory = scratch("population-report");
    let output = population_fit(&directory, "out", "20", &["--report"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out = directory.join("out");
    let provenance: serde_json::Value =
        serde_json::from_str(&read(&out.join("provenance.json"))).unwrap();
    assert_eq!(provenance["kind"], "population");
    let html = read(&out.join("report.html"));
    assert!(
        html.contains("A population fit (FOCE-I) of 12 IDs"),
        "summary paragraph missing"
    );
    assert!(html.contains("<code>omega_ka</code>") && html.contains("<code>sigma_additive</code>"));
    assert!(
        html.contains("Normalised prediction distribution errors against N(0, 1), over 132")
            && html.contains("npde_qq.png")
    );
    assert!(!html.contains("http://") && !html.contains("https://"));
}

/// A covariate effect written in the model file's expressions: clearance scaled by body weight
/// (the dataset's `WT` column) with a fixed allometric exponent 0.75. The typical clearance is
/// then that of a 70 kg subject, so cl_typical x mean((WT/70)^0.75) over the 12 subjects is the
/// clearance the model without the covariate estimates for the same data (2.75 L/h): the two
/// must agree within 10% (the covariate moves variability from eta_cl into WT, not the level).
#[test]
fn a_weight_covariate_written_as_an_expression_is_fitted() {
    let directory = scratch("population-covariate");
    let text = read(&repo_path("models/theophylline_oral_1cmt.yaml"))
        .replace(
            "  cl: {value: 2.75, unit: L/hour, description: apparent clearance (CL/F)}",
            "  cl_typical: {value: 2.75, unit: L/hour, description: apparent clearance at 70 kg}\n  WT: {value: 70, unit: kg, description: body weight (dataset column)}",
        )
        .replace("states:", "derived:\n  cl: cl_typical * (WT / 70)^0.75\nstates:");
    let model = directory.join("theoph_weight.yaml");
    std::fs::write(&model, text).unwrap();
    let data = repo_path("tests/data/theoph/theoph.csv")
        .display()
        .to_string();
    let model = model.display().to_string();
    let output = cartsim(
        &[
            "fit",
            &model,
            "--data",
            &data,
            "--estimate",
            "ka,cl_typical,v",
            "--output",
            "conc",
            "--error",
            "additive",
            "--sigma",
            "1",
            "--population",
            "--replicates",
            "0",
            "--out",
            "out",
        ],
        &directory,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("FOCE-I: converged"), "{stdout}");
    let estimates = read(&directory.join("out/estimates.csv"));
    let row = estimates
        .lines()
        .find(|l| l.starts_with("cl_typical,"))
        .unwrap();
    let cl_typical: f64 = row.split(',').nth(2).unwrap().parse().unwrap();
    let dataset = read(&repo_path("tests/data/theoph/theoph.csv"));
    let mut weights: Vec<f64> = dataset
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(4) == Some("1"))
        .map(|l| l.split(',').nth(7).unwrap().parse().unwrap())
        .collect();
    weights.dedup();
    assert_eq!(weights.len(), 12);
    let scale = weights
        .iter()
        .map(|w| (w / 70.0f64).powf(0.75))
        .sum::<f64>()
        / 12.0;
    let typical = cl_typical * scale;
    assert!(
        (typical / 2.75 - 1.0).abs() < 0.10,
        "cl_typical {cl_typical} x {scale} = {typical}"
    );
}

/// A parameter nothing in the model uses makes the Hessian singular; the failed fit names it
/// as the likely cause, with the option that fixes it, on stdout and in population.json. Four
/// outer iterations are enough: the objective is exactly flat along it from the start.
#[test]
fn a_population_fit_that_fails_names_a_parameter_without_influence() {
    let directory = scratch("population-no-influence");
    let text = read(&repo_path("models/theophylline_oral_1cmt.yaml")).replace(
        "states:",
        "  dummy: {value: 1, description: a parameter nothing uses}\nstates:",
    );
    let model = directory.join("theoph_dummy.yaml");
    std::fs::write(&model, text).unwrap();
    let data = repo_path("tests/data/theoph/theoph.csv");
    let (model, data) = (model.display().to_string(), data.display().to_string());
    let output = cartsim(
        &[
            "fit",
            &model,
            "--data",
            &data,
            "--estimate",
            "ka,cl,v,dummy",
            "--variability",
            "ka,cl,v",
            "--output",
            "conc",
            "--error",
            "additive",
            "--sigma",
            "1",
            "--population",
            "--replicates",
            "0",
            "--max-iterations",
            "4",
            "--out",
            "out",
        ],
        &directory,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let cause = "likely cause: `dummy` has no influence on the objective: fix it (leave `dummy` \
                 out of `--estimate`";
    assert!(
        stdout.contains("FOCE-I: NOT CONVERGED") && stdout.contains(cause),
        "{stdout}"
    );
    assert!(
        !stdout.contains("`ka` has") && !stdout.contains("`cl` has"),
        "{stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&read(&directory.join("out/population.json"))).unwrap();
    let status = json["status"].as_str();
    assert!(status.is_some_and(|s| s.contains(cause)), "{json}");
}
