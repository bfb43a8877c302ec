//! `simulate --data --nonmem-out` keeps what a dataset's other rows do: EVID 3 and 4 come back as
//! reset rows (a reset before the doses at its time), EVID 2 rows with the covariate values they
//! carry, so reading the written dataset again simulates the same thing; checked against the
//! one-compartment closed form.

use crate::cli::{cartsim, scratch};

/// `simulate onecomp_iv_bolus --data DATA --out FOLDER --nonmem-out OUT` (with `extra`) in
/// `directory`; returns the text written.
fn nonmem_out(
    directory: &std::path::Path,
    [data, out, folder]: [&str; 3],
    extra: &[&str],
) -> String {
    let arguments = [
        "simulate",
        "onecomp_iv_bolus",
        "--data",
        data,
        "--out",
        folder,
    ];
    let arguments = [&arguments[..], extra, &["--nonmem-out", out]].concat();
    let output = cartsim(&arguments, directory);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    std::fs::read_to_string(directory.join(out)).unwrap()
}

#[test]
fn nonmem_out_writes_resets_and_reads_back_to_the_same_dataset() {
    // onecomp_iv_bolus, V 40, CL 5 (k = 0.125): 100 at 0 repeated every 8 (ADDL 3: 0, 8, 16,
    // 24); a reset at 10 (EVID 3) cancels 16 and 24; at 20 a reset and a dose of 50 (EVID 4).
    let directory = scratch("nonmem-out-resets");
    let dataset = "ID,TIME,DV,AMT,RATE,EVID,CMT,MDV,ADDL,II,V,CL
1,0,.,100,0,1,1,1,3,8,40,5
1,5,1,.,.,0,.,0,0,0,40,5
1,9,1,.,.,0,.,0,0,0,40,5
1,10,.,.,.,3,.,1,0,0,40,5
1,12,1,.,.,0,.,0,0,0,40,5
1,20,.,50,0,4,1,1,0,0,40,5
1,22,1,.,.,0,.,0,0,0,40,5
";
    std::fs::write(directory.join("d.csv"), dataset).unwrap();
    let text = nonmem_out(&directory, ["d.csv", "out.csv", "first"], &[]);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let events: Vec<(&str, &str)> = (rows.iter())
        .filter(|r| r[5] != "0")
        .map(|r| (r[1], r[5]))
        .collect();
    // Doses at 0 and 8, the reset at 10, then at 20 the reset before its dose; 16 and 24 gone.
    let expected = [
        ("0", "1"),
        ("8", "1"),
        ("10", "3"),
        ("20", "3"),
        ("20", "1"),
    ];
    assert_eq!(events, expected);
    // The closed form at each observation (rtol 1e-8 of the default solver: 1e-7 relative).
    let k: f64 = 0.125;
    let exact = [
        (5.0, 100.0 * (-k * 5.0).exp() / 40.0),
        (9.0, 100.0 * ((-k * 9.0).exp() + (-k).exp()) / 40.0),
        (12.0, 0.0),
        (22.0, 50.0 * (-k * 2.0).exp() / 40.0),
    ];
    let observed: Vec<(f64, f64)> = (rows.iter())
        .filter(|r| r[5] == "0")
        .map(|r| (r[1].parse().unwrap(), r[2].parse().unwrap()))
        .collect();
    assert_eq!(observed.len(), exact.len());
    for ((time, dv), (t, value)) in observed.into_iter().zip(exact) {
        assert_eq!(time, t);
        assert!(
            (dv - value).abs() <= 1e-7 * value,
            "{time}: {dv} vs {value}"
        );
    }
    // The written dataset read and written again: the same file, to the byte.
    assert_eq!(
        nonmem_out(&directory, ["out.csv", "again.csv", "second"], &[]),
        text
    );
}

#[test]
fn nonmem_out_keeps_a_covariate_change_recorded_on_an_evid_2_row() {
    // CL 5, then 10 from an EVID 2 row at 4 (`--covariates locf`: from its time on); a bolus of
    // 100 at 0 into V 40, observed at 2 and 8. Without that row the written dataset would move
    // the change to 8 and predict 100/40 e^(-1) at 8 instead of 100/40 e^(-0.5 - 1).
    let directory = scratch("nonmem-out-evid2");
    let dataset = "ID,TIME,DV,AMT,RATE,EVID,CMT,MDV,V,CL
1,0,.,100,0,1,1,1,40,5
1,2,1,.,.,0,.,0,40,5
1,4,.,.,.,2,.,1,40,10
1,8,1,.,.,0,.,0,40,10
";
    std::fs::write(directory.join("d.csv"), dataset).unwrap();
    let locf = ["--covariates", "locf"];
    let text = nonmem_out(&directory, ["d.csv", "out.csv", "first"], &locf);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let evid_2: Vec<(&str, &str)> = (rows.iter())
        .filter(|r| r[5] == "2")
        .map(|r| (r[1], *r.last().unwrap()))
        .collect();
    assert_eq!(evid_2, [("4", "10")], "{text}");
    let at_8 = rows.iter().find(|r| r[5] == "0" && r[1] == "8").unwrap();
    let dv: f64 = at_8[2].parse().unwrap();
    let exact = 100.0 / 40.0 * (-0.125f64 * 4.0 - 0.25 * 4.0).exp();
    assert!((dv - exact).abs() <= 1e-7 * exact, "{dv} vs {exact}");
    assert_eq!(
        nonmem_out(&directory, ["out.csv", "again.csv", "second"], &locf),
        text
    );
}
