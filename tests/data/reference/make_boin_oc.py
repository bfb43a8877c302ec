#!/usr/bin/env python3
"""Reference operating characteristics of the BOIN design, by an independent simulator.

Written from the published algorithm (Liu & Yuan 2015, JRSS C 64:507-523) as the BOIN R package
implements it (Yan et al. 2020, J Stat Softw 94(13); functions get.boundary, get.oc, select.mtd,
package defaults: p.saf = 0.6 target, p.tox = 1.4 target, cutoff.eli = 0.95, n.earlystop = 100
(never reached here), extrasafe = FALSE, boundMTD = FALSE, titration = FALSE). Not translated
from cartsim's Rust code. Plain Python 3 standard library only.

get.boundary: for n = 1..max_n patients at a level,
  escalate if dlts <= floor(lambda_e n); de-escalate if dlts >= ceiling(lambda_d n) (round + 1
  when lambda_d n is an integer to 1e-12); eliminate if dlts >= the smallest count with
  P(p > target | Beta(1 + dlts, 1 + n - dlts)) > 0.95, for n >= 3 (none below 3); the
  de-escalation count is capped at the elimination count.
get.oc: each cohort is treated at the current level d; if the cohort would reach max_n it is cut
  to the patients remaining and the trial ends there (no decision after it). Otherwise: if the
  level meets elimination, d and all above are eliminated, and if d is the lowest the trial stops
  with no dose; then (also after an elimination) escalate if dlts <= the escalation count, d is not
  the top and d + 1 is not eliminated; else de-escalate if dlts >= the de-escalation count and d is
  not the lowest; else stay.
select.mtd (at max_n): the first level from the bottom with n >= 3 meeting elimination is
  eliminated with all above; no dose if that is the lowest (or no non-eliminated level was
  tried). Tried non-eliminated levels get phat = (dlts + 0.05)/(n + 0.1), made non-decreasing
  by PAVA with weights 1/var, var = (dlts + 0.05)(n - dlts + 0.05)/((n + 0.1)^2 (n + 1.1));
  then phat_i += i * 1e-10 (i = 1, 2, ... in level order) and the level with the smallest
  |phat - target| is selected (first in level order on an exact tie, as R's sort does).

The Beta upper tail for integer parameters uses the identity
  P(X > t | X ~ Beta(a, b)) = P(Binomial(a + b - 1, t) <= a - 1),
evaluated exactly with fractions (the target as the decimal it is written as).

Bernoulli DLTs: random.Random(seed).random() < p, one draw per patient in enrolment order.

Also writes boin_paths.csv: 150 trials per scenario on fixed per-level DLT lists (T/N), with
the patients and DLTs per level and the selected level that this simulator gives, for an exact
trial-by-trial comparison.

Run: python3 tests/data/reference/make_boin_oc.py  (writes boin_oc.csv beside this script;
seed 20260101 for the first scenario, + 1 for the second; 1,000,000 trials each, about 35 s;
BOIN_TRIALS=k in the environment runs k trials instead, for a quick check).

CSV columns: scenario, target, cohort, max_n, start (0-based), level (0-based; `none` = no dose
selected; `total` = all levels), p_dlt (true), selected (fraction of trials selecting the level,
empty on the total row), patients_mean, patients_sd, dlts_mean, dlts_sd (per trial at that
level; sample SD with divisor N - 1; empty on the none row), trials.
"""

import math
import os
import sys
import time
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
TRIALS = int(os.environ.get("BOIN_TRIALS", "1000000"))
SEED = 20260101
PATHS = 150
PATH_SEED = 7
ELIM_CUTOFF = Fraction(95, 100)

SCENARIOS = [
    # name, target (decimal string), true P(DLT), cohort, max_n, start level (0-based)
    ("s1", "0.30", ["0.05", "0.15", "0.30", "0.50"], 3, 30, 0),
    ("s2", "0.25", ["0.10", "0.25", "0.45", "0.60"], 3, 30, 1),
]


def beta_upper_tail(t, a, b):
    """P(X > t) for X ~ Beta(a, b), integer a, b >= 1, t a Fraction: exact."""
    m = a + b - 1
    return sum(math.comb(m, k) * t**k * (1 - t) ** (m - k) for k in range(a))


def boundary_table(target_text, max_n):
    """Per n = 1..max_n: (escalate if dlts <=, de-escalate if dlts >=, eliminate if dlts >=)."""
    target = float(target_text)
    exact = Fraction(target_text)
    p1, p2 = 0.6 * target, 1.4 * target
    lam_e = math.log((1 - p1) / (1 - target)) / math.log(target * (1 - p1) / (p1 * (1 - target)))
    lam_d = math.log((1 - target) / (1 - p2)) / math.log(p2 * (1 - target) / (target * (1 - p2)))
    table = {}
    margin = 1.0
    for n in range(1, max_n + 1):
        esc = math.floor(lam_e * n)
        x = lam_d * n
        dee = round(x) + 1 if abs(round(x) - x) < 1e-12 else math.ceil(x)
        elim = None
        if n >= 3:
            for dlts in range(1, n + 1):
                tail = beta_upper_tail(exact, dlts + 1, n - dlts + 1)
                margin = min(margin, abs(float(tail - ELIM_CUTOFF)))
                if tail > ELIM_CUTOFF:
                    elim = dlts
                    break
        if elim is not None and dee > elim:
            dee = elim
        table[n] = (esc, dee, elim)
    return lam_e, lam_d, table, margin


def eliminated(table, n, dlts):
    if n < 3:
        return False
    elim = table[n][2]
    return elim is not None and dlts >= elim


def pava(x, w):
    """Weighted isotonic regression as the package's pava(): pool the first violating pair's
    level sets until no adjacent pair decreases."""
    x = list(x)
    sets = list(range(len(x)))
    while True:
        viol = [i for i in range(len(x) - 1) if x[i + 1] - x[i] < 0]
        if not viol:
            return x
        i = viol[0]
        s1, s2 = sets[i], sets[i + 1]
        members = [j for j in range(len(x)) if sets[j] in (s1, s2)]
        pooled = sum(x[j] * w[j] for j in members) / sum(w[j] for j in members)
        for j in members:
            x[j] = pooled
            sets[j] = s1


def select_mtd(target, table, n, y):
    """The selected level (0-based) or None."""
    levels = len(n)
    first_elim = levels
    for i in range(levels):
        if eliminated(table, n[i], y[i]):
            first_elim = i
            break
    if first_elim == 0 or sum(n[:first_elim]) == 0:
        return None
    adm = [i for i in range(first_elim) if n[i] > 0]
    phat = [(y[i] + 0.05) / (n[i] + 0.1) for i in adm]
    var = [(y[i] + 0.05) * (n[i] - y[i] + 0.05) / ((n[i] + 0.1) ** 2 * (n[i] + 1.1)) for i in adm]
    phat = pava(phat, [1 / v for v in var])
    phat = [p + (k + 1) * 1e-10 for k, p in enumerate(phat)]
    dist = [abs(p - target) for p in phat]
    best = min(range(len(adm)), key=lambda k: (dist[k], k))
    return adm[best]


def one_trial(dlt, levels, target, table, cohort, max_n, start):
    """One trial; dlt(level) is the next patient's DLT (True/False) at that level."""
    n = [0] * levels
    y = [0] * levels
    elim = [False] * levels
    d = start
    while True:
        size = min(cohort, max_n - sum(n))
        y[d] += sum(dlt(d) for _ in range(size))
        n[d] += size
        if sum(n) >= max_n:
            return n, y, select_mtd(target, table, n, y)
        if eliminated(table, n[d], y[d]):
            for j in range(d, levels):
                elim[j] = True
            if d == 0:
                return n, y, None
        esc, dee, _ = table[n[d]]
        if y[d] <= esc and d != levels - 1:
            if not elim[d + 1]:
                d += 1
        elif y[d] >= dee and d != 0:
            d -= 1


def mean_sd(total, squares, count):
    mean = total / count
    var = (squares - count * mean * mean) / (count - 1)
    return mean, math.sqrt(max(var, 0.0))


def run(scenario, seed):
    import random

    name, target_text, p_text, cohort, max_n, start = scenario
    target = float(target_text)
    p_true = [float(p) for p in p_text]
    lam_e, lam_d, table, margin = boundary_table(target_text, max_n)
    print(f"{name}: lambda_e {lam_e:.6f} lambda_d {lam_d:.6f}; smallest |tail - 0.95| {margin:.3g}")
    print("  n:        " + " ".join(f"{k:2d}" for k in table))
    for row, label in ((0, "escalate"), (1, "de-esc  "), (2, "elim    ")):
        cells = ["--" if table[k][row] is None else f"{table[k][row]:2d}" for k in table]
        print(f"  {label}: " + " ".join(cells))
    rng = random.Random(seed)
    levels = len(p_true)
    chosen = [0] * (levels + 1)  # last = none
    sums = [[0.0] * 4 for _ in range(levels + 1)]  # per level and total: n, n^2, y, y^2
    for _ in range(TRIALS):
        n, y, sel = one_trial(lambda d: rng.random() < p_true[d], levels, target, table, cohort,
                              max_n, start)
        chosen[levels if sel is None else sel] += 1
        for i, (ni, yi) in enumerate(zip(n + [sum(n)], y + [sum(y)])):
            s = sums[i]
            s[0] += ni
            s[1] += ni * ni
            s[2] += yi
            s[3] += yi * yi
    rows = []
    for i in range(levels + 2):
        label = str(i) if i < levels else ("none" if i == levels else "total")
        p = p_text[i] if i < levels else ""
        sel = f"{chosen[i] / TRIALS:.6f}" if i <= levels else ""
        stats = ["", "", "", ""]
        if i != levels:
            s = sums[i if i < levels else levels]
            pm, psd = mean_sd(s[0], s[1], TRIALS)
            dm, dsd = mean_sd(s[2], s[3], TRIALS)
            stats = [f"{pm:.6f}", f"{psd:.6f}", f"{dm:.6f}", f"{dsd:.6f}"]
        rows.append([name, target_text, str(cohort), str(max_n), str(start), label, p, sel]
                    + stats + [str(TRIALS)])
    return rows


def paths(scenario, seed):
    """PATHS trials on fixed outcomes: each level gets its own list of max_n Bernoulli DLTs
    (T/N), its k-th patient taking the k-th entry. Rows: scenario, the lists joined by '/',
    patients per level, DLTs per level (space-separated), selected level or `none`."""
    import random

    name, target_text, p_text, cohort, max_n, start = scenario
    _, _, table, _ = boundary_table(target_text, max_n)
    rng = random.Random(seed)
    rows = []
    for _ in range(PATHS):
        lists = ["".join("T" if rng.random() < float(p) else "N" for _ in range(max_n))
                 for p in p_text]
        used = [0] * len(lists)

        def dlt(level):
            used[level] += 1
            return lists[level][used[level] - 1] == "T"

        n, y, sel = one_trial(dlt, len(lists), float(target_text), table, cohort, max_n, start)
        rows.append(",".join([name, "/".join(lists), " ".join(map(str, n)),
                              " ".join(map(str, y)), "none" if sel is None else str(sel)]))
    return rows


def write_paths():
    lines = [
        "# BOIN trials on fixed per-level DLT lists by the independent Python simulator. Made by:",
        f"# python3 tests/data/reference/make_boin_oc.py ({PATHS} trials per scenario of",
        f"# boin_oc.csv; random.Random seed {PATH_SEED} for s1, {PATH_SEED + 1} for s2).",
        "scenario,dlts_by_level,patients,dlts,selected",
    ]
    for k, scenario in enumerate(SCENARIOS):
        lines.extend(paths(scenario, PATH_SEED + k))
    with open(os.path.join(HERE, "boin_paths.csv"), "w") as out:
        out.write("\n".join(lines) + "\n")


def main():
    write_paths()
    started = time.time()
    header = ["scenario", "target", "cohort", "max_n", "start", "level", "p_dlt", "selected",
              "patients_mean", "patients_sd", "dlts_mean", "dlts_sd", "trials"]
    lines = [
        "# BOIN operating characteristics by an independent Python simulator (BOIN R package",
        "# algorithm and defaults). Made by: python3 tests/data/reference/make_boin_oc.py",
        f"# ({TRIALS} trials per scenario; random.Random seed {SEED} for s1, {SEED + 1} for s2).",
        ",".join(header),
    ]
    for k, scenario in enumerate(SCENARIOS):
        for row in run(scenario, SEED + k):
            lines.append(",".join(row))
            print("  " + ",".join(row))
    with open(os.path.join(HERE, "boin_oc.csv"), "w") as out:
        out.write("\n".join(lines) + "\n")
    print(f"wrote boin_oc.csv in {time.time() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
