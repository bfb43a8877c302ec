#!/usr/bin/env python3
"""Reference solution of the Kirouac 2023 CAR T cell-state model (replication equations), set CR#1.

Model: Kirouac DC et al. Nat Biotechnol 2023 (doi:10.1038/s41587-023-01687-x), AS REPLICATED in
github mstadt/CART2 (mod_eqns.m, zerolimit.m, HillEQ.m, driver_allpatients.m; fitted parameter
set pars/get_pars.m, column 1 of pCR), summarised in shared/MODELS.md section 4. The paper's own
Methods were not seen: these are the replication's equations, not verified against the paper.
The equations are written out below by hand; models/kirouac2023_cll.yaml is not read.
Clipping follows mod_eqns.m: zerolimit(x, 1) = max(x, 0) on exactly the terms where the
replication applies it (TE1 in the TE2 gain, TE2 in the regeneration term, B in the kill term
and BA are unclipped there); Hill arguments BA are additionally clipped at 0 (as the YAML does;
no effect while BA >= 0). The replication's divergence guard (all derivatives 0 once total CAR T
< 1e-15 after day 100) is not implemented; the script checks that it would never trigger.

Run: cell_dose = 1e8 cells as a bolus into the depot `dose` at t = 0, B(0) = BA(0) = 1e10, all
other states 0; output every day from 0 to 365.

Method: SciPy solve_ivp Radau at rtol 1e-10, atol 1e-8 cells, restarted at every output time and
at the dose; cross-checked with SciPy LSODA and DOP853 at the same tolerances, and with Radau at
rtol 1e-12 / atol 1e-10 (error estimate). (The replication itself used MATLAB ode15s, RelTol
1e-4, AbsTol 1e-7, NonNegative.)

Agreement found (max relative difference over entries above 1e3 x atol; run 2026-11-25, SciPy
1.17.1): Radau vs LSODA 3.4e-08, Radau vs DOP853 2.9e-11, Radau rtol 1e-10 vs rtol 1e-12
1.4e-12. (After day 0 the depot `dose` and `doseX` are below 1e-100 cells; compare those columns
with an absolute tolerance.)

Structural checks (asserted): the depot follows dose(t) = D exp(-(f_loss + 1) t) and the transfer
compartment its two-exponential closed form; the amount that ever reaches the four CAR T states
is D / (f_loss + 1) (checked by integrating the inflow); with k_kill = 0 and no dose, B follows
the logistic closed form; total CAR T stays > 1e-15 (the replication's guard never fires) and no
state goes below -1e-6 cells.

Writes kirouac2023_cll_cr1.csv: time, TM, TE1, TE2, TX, B, BA, dose, doseX, cart_total,
cart_per_uL, b_per_uL (17 significant digits).
"""

import os
import sys

import numpy as np
from scipy.integrate import solve_ivp

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _refcommon import report, solve_piecewise, write_csv  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

NAMES = ["B50", "mu_B", "k_kill", "f_loss", "TK50", "kt", "kb1", "kb2", "mu_m", "km", "f_max",
         "ke", "mu_e", "N", "kex", "d_m", "d_e1", "d_e2", "d_x", "B_max", "kx", "r_m", "kr",
         "fTm", "fTe1", "fTe2", "fTx"]
CR1 = [3236080324.0, 0.050040188, 0.958461702, 314.5563332, 1000000000.0, 0.254191859,
       0.996687975, 0.257136936, 0.253162895, 0.720743327, 0.579686926, 2.708089263,
       0.937843482, 5.132798082, 0.15978662, 0.07484827, 0.290634336, 0.007565547, 0.001000004,
       227144056.1, 2.998879893, 0.394596635, 2.795422828, 1.0, 1.126392921, 45.01114367,
       14.91950294]
SETS = {"cr1": dict(zip(NAMES, CR1))}
CELL_DOSE = 1e8
B0 = 1e10
BA0 = 1e10
CELLS_PER_UL = 2e6  # replication plot scale (plot_allpatients.m sf = 1/2e6)
STATES = ["TM", "TE1", "TE2", "TX", "B", "BA", "dose", "doseX"]
OUTPUTS = ["cart_total", "cart_per_uL", "b_per_uL"]
RTOL = 1e-10
ATOL = 1e-8


def hill(x, n, k):
    return x ** n / (k ** n + x ** n)


def make_rhs(p):
    two_n = 2.0 ** p["N"]
    transfer = p["fTm"] + p["fTe1"] + p["fTe2"] + p["fTx"]

    def rhs(t, y):
        TM, TE1, TE2, TX, B, BA, dose, doseX = y
        BAp = max(BA, 0.0)
        H_m = hill(BAp, p["km"], p["B50"])
        H_e = hill(BAp, p["ke"], p["B50"])
        H_x = hill(BAp, p["kx"], p["B50"])
        H_r = hill(BAp, p["kr"], p["B50"])
        TMp, TE1p, TE2p, TXp = max(TM, 0.0), max(TE1, 0.0), max(TE2, 0.0), max(TX, 0.0)
        renew = p["mu_m"] * p["f_max"] * (1 - H_m)
        differentiate = p["mu_m"] * (1 - p["f_max"] * (1 - H_m))
        regenerate = p["r_m"] * (1 - H_r) * TE2
        exhaust = p["kex"] * H_x * TE2p
        return [
            renew * TMp - differentiate * TMp - p["d_m"] * TMp + p["fTm"] * doseX + regenerate,
            2 * differentiate * TMp - p["mu_e"] * H_e * TE1p - p["d_e1"] * TE1p
            + p["fTe1"] * doseX,
            p["mu_e"] * H_e * TE1 * two_n - exhaust - p["d_e2"] * TE2p + p["fTe2"] * doseX
            - regenerate,
            exhaust - p["d_x"] * TXp + p["fTx"] * doseX,
            p["mu_B"] * max(B, 0.0) * (1 - B / p["B_max"])
            - p["k_kill"] * B * hill(TE2p, p["kt"], p["TK50"]),
            p["kb1"] * B - p["kb2"] * BA,
            -(p["f_loss"] + 1) * dose,
            dose - transfer * doseX,
        ]
    return rhs


def initial():
    return [0.0, 0.0, 0.0, 0.0, B0, BA0, 0.0, 0.0]


def with_outputs(Y):
    total = Y[:, 0:4].sum(axis=1)
    return np.column_stack([Y, total, total / CELLS_PER_UL, Y[:, 4] / CELLS_PER_UL])


def structural_checks(p):
    rhs = make_rhs(p)
    kd = p["f_loss"] + 1
    kx = p["fTm"] + p["fTe1"] + p["fTe2"] + p["fTx"]
    # 1. Depot and transfer compartment closed forms on a fine early grid.
    times = [0.001 * k for k in range(0, 201)]
    Y, _ = solve_piecewise(rhs, initial(), times, [(0.0, 6, CELL_DOSE)], "Radau", RTOL,
                           np.array([ATOL] * 6 + [1e-10, 1e-10]))
    t = np.array(times)
    dose_exact = CELL_DOSE * np.exp(-kd * t)
    dosex_exact = CELL_DOSE * (np.exp(-kd * t) - np.exp(-kx * t)) / (kx - kd)
    keep = dose_exact > 1e-2
    err_dose = np.max(np.abs(Y[keep, 6] / dose_exact[keep] - 1))
    keep = dosex_exact > 1e-2
    err_dosex = np.max(np.abs(Y[keep, 7] / dosex_exact[keep] - 1))
    print(f"  depot vs D exp(-(f_loss+1) t): max rel error {err_dose:.1e}; doseX vs closed form "
          f"{err_dosex:.1e}")
    assert err_dose < 1e-8 and err_dosex < 1e-8
    # 2. Amount delivered to the CAR T states: integrate kx * doseX alongside.
    def augmented(t, z):
        return list(rhs(t, z[:8])) + [kx * z[7]]
    z0 = np.array(initial() + [0.0])
    z0[6] = CELL_DOSE
    sol = solve_ivp(augmented, (0.0, 5.0), z0, method="Radau", rtol=RTOL, atol=1e-10)
    delivered = sol.y[8, -1]
    expected = CELL_DOSE / kd
    print(f"  delivered to TM+TE1+TE2+TX by day 5: {delivered:.10g} cells; D/(f_loss+1) = "
          f"{expected:.10g} (rel diff {abs(delivered / expected - 1):.1e})")
    assert abs(delivered / expected - 1) < 1e-8
    # 3. No CAR T, no killing: B logistic, closed form.
    q = dict(p, k_kill=0.0)
    times = [float(k) for k in range(0, 366)]
    Y, _ = solve_piecewise(make_rhs(q), initial(), times, [], "Radau", RTOL, ATOL)
    t = np.array(times)
    r, K = q["mu_B"], q["B_max"]
    logistic = K / (1 + (K / B0 - 1) * np.exp(-r * t))
    err_b = np.max(np.abs(Y[:, 4] / logistic - 1))
    print(f"  no CAR T, k_kill = 0: B vs logistic closed form max rel error {err_b:.1e}")
    assert err_b < 1e-8


def main():
    times = [float(k) for k in range(0, 366)]
    for name, p in SETS.items():
        rhs = make_rhs(p)
        boluses = [(0.0, 6, CELL_DOSE)]
        runs = {}
        for label, method, rtol, atol in (("Radau", "Radau", RTOL, ATOL),
                                          ("LSODA", "LSODA", RTOL, ATOL),
                                          ("DOP853", "DOP853", RTOL, ATOL),
                                          ("Radau rtol 1e-12", "Radau", 1e-12, ATOL * 1e-2)):
            Y, nfev = solve_piecewise(rhs, initial(), times, boluses, method, rtol, atol)
            runs[label] = (with_outputs(Y), nfev)
        print(f"{name}: RHS evaluations " + ", ".join(f"{m} {n}" for m, (_, n) in runs.items()))
        atol_full = np.array([ATOL] * 9 + [ATOL / CELLS_PER_UL] * 2)
        for label in ("LSODA", "DOP853", "Radau rtol 1e-12"):
            report(f"Radau vs {label}", STATES + OUTPUTS, runs["Radau"][0], runs[label][0],
                   atol_full)
        radau = runs["Radau"][0]
        total = radau[:, 8]
        print(f"  min total CAR T after t = 0: {total[1:].min():.4g} cells (guard at 1e-15); "
              f"min state value {radau[:, :8].min():.3g}; peak total CAR T "
              f"{total.max():.6g} cells at day {times[int(np.argmax(total))]:.0f}; B(365) "
              f"{radau[-1, 4]:.6g}")
        assert total[1:].min() > 1e-15 and radau[:, :8].min() > -1e-6
        write_csv(os.path.join(HERE, f"kirouac2023_cll_{name}.csv"), STATES + OUTPUTS, times,
                  [radau[:, j] for j in range(radau.shape[1])])
        structural_checks(p)


if __name__ == "__main__":
    main()
