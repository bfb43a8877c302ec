//! The shipped CD22 trial file (models/trials/cd22_phase1.yaml) tells the Fry et al. 2018
//! story (shared/MODELS.md section 8): dose-limiting toxicity rare at every level, remission
//! rare at 0.3e6 cells/kg and frequent at >= 1e6/kg, and the 3+3 design escalating to the top
//! level in most trials. Its `--report` is a `trial` report with the operating characteristics
//! and the three figures.

use super::rows;
use crate::cli::{cartsim, scratch};

#[test]
fn the_cd22_phase_1_trial_escalates_to_the_top_level_with_rare_dlts() {
    let directory = scratch("trial-cd22");
    let trial = crate::repo_path("models/trials/cd22_phase1.yaml");
    let arguments = [
        "trial",
        trial.to_str().unwrap(),
        "--trials",
        "200",
        "--out",
        "out",
    ];
    let output = cartsim(&arguments, &directory);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text =
        std::fs::read_to_string(directory.join("out/operating_characteristics.csv")).unwrap();
    let rows = rows(&text);
    let value = |row: usize, column: usize| rows[row][column].parse::<f64>().unwrap();
    for row in rows.iter().take(3) {
        let p_dlt = row[1].parse::<f64>().unwrap();
        assert!(p_dlt < 0.10, "P(DLT) at {}: {p_dlt}", row[0]);
    }
    assert!(value(0, 3) < 0.3, "P(response) at DL1: {}", value(0, 3));
    assert!(
        value(1, 3) >= 0.6 && value(2, 3) >= 0.6,
        "P(response) at DL2, DL3: {text}"
    );
    assert!(
        value(2, 5) > 70.0,
        "DL3 selected in {}% of trials",
        value(2, 5)
    );
}
