#!/usr/bin/env python3
"""Reference solutions of the Hardiansyah & Ng 2019 CAR T / CRS cytokine QSP model.

Model: Hardiansyah D, Ng CM. Clin Transl Sci 2019;12:343-349 (doi:10.1111/cts.12636),
Supplementary File Eqs 1-9 and Tables S1/S2 as transcribed by nlmixr2lib
(Hardiansyah_2019_CART_upn1_qsp.R, Hardiansyah_2019_CART_upn3_qsp.R and the vignette, commit
2a9e79e), with nlmixr2lib's three errata fixes (Eq 7 memory gain a_E*CE_pb*(1-f(B)); h = 1e5 in
1e9-cell units; a_E per day, b_G in pg/mL) and its digitised cytokine baselines; summarised in
shared/MODELS.md section 5. The equations are written out below by hand;
models/hardiansyah2019_crs.yaml is not read.

Runs: subjects UPN1 and UPN3 (parameter sets upn1, upn3): total dose 1.1 / 0.014 (1e9 cells)
split 10/30/60% as boluses into CE_pb on days 0, 1, 2; output every 0.5 day from 0 to 350.

Method: SciPy solve_ivp Radau at rtol 1e-10, atol 1e-16 (1e9 cells) and 1e-12 pg/mL, restarted
at every output time and at every dose; cross-checked with SciPy LSODA and DOP853 at the same
tolerances. Boluses as cartsim applies them (integrate to the dose time, add, restart; the row
at a dose time shows the state after the dose).

Agreement found (max relative difference over entries above 1e3 x atol; run 2026-11-25, SciPy
1.17.1):
  UPN1: Radau vs LSODA 4.9e-07 and vs DOP853 8.6e-07, both in CE_pb late in the run where it is
        below 1e-9 (1e9 cells); every other column <= 6.3e-08 (LSODA) / 1.7e-08 (DOP853);
        Radau rtol 1e-10 vs 1e-12: 1.0e-11 (so the LSODA/DOP853 differences are their errors).
  UPN3: Radau vs LSODA 1.8e-08, vs DOP853 2.2e-09, Radau rtol 1e-10 vs 1e-12 1.2e-12.
The peaks also match the nlmixr2lib vignette to its printed digits: UPN1 total CAR T 2.5495,
memory 0.0073445, IL-6 2744.7, IL-10 915.27, IFN-g 828.39; UPN3 0.096899, 0.0071838, 49.307,
116.37, 119.59.

Structural checks (asserted): with no CAR T the cytokines stay at baseline and B grows as
B0*exp((r_B - d_B) t) (0.0017/day); with r_E = d_CE = r_M = d_CM = 0 the four CAR T states sum
to the cumulative infused dose; late CM_t/CM_pb is k_in/(k_out - lambda) with lambda the slow
decay rate of the memory pool: 41.918 at day 350 for both subjects (lambda = 0.00832/day), i.e.
0.45% above k_in/k_out = 41.73, which is the lambda -> 0 limit. Peaks are also compared with the
nlmixr2lib vignette's values (0.1-day grid, within 1%).

Writes hardiansyah2019_crs_<set>.csv: time, B, CE_pb, CE_t, CM_pb, CM_t, IL6, IL10, IFNg,
cart_blood (17 significant digits).
"""

import os
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _refcommon import report, solve_piecewise, write_csv  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

FIXED = dict(  # Table S1
    d_IL6=3.96, d_IL10=4.68, d_IFNg=1.51, a_G=0.59, b_G=650.0, r_M=5.09e-2, d_CM=4.08e-1,
    a_M=1.0, k_in=76.78, k_out=1.84, h=1e5, r_B=9.30e-3, d_B=7.60e-3,
)
SUBJECTS = {  # Table S2, digitised baselines, B(0), total dose
    "upn1": dict(P_IL6=1.8e-3, P_IL10=7e-4, P_IFNg=3e-4, r_E=16.16, d_CE=23.04, a_E=2.4e-2,
                 K_BC=0.19, BL_IL6=1.7, BL_IL10=4.5, BL_IFNg=2.3, B0=4.14, dose_total=1.1),
    "upn3": dict(P_IL6=0.6e-2, P_IL10=1.7e-2, P_IFNg=0.6e-2, r_E=14.40, d_CE=1.44, a_E=1.2e-1,
                 K_BC=2.21, BL_IL6=1.0, BL_IL10=0.5, BL_IFNg=1.7, B0=0.93, dose_total=0.014),
}
STATES = ["B", "CE_pb", "CE_t", "CM_pb", "CM_t", "IL6", "IL10", "IFNg"]
OUTPUTS = ["cart_blood"]
ATOL = np.array([1e-16] * 5 + [1e-12] * 3)
RTOL = 1e-10
# nlmixr2lib vignette, 0.1-day grid: peak total CART, peak memory CART (1e9 cells), IL-6, IL-10,
# IFN-gamma peaks (pg/mL)
VIGNETTE = {
    "upn1": dict(cart_blood=2.54950, CM_pb=0.00734, IL6=2744.7, IL10=915.3, IFNg=828.4),
    "upn3": dict(cart_blood=0.09690, CM_pb=0.00718, IL6=49.3, IL10=116.4, IFNg=119.6),
}


def make_rhs(p):
    def rhs(t, y):
        B, CE_pb, CE_t, CM_pb, CM_t, IL6, IL10, IFNg = y
        fB = B / (B + p["h"])
        Fd = p["a_G"] + (1 - p["a_G"]) * p["b_G"] / (IL10 + p["b_G"])
        stim = 1e6 * B * CE_pb
        return [
            p["r_B"] * B - p["d_B"] * B - p["K_BC"] * CE_pb * B,
            p["r_E"] * CE_pb * B - p["d_CE"] * CE_pb - p["k_in"] * CE_pb + p["k_out"] * CE_t
            - p["a_E"] * CE_pb * (1 - fB) + p["a_M"] * CM_pb * fB,
            p["k_in"] * CE_pb - p["k_out"] * CE_t,
            p["r_M"] * CM_pb - p["d_CM"] * CM_pb - p["k_in"] * CM_pb + p["k_out"] * CM_t
            + p["a_E"] * CE_pb * (1 - fB) - p["a_M"] * CM_pb * fB,
            p["k_in"] * CM_pb - p["k_out"] * CM_t,
            p["d_IL6"] * p["BL_IL6"] + p["P_IL6"] * stim - p["d_IL6"] * IL6,
            p["d_IL10"] * p["BL_IL10"] + p["P_IL10"] * stim - p["d_IL10"] * IL10,
            p["d_IFNg"] * p["BL_IFNg"] + p["P_IFNg"] * stim * Fd - p["d_IFNg"] * IFNg,
        ]
    return rhs


def initial(p):
    return [p["B0"], 0.0, 0.0, 0.0, 0.0, p["BL_IL6"], p["BL_IL10"], p["BL_IFNg"]]


def boluses(p):
    return [(0.0, 1, 0.1 * p["dose_total"]), (1.0, 1, 0.3 * p["dose_total"]),
            (2.0, 1, 0.6 * p["dose_total"])]


def with_outputs(Y):
    return np.column_stack([Y, Y[:, 1] + Y[:, 3]])


def structural_checks(name, p):
    times = [0.5 * k for k in range(0, 701)]
    # 1. No CAR T: cytokines at baseline, B exponential at r_B - d_B.
    Y, _ = solve_piecewise(make_rhs(p), initial(p), times, [], "Radau", RTOL, ATOL)
    t = np.array(times)
    b_exact = p["B0"] * np.exp((p["r_B"] - p["d_B"]) * t)
    err_b = np.max(np.abs(Y[:, 0] / b_exact - 1))
    err_c = max(np.max(np.abs(Y[:, 5 + i] / p[k] - 1))
                for i, k in enumerate(["BL_IL6", "BL_IL10", "BL_IFNg"]))
    print(f"  no CAR T: B vs B0*exp({p['r_B'] - p['d_B']:.4f} t) max rel error {err_b:.1e}; "
          f"cytokines vs baseline max rel error {err_c:.1e}")
    assert err_b < 1e-8 and err_c < 1e-12
    # 2. No growth or death of CAR T: the four CAR T states sum to the cumulative dose.
    q = dict(p, r_E=0.0, d_CE=0.0, r_M=0.0, d_CM=0.0)
    Y, _ = solve_piecewise(make_rhs(q), initial(q), times, boluses(q), "Radau", RTOL, ATOL)
    total = Y[:, 1:5].sum(axis=1)
    cumulative = np.array([sum(a for (td, _, a) in boluses(q) if td <= tt) for tt in times])
    err_sum = np.max(np.abs(total / cumulative - 1))
    print(f"  r_E = d_CE = r_M = d_CM = 0: sum of CAR T states vs cumulative dose max rel error "
          f"{err_sum:.1e}")
    assert err_sum < 1e-8
    # 3. Late memory blood/tissue ratio.
    Y, _ = solve_piecewise(make_rhs(p), initial(p), times, boluses(p), "Radau", RTOL, ATOL)
    ratio = Y[-1, 4] / Y[-1, 3]
    lam = -np.log(Y[-1, 3] / Y[-21, 3]) / (times[-1] - times[-21])  # decay rate over the last 10 d
    predicted = p["k_in"] / (p["k_out"] - lam)
    print(f"  late CM_t/CM_pb at t = 350: {ratio:.4f}; k_in/k_out = {p['k_in'] / p['k_out']:.4f}; "
          f"k_in/(k_out - decay rate {lam:.5f}/day) = {predicted:.4f}")
    assert abs(ratio / (p["k_in"] / p["k_out"]) - 1) < 0.01
    assert abs(ratio / predicted - 1) < 1e-3


def vignette_peaks(name, p):
    times = [round(0.1 * k, 10) for k in range(0, 3501)]
    Y, _ = solve_piecewise(make_rhs(p), initial(p), times, boluses(p), "Radau", 1e-8, ATOL * 1e4)
    full = with_outputs(Y)
    columns = STATES + OUTPUTS
    parts = []
    for key, expected in VIGNETTE[name].items():
        j = columns.index(key)
        i = int(np.argmax(full[:, j]))
        parts.append(f"{key} {full[i, j]:.5g} at {times[i]:.1f} d (vignette {expected})")
        assert abs(full[i, j] / expected - 1) < 0.01, (key, full[i, j], expected)
    print("  peaks: " + "; ".join(parts))


def main():
    times = [0.5 * k for k in range(0, 701)]
    for name, subject in SUBJECTS.items():
        p = dict(FIXED, **subject)
        rhs = make_rhs(p)
        runs = {}
        for label, method, rtol, atol in (("Radau", "Radau", RTOL, ATOL),
                                          ("LSODA", "LSODA", RTOL, ATOL),
                                          ("DOP853", "DOP853", RTOL, ATOL),
                                          ("Radau rtol 1e-12", "Radau", 1e-12, ATOL * 1e-2)):
            Y, nfev = solve_piecewise(rhs, initial(p), times, boluses(p), method, rtol, atol)
            runs[label] = (with_outputs(Y), nfev)
        print(f"{name}: RHS evaluations " + ", ".join(f"{m} {n}" for m, (_, n) in runs.items()))
        atol_full = np.concatenate([ATOL, [1e-16]])
        for label in ("LSODA", "DOP853", "Radau rtol 1e-12"):
            report(f"Radau vs {label}", STATES + OUTPUTS, runs["Radau"][0], runs[label][0],
                   atol_full)
        radau = runs["Radau"][0]
        write_csv(os.path.join(HERE, f"hardiansyah2019_crs_{name}.csv"), STATES + OUTPUTS, times,
                  [radau[:, j] for j in range(radau.shape[1])])
        structural_checks(name, p)
        vignette_peaks(name, p)


if __name__ == "__main__":
    main()
