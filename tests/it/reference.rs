//! cart3 against the tight-tolerance reference solutions in tests/data (copied from
//! shared/bench/reference; four independent solvers agree with them to about 1e-10), and every
//! shipped model checks and simulates.

use crate::{Run, assert_close, doses, repo_path, run, shipped};
use cartsim::library::SHIPPED;
use cartsim::spec::SolverName;

fn reference(name: &str) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(repo_path(&format!("tests/data/{name}"))).unwrap();
    text.lines()
        .skip(1)
        .map(|line| line.split(',').map(|x| x.parse().unwrap()).collect())
        .collect()
}

fn check_cart3(dose_yaml: &str, file: &str) {
    let model = shipped("cart3.yaml");
    let expected = reference(file);
    for method in [SolverName::Dopri5, SolverName::Dop853] {
        let simulation = run(
            &model,
            Run {
                doses: Some(&doses(dose_yaml)),
                method: Some(method),
                rtol: Some(1e-10),
                atol: Some(1e-6),
                ..Run::default()
            },
        );
        let trajectory = &simulation.trajectory;
        assert_eq!(trajectory.times.len(), expected.len());
        for (index, row) in expected.iter().enumerate() {
            assert_eq!(trajectory.times[index], row[0]);
            for (column, name) in ["E", "M", "T", "EM"].iter().enumerate() {
                // The tolerance: 1e-5 relative at rtol 1e-10; 1e-6 cells absolute only
                // matters where the reference is exactly 0 (M at day 0).
                let actual = trajectory.row(index)
                    [trajectory.columns.iter().position(|c| c == name).unwrap()];
                assert_close(
                    actual,
                    row[column + 1],
                    1e-5,
                    1e-6,
                    &format!("{method:?} {name} at day {}", row[0]),
                );
            }
        }
    }
}

#[test]
fn cart3_single_dose_matches_reference() {
    check_cart3("[{state: E, amount: 1e7, time: 0}]", "cart3_ref_single.csv");
}

#[test]
fn cart3_split_dose_matches_reference() {
    check_cart3(
        "[{state: E, amount: 1e6, time: 0}, {state: E, amount: 3e6, time: 1}, {state: E, amount: 6e6, time: 2}]",
        "cart3_ref_split.csv",
    );
}

#[test]
fn every_shipped_model_checks_and_simulates() {
    let mut on_disk: Vec<String> = std::fs::read_dir(repo_path("models"))
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".yaml"))
        .collect();
    on_disk.sort();
    let embedded: Vec<String> = SHIPPED.iter().map(|(file, _)| file.to_string()).collect();
    assert_eq!(
        on_disk, embedded,
        "src/library.rs must embed every file in models/"
    );
    for (file, text) in SHIPPED {
        let on_disk = std::fs::read_to_string(repo_path(&format!("models/{file}"))).unwrap();
        assert_eq!(&on_disk, text);
        let model = shipped(file);
        let simulation = run(&model, Run::default());
        assert_eq!(
            *simulation.trajectory.times.last().unwrap(),
            model.simulation.end,
            "{file}"
        );
        assert!(
            simulation.trajectory.values.iter().all(|v| v.is_finite()),
            "{file}"
        );
    }
}

#[test]
fn cart3_right_hand_side_is_a_short_program() {
    // 17 arithmetic operations written in cart3's ODEs; sharing `stimulation` and
    // `theta * stimulation * M`, hoisting `alpha + eps`, and fusing multiply-adds must leave
    // fewer instructions than that (3 state loads included).
    let count = shipped("cart3.yaml").rhs_instruction_count();
    assert!(count <= 18, "{count} instructions");
}
