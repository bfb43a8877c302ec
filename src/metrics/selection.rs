//! Exact order statistics of more values than memory should hold: a few passes over the values
//! (read again for each pass) narrow every wanted rank down by radix digits of an
//! order-preserving integer key, then collect and sort the few values left. Memory is bounded
//! by the number of wanted ranks, not by the number of values.

/// Bits of the key resolved by one counting pass.
const DIGIT_BITS: u32 = 16;
/// A bucket holding at most this many values is collected and sorted instead of counted.
const COLLECT: u64 = 1 << 16;

/// One pass over the values: calls its argument as `visit(column, value)` for every value.
pub type Pass<'a, E> = dyn FnMut(&mut dyn FnMut(usize, f64)) -> Result<(), E> + 'a;

/// The value's position in `f64::total_cmp` order as an unsigned integer.
fn order_key(value: f64) -> u64 {
    let bits = value.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

fn from_order_key(key: u64) -> f64 {
    if key >> 63 == 1 {
        f64::from_bits(key & !(1 << 63))
    } else {
        f64::from_bits(!key)
    }
}

/// Where one wanted rank has been narrowed to: the values whose key starts with `prefix`
/// (its `bits` high bits), among which it is the `within`-th (from 0).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Counting { prefix: u64, bits: u32, within: u64 },
    Collecting { prefix: u64, bits: u32, within: u64 },
    Found(f64),
}

impl Target {
    fn matches(prefix: u64, bits: u32, key: u64) -> bool {
        bits == 0 || key >> (64 - bits) == prefix
    }
}

/// What one pass gathers for one distinct (column, prefix, mode): counts per next digit, or the
/// keys themselves.
struct Probe {
    column: usize,
    prefix: u64,
    bits: u32,
    counts: Vec<u64>,
    keys: Vec<u64>,
    collecting: bool,
}

/// The values at `ranks[c]` (0-based, in ascending `f64::total_cmp` order, each below
/// `counts[c]`) among the finite values of column `c`, where `counts[c]` is how many finite
/// values column `c` has. `pass` is called once per pass and must give every value again, as
/// `visit(column, value)` (non-finite values are skipped). A rank at or beyond its count gives
/// NaN. The passes needed: one when every column has at most 65,536 values, else about three.
pub fn order_statistics<E>(
    counts: &[u64],
    ranks: &[Vec<u64>],
    pass: &mut Pass<E>,
) -> Result<Vec<Vec<f64>>, E> {
    let mut targets: Vec<Vec<Target>> = (ranks.iter().zip(counts))
        .map(|(ranks, &count)| {
            (ranks.iter())
                .map(|&within| match within < count {
                    false => Target::Found(f64::NAN),
                    true if count <= COLLECT => Target::Collecting {
                        prefix: 0,
                        bits: 0,
                        within,
                    },
                    true => Target::Counting {
                        prefix: 0,
                        bits: 0,
                        within,
                    },
                })
                .collect()
        })
        .collect();
    loop {
        let mut probes = probes_for(&targets);
        if probes.is_empty() {
            break;
        }
        let mut by_column: Vec<Vec<usize>> = vec![Vec::new(); counts.len()];
        for (k, probe) in probes.iter().enumerate() {
            by_column[probe.column].push(k);
        }
        pass(&mut |column, value| {
            if !value.is_finite() {
                return;
            }
            let key = order_key(value);
            for &k in by_column.get(column).map_or(&[][..], Vec::as_slice) {
                let probe = &mut probes[k];
                if !Target::matches(probe.prefix, probe.bits, key) {
                    continue;
                }
                if probe.collecting {
                    probe.keys.push(key);
                } else {
                    let digit = (key >> (64 - probe.bits - DIGIT_BITS)) & ((1 << DIGIT_BITS) - 1);
                    probe.counts[digit as usize] += 1;
                }
            }
        })?;
        for probe in &mut probes {
            probe.keys.sort_unstable();
        }
        for (column, targets) in targets.iter_mut().enumerate() {
            for target in targets.iter_mut() {
                *target = advance(*target, column, &probes);
            }
        }
    }
    let found = |t: &Target| match t {
        Target::Found(value) => *value,
        _ => f64::NAN,
    };
    Ok(targets
        .iter()
        .map(|t| t.iter().map(found).collect())
        .collect())
}

/// One probe per distinct (column, prefix, mode) among the targets not yet found.
fn probes_for(targets: &[Vec<Target>]) -> Vec<Probe> {
    let mut probes: Vec<Probe> = Vec::new();
    for (column, targets) in targets.iter().enumerate() {
        for target in targets {
            let (prefix, bits, collecting) = match *target {
                Target::Counting { prefix, bits, .. } => (prefix, bits, false),
                Target::Collecting { prefix, bits, .. } => (prefix, bits, true),
                Target::Found(_) => continue,
            };
            let known = probes.iter().any(|p| {
                (p.column, p.prefix, p.bits, p.collecting) == (column, prefix, bits, collecting)
            });
            if !known {
                probes.push(Probe {
                    column,
                    prefix,
                    bits,
                    counts: match collecting {
                        true => Vec::new(),
                        false => vec![0; 1 << DIGIT_BITS],
                    },
                    keys: Vec::new(),
                    collecting,
                });
            }
        }
    }
    probes
}

/// The target after a pass: found among the collected keys, or narrowed by one digit.
fn advance(target: Target, column: usize, probes: &[Probe]) -> Target {
    let probe_of = |prefix: u64, bits: u32, collecting: bool| {
        probes.iter().find(|p| {
            (p.column, p.prefix, p.bits, p.collecting) == (column, prefix, bits, collecting)
        })
    };
    match target {
        Target::Found(_) => target,
        Target::Collecting {
            prefix,
            bits,
            within,
        } => match probe_of(prefix, bits, true).and_then(|p| p.keys.get(within as usize)) {
            Some(&key) => Target::Found(from_order_key(key)),
            None => Target::Found(f64::NAN),
        },
        Target::Counting {
            prefix,
            bits,
            within,
        } => {
            let Some(probe) = probe_of(prefix, bits, false) else {
                return Target::Found(f64::NAN);
            };
            let mut below = 0;
            for (digit, &count) in probe.counts.iter().enumerate() {
                if within < below + count {
                    let (prefix, bits) = (prefix << DIGIT_BITS | digit as u64, bits + DIGIT_BITS);
                    let within = within - below;
                    return match (bits == 64, count <= COLLECT) {
                        (true, _) => Target::Found(from_order_key(prefix)),
                        (false, true) => Target::Collecting {
                            prefix,
                            bits,
                            within,
                        },
                        (false, false) => Target::Counting {
                            prefix,
                            bits,
                            within,
                        },
                    };
                }
                below += count;
            }
            // The pass gave fewer values than `counts` said.
            Target::Found(f64::NAN)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reproducible spread of values over many magnitudes and both signs, with ties.
    fn values(n: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..n)
            .map(|k| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (state >> 11) as f64 / (1u64 << 53) as f64;
                match k % 7 {
                    0 => 3.25, // ties
                    1 => -(1.0 / (u + 1e-3)),
                    _ => (40.0 * u - 10.0).exp(),
                }
            })
            .collect()
    }

    fn select(columns: &[Vec<f64>], ranks: &[Vec<u64>]) -> (Vec<Vec<f64>>, usize) {
        let counts: Vec<u64> = (columns.iter())
            .map(|c| c.iter().filter(|v| v.is_finite()).count() as u64)
            .collect();
        let mut passes = 0;
        let found = order_statistics::<()>(&counts, ranks, &mut |visit| {
            passes += 1;
            for (c, column) in columns.iter().enumerate() {
                column.iter().for_each(|&v| visit(c, v));
            }
            Ok(())
        });
        (found.unwrap(), passes)
    }

    /// The reference: sort the finite values and index them.
    fn sorted_finite(column: &[f64]) -> Vec<f64> {
        let mut sorted: Vec<f64> = column.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        sorted
    }

    #[test]
    fn order_keys_sort_as_total_cmp() {
        let mut sample = values(2000, 3);
        sample.extend([
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            1e308,
            -1e308,
        ]);
        let mut by_key = sample.clone();
        by_key.sort_by_key(|&v| order_key(v));
        sample.sort_by(f64::total_cmp);
        let bits = |v: &Vec<f64>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&by_key), bits(&sample));
        assert!(
            sample
                .iter()
                .all(|&v| from_order_key(order_key(v)).to_bits() == v.to_bits())
        );
    }

    #[test]
    fn many_values_are_selected_exactly_in_a_few_passes() {
        // 300,000 values (beyond one collecting pass), NaN and infinities among them.
        let mut big = values(300_000, 11);
        big[5] = f64::NAN;
        big[6] = f64::INFINITY;
        let small = values(500, 5);
        let sorted = [sorted_finite(&big), sorted_finite(&small)];
        let n = sorted[0].len() as u64;
        let ranks = vec![
            vec![0, 1, n / 20, n / 4, n / 2, n / 2 + 1, 3 * n / 4, n - 1, n],
            vec![0, 17, 499],
        ];
        let (found, passes) = select(&[big, small], &ranks);
        for (c, ranks) in ranks.iter().enumerate() {
            for (k, &rank) in ranks.iter().enumerate() {
                let expected = sorted[c].get(rank as usize).copied().unwrap_or(f64::NAN);
                assert_eq!(
                    found[c][k].to_bits(),
                    expected.to_bits(),
                    "column {c} rank {rank}"
                );
            }
        }
        assert!(passes <= 4, "{passes} passes");
    }

    #[test]
    fn a_column_of_one_repeated_value_resolves_all_64_bits() {
        let column = vec![7.5; 200_000];
        let (found, passes) = select(&[column], &[vec![0, 99_999, 199_999]]);
        assert_eq!(found[0], [7.5, 7.5, 7.5]);
        assert_eq!(passes, 4);
    }

    #[test]
    fn small_columns_take_one_pass() {
        let column = values(1000, 2);
        let sorted = sorted_finite(&column);
        let (found, passes) = select(&[column, Vec::new()], &[vec![3, 999], vec![0]]);
        assert_eq!(passes, 1);
        assert_eq!(found[0], [sorted[3], sorted[999]]);
        assert!(found[1][0].is_nan());
    }
}
