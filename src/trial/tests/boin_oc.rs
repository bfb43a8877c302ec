//! BOIN operating characteristics against an independent implementation: the Python simulator
//! `tests/data/reference/make_boin_oc.py` (written from the BOIN R package's algorithm, exact
//! Beta tails, 1,000,000 trials per scenario) and the numbers it wrote, `boin_oc.csv`.
//!
//! Each scenario of the CSV is run here with [`Boin`] on [`Bernoulli`] patients (ChaCha8, fixed
//! seed, [`TRIALS`] trials). Every level's selection probability, mean patients and mean DLTs
//! (and the no-dose probability, the mean total patients and DLTs) must agree with the
//! reference within [`SES`] combined Monte Carlo standard errors:
//!   se = sqrt(v / N_rust + v / N_ref),
//! where v is the variance of one trial's value: p(1 - p) for a selection probability p, the
//! sample variance (divisor N - 1) for a count. Under the hypothesis tested both runs sample the
//! same distribution, so v is the larger of the two runs' estimates (the Rust run's alone can be
//! 0 when a rare event, such as an early stop, did not happen in it).
//!
//! The same script also wrote `boin_paths.csv`: 150 trials per scenario on fixed per-level DLT
//! lists with the counts and selection it gives; [`Boin`] must give exactly the same.

use super::*;

const REFERENCE: &str = include_str!("../../../tests/data/reference/boin_oc.csv");
const TRIALS: usize = 200_000;
const SEED: u64 = 20_260_101;
const SES: f64 = 3.0;

/// One CSV row: a level (`Some`), or the no-dose (`selected` only) or total (`None`) row.
struct Row {
    scenario: String,
    target: f64,
    cohort: usize,
    max_n: usize,
    start: usize,
    level: Option<usize>,
    none: bool,
    p_dlt: f64,
    values: [Option<f64>; 5],
    trials: f64,
}

fn parse(line: &str) -> Row {
    let fields: Vec<&str> = line.split(',').collect();
    assert_eq!(fields.len(), 13, "{line}");
    let number = |i: usize| fields[i].parse::<f64>().ok();
    let count = |i: usize| fields[i].parse::<usize>().unwrap();
    Row {
        scenario: fields[0].to_string(),
        target: number(1).unwrap(),
        cohort: count(2),
        max_n: count(3),
        start: count(4),
        level: fields[5].parse().ok(),
        none: fields[5] == "none",
        p_dlt: number(6).unwrap_or(f64::NAN),
        values: [number(7), number(8), number(9), number(10), number(11)],
        trials: number(12).unwrap(),
    }
}

fn reference() -> Vec<Row> {
    let mut lines = REFERENCE.lines().filter(|l| !l.starts_with('#'));
    let header = lines.next().unwrap();
    assert!(header.starts_with("scenario,target,cohort,max_n,start,level,p_dlt,selected,"));
    lines.map(parse).collect()
}

/// Sums over trials of one quantity: its value and its square.
#[derive(Default, Clone, Copy)]
struct Moments {
    sum: f64,
    squares: f64,
}

impl Moments {
    fn add(&mut self, x: f64) {
        self.sum += x;
        self.squares += x * x;
    }

    /// Mean and sample variance over `n` trials.
    fn mean_variance(&self, n: f64) -> (f64, f64) {
        let mean = self.sum / n;
        (
            mean,
            ((self.squares - n * mean * mean) / (n - 1.0)).max(0.0),
        )
    }
}

/// Per level, then the no-dose / total slot: selections, patients, DLTs.
struct Oc {
    selected: Vec<Moments>,
    patients: Vec<Moments>,
    dlts: Vec<Moments>,
}

fn simulate(design: &Boin, p_dlt: &[f64], seed: u64) -> Oc {
    let levels = p_dlt.len();
    let mut oc = Oc {
        selected: vec![Moments::default(); levels + 1],
        patients: vec![Moments::default(); levels + 1],
        dlts: vec![Moments::default(); levels + 1],
    };
    let mut patients = Bernoulli::new(p_dlt, seed);
    for _ in 0..TRIALS {
        let trial = design
            .run(&mut patients)
            .unwrap_or_else(|never| match never {});
        let choice = trial.selected.unwrap_or(levels);
        for (slot, moments) in oc.selected.iter_mut().enumerate() {
            moments.add(f64::from(u8::from(slot == choice)));
        }
        let counts = trial.counts(levels);
        let (mut n, mut dlts) = (0, 0);
        for (level, c) in counts.iter().enumerate() {
            oc.patients[level].add(c.n as f64);
            oc.dlts[level].add(c.dlts as f64);
            n += c.n;
            dlts += c.dlts;
        }
        oc.patients[levels].add(n as f64);
        oc.dlts[levels].add(dlts as f64);
    }
    oc
}

/// Checks one quantity; returns a table line, with the failure (if any) appended to `failures`.
fn compare(
    what: &str,
    moments: &Moments,
    reference: (f64, f64, f64),
    failures: &mut Vec<String>,
) -> String {
    let n = TRIALS as f64;
    let (mean, variance) = moments.mean_variance(n);
    let (ref_mean, ref_sd, ref_n) = reference;
    let v = variance.max(ref_sd * ref_sd);
    let se = (v / n + v / ref_n).sqrt();
    let z = if se > 0.0 {
        (mean - ref_mean) / se
    } else {
        0.0
    };
    let line = format!("{what:<24} ref {ref_mean:>10.6} rust {mean:>10.6} se {se:.6} z {z:+.2}");
    if (mean - ref_mean).abs() > SES * se {
        failures.push(line.clone());
    }
    line
}

#[test]
fn boin_operating_characteristics_match_the_independent_python_simulator() {
    let rows = reference();
    let mut scenarios: Vec<&str> = rows.iter().map(|r| r.scenario.as_str()).collect();
    scenarios.dedup();
    assert_eq!(scenarios, ["s1", "s2"]);
    let mut failures = Vec::new();
    for (k, name) in scenarios.iter().enumerate() {
        let rows: Vec<&Row> = rows.iter().filter(|r| r.scenario == *name).collect();
        let p_dlt: Vec<f64> = rows
            .iter()
            .filter(|r| r.level.is_some())
            .map(|r| r.p_dlt)
            .collect();
        let first = rows[0];
        let design = Boin::new(
            first.target,
            first.cohort,
            first.max_n,
            p_dlt.len(),
            first.start,
        )
        .unwrap();
        let oc = simulate(&design, &p_dlt, SEED + k as u64);
        let levels = p_dlt.len();
        for row in &rows {
            let slot = row.level.unwrap_or(levels);
            let label = row
                .level
                .map_or(if row.none { "none" } else { "total" }.to_string(), |l| {
                    format!("level {l}")
                });
            let [selected, patients, patients_sd, dlts, dlts_sd] = row.values;
            if let Some(p) = selected {
                let sd = (p * (1.0 - p)).sqrt();
                let what = format!("{name} {label} selected");
                let line = compare(
                    &what,
                    &oc.selected[slot],
                    (p, sd, row.trials),
                    &mut failures,
                );
                eprintln!("{line}");
            }
            let pairs = [
                ("patients", patients, patients_sd, &oc.patients),
                ("dlts", dlts, dlts_sd, &oc.dlts),
            ];
            for (quantity, mean, sd, moments) in pairs {
                if let (Some(mean), Some(sd)) = (mean, sd) {
                    let what = format!("{name} {label} {quantity}");
                    let line =
                        compare(&what, &moments[slot], (mean, sd, row.trials), &mut failures);
                    eprintln!("{line}");
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "outside {SES} SE:\n{}",
        failures.join("\n")
    );
}

const PATHS: &str = include_str!("../../../tests/data/reference/boin_paths.csv");

/// Patients whose DLTs come from one fixed list per level (the k-th patient at a level takes
/// the list's k-th entry, `T` = DLT).
struct Lists {
    lists: Vec<Vec<bool>>,
    used: Vec<usize>,
}

impl Patients for Lists {
    type Error = std::convert::Infallible;

    fn enrol(&mut self, level: usize) -> Result<Outcome, Self::Error> {
        let k = self.used[level];
        self.used[level] += 1;
        let dlt = self.lists[level][k];
        Ok(Outcome {
            dlt,
            response: !dlt,
        })
    }
}

#[test]
fn boin_trials_on_fixed_outcomes_equal_the_independent_python_simulator_trial_by_trial() {
    let rows = reference();
    let mut lines = PATHS.lines().filter(|l| !l.starts_with('#'));
    assert_eq!(
        lines.next(),
        Some("scenario,dlts_by_level,patients,dlts,selected")
    );
    let mut checked = 0;
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        let row = rows.iter().find(|r| r.scenario == fields[0]).unwrap();
        let lists: Vec<Vec<bool>> = fields[1]
            .split('/')
            .map(|list| list.chars().map(|c| c == 'T').collect())
            .collect();
        let levels = lists.len();
        let design = Boin::new(row.target, row.cohort, row.max_n, levels, row.start).unwrap();
        let mut patients = Lists {
            lists,
            used: vec![0; levels],
        };
        let trial = design
            .run(&mut patients)
            .unwrap_or_else(|never| match never {});
        let counts = trial.counts(levels);
        let join = |f: fn(&LevelCounts) -> usize| {
            counts
                .iter()
                .map(|c| f(c).to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let selected = trial.selected.map_or("none".to_string(), |s| s.to_string());
        let rust = [join(|c| c.n), join(|c| c.dlts), selected];
        assert_eq!(rust, fields[2..5], "{line}");
        checked += 1;
    }
    assert_eq!(checked, 300);
}
