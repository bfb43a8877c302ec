#!/usr/bin/env python3
"""Reference solutions of the Singh 2021 ide-cel (bb2121) clinical PK-PD model.

Model: Singh AP et al. CPT Pharmacometrics Syst Pharmacol 2021;10:362-376 (doi:10.1002/psp4.12598),
clinical model, Supporting Information Eqs 6-20 with the deposited Monolix code's tumour kill
term (Kkill * Tum), Table 1 clinical values, Tum0 = 2.5e9 cells/L and CE_t(0) = 1e-6 cells/L * Vbm
from the Monolix code, as transcribed by nlmixr2lib (Singh_2021_idecabtageneVicleucel_human.R,
commit 15fab29) and summarised in shared/MODELS.md section 6. Kon and Koff are the as-run code
values 7.103e4 1/M/s and 2.385e-3 1/s (Table 1 prints 7.1e4 and 2.39e-3). The equations are
written out below by hand; models/singh2021_idecel.yaml is not read.

Runs: single IV bolus into CE_pb at t = 0 of 50, 150, 450, 800 x 10^6 cells (parameter sets
dose50 .. dose800), output every day from 0 to 365.

Method: SciPy solve_ivp Radau (implicit, order 5) at rtol 1e-10 with per-state absolute
tolerances (cells 1e-14, Cplx 1e-10 #/L, Tum 1e-8 cells/L, Mp 1e-16 g/L, sB 1e-13 ng/mL),
restarted at every output time and at the dose; cross-checked with SciPy LSODA and DOP853 at the
same tolerances and with Radau at rtol 1e-12 (atol / 100) as an error estimate. The bolus is
applied as cartsim applies it (the row at t = 0 shows the state after it).

Agreement found (max relative difference over entries above 1e3 x atol; run 2026-11-25, SciPy
1.17.1, all four dose levels alike):
  Radau vs LSODA        7.9e-06, in CE_t / CE_pb after day ~200 where these are below 1e-5
                        cells (LSODA's own global error; LSODA vs DOP853 is the same size);
                        transgene <= 5.2e-08, every other column <= 1.0e-07.
  Radau vs DOP853       1.0e-08 (CE_t, same late tiny values); <= 9e-11 for every other column.
  Radau 1e-10 vs 1e-12  1.0e-08 (CE_t, same); <= 1.2e-10 for every other column.
Structural checks (asserted below): transgene(0) = TransC*dose/Vb exactly (20,000 copies/ug at
50e6 cells); it falls to 1% of that within 1.1 h and by > 99.9% within the first day (fast blood
elimination, Kel_e = 113 per day); Cmax (t >= 1 d) 37,445 / 36,537 / 35,774 / 35,498 copies/ug
at days 16.3 / 15.3 / 14.2 / 13.6 for 50 / 150 / 450 / 800e6 cells, so nearly flat across the
16-fold dose range (ratio 0.948); M-protein nadir -92.49 / -92.41 / -92.35 / -92.32% near day
86-89; biomarkers start at their turnover baselines (0% change).

Writes singh2021_idecel_<set>.csv: time, CE_pb, CM_pb, CE_t, CM_t, Cplx, Tum, Mp, sB, transgene,
mprotein_change, sbcma_change (17 significant digits).
"""

import os
import sys

import numpy as np
from scipy.integrate import solve_ivp

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _refcommon import report, solve_piecewise, write_csv  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

# Table 1 (clinical column) and Monolix code values
P = dict(
    Kexp_max=1.73, EC50_exp=10.0, Rm=2e-5, Kel_e=113.0, Kel_m=0.219, K12=1.71, K21=0.176,
    Kkill_max=0.343, KC50_kill=2.24, Kg=0.008, Kon=7.103e4, Koff=2.385e-3, N_A=6.023e23,
    Ag_CAR=15000.0, Ag_Tumor=12590.0, TransC=0.002, Vb=5.0, Vbm=3.65, Km=0.117, Pm=12.1,
    gamma_m=0.215, Kb=0.7, Pb=0.175, gamma_b=1.0, Tum0=2.5e9, CEt0_conc=1e-6,
)
SETS = {"dose50": 50e6, "dose150": 150e6, "dose450": 450e6, "dose800": 800e6}
STATES = ["CE_pb", "CM_pb", "CE_t", "CM_t", "Cplx", "Tum", "Mp", "sB"]
OUTPUTS = ["transgene", "mprotein_change", "sbcma_change"]
ATOL = np.array([1e-14, 1e-14, 1e-14, 1e-14, 1e-10, 1e-8, 1e-16, 1e-13])
RTOL = 1e-10
OUT_ATOL = np.array([1e-15, 1e-8, 1e-8])  # transgene, mprotein_change, sbcma_change

KON_D = P["Kon"] * 86400.0 / P["N_A"]  # 1/(M s) -> 1/((#/L) day)
KOFF_D = P["Koff"] * 86400.0  # 1/s -> 1/day
MP_BASE = P["Pm"] * 1e-12 * P["Tum0"] / P["Km"]
SB_BASE = P["Pb"] * 1e-6 * P["Tum0"] / P["Kb"]


def rhs(t, y):
    CE_pb, CM_pb, CE_t, CM_t, Cplx, Tum, Mp, sB = y
    Ct = (CE_t + CM_t) / P["Vbm"]
    car_free = Ct * P["Ag_CAR"] - Cplx
    ag_free = Tum * P["Ag_Tumor"] - Cplx
    per_cart = Cplx / Ct
    per_tumor = Cplx / Tum
    kexp = P["Kexp_max"] * per_cart / (P["EC50_exp"] + per_cart)
    kkill = P["Kkill_max"] * per_tumor / (P["KC50_kill"] + per_tumor)
    return [
        -P["K12"] * CE_pb + P["K21"] * CE_t - P["Kel_e"] * CE_pb,
        -P["K12"] * CM_pb + P["K21"] * CM_t - P["Kel_m"] * CM_pb,
        P["K12"] * CE_pb - P["K21"] * CE_t + kexp * CE_t - P["Rm"] * CE_t,
        P["K12"] * CM_pb - P["K21"] * CM_t + P["Rm"] * CE_t,
        KON_D * car_free * ag_free - KOFF_D * Cplx,
        P["Kg"] * Tum - kkill * Tum,
        P["Pm"] * 1e-12 * P["Tum0"] * (Tum / P["Tum0"]) ** P["gamma_m"] - P["Km"] * Mp,
        P["Pb"] * 1e-6 * P["Tum0"] * (Tum / P["Tum0"]) ** P["gamma_b"] - P["Kb"] * sB,
    ]


def initial():
    return [0.0, 0.0, P["CEt0_conc"] * P["Vbm"], 0.0, 0.0, P["Tum0"], MP_BASE, SB_BASE]


def outputs(Y):
    transgene = P["TransC"] * (Y[:, 0] + Y[:, 1]) / P["Vb"]
    mchange = 100.0 * (Y[:, 6] - MP_BASE) / MP_BASE
    bchange = 100.0 * (Y[:, 7] - SB_BASE) / SB_BASE
    return [transgene, mchange, bchange]


def fine_profile(dose, end=365.0):
    """Dense Radau solution after the bolus, for Cmax and the nadir (not written)."""
    y0 = np.array(initial())
    y0[0] += dose
    sol = solve_ivp(rhs, (0.0, end), y0, method="Radau", rtol=RTOL, atol=ATOL,
                    dense_output=True)
    grid = np.linspace(0.0, end, 73001)  # 0.005-day grid
    Y = sol.sol(grid).T
    return grid, Y


def main():
    times = [float(k) for k in range(0, 366)]
    cmax = {}
    for name, dose in SETS.items():
        boluses = [(0.0, 0, dose)]
        radau, n1 = solve_piecewise(rhs, initial(), times, boluses, "Radau", RTOL, ATOL)
        lsoda, n2 = solve_piecewise(rhs, initial(), times, boluses, "LSODA", RTOL, ATOL)
        dop853, n3 = solve_piecewise(rhs, initial(), times, boluses, "DOP853", RTOL, ATOL)
        fine, n4 = solve_piecewise(rhs, initial(), times, boluses, "Radau", 1e-12, ATOL * 1e-2)
        print(f"{name}: RHS evaluations Radau {n1}, LSODA {n2}, DOP853 {n3}, "
              f"Radau rtol 1e-12 {n4}")
        full = {k: np.column_stack([Y] + outputs(Y))
                for k, Y in (("radau", radau), ("lsoda", lsoda), ("dop853", dop853),
                             ("fine", fine))}
        atol_full = np.concatenate([ATOL, OUT_ATOL])
        report("Radau vs LSODA", STATES + OUTPUTS, full["radau"], full["lsoda"], atol_full)
        report("Radau vs DOP853", STATES + OUTPUTS, full["radau"], full["dop853"], atol_full)
        report("Radau vs Radau rtol 1e-12", STATES + OUTPUTS, full["radau"], full["fine"],
               atol_full)
        outs = outputs(radau)
        write_csv(os.path.join(HERE, f"singh2021_idecel_{name}.csv"), STATES + OUTPUTS, times,
                  [radau[:, i] for i in range(len(STATES))] + outs)

        # Structural checks
        tg0_expected = P["TransC"] * dose / P["Vb"]
        assert abs(outs[0][0] - tg0_expected) <= 1e-12 * tg0_expected, (outs[0][0], tg0_expected)
        assert outs[0][1] < 1e-3 * outs[0][0], "transgene should fall by >99.9% within a day"
        assert abs(outs[1][0]) < 1e-12 and abs(outs[2][0]) < 1e-12
        grid, Y = fine_profile(dose)
        tg = P["TransC"] * (Y[:, 0] + Y[:, 1]) / P["Vb"]
        late = grid >= 1.0
        i = np.argmax(np.where(late, tg, -np.inf))
        mch = 100.0 * (Y[:, 6] - MP_BASE) / MP_BASE
        j = np.argmin(mch)
        # time at which the transgene first falls to 1% of its t = 0 value
        k = np.argmax(tg < 0.01 * tg[0])
        cmax[name] = tg[i]
        print(f"  transgene(0) = {outs[0][0]:.6g} copies/ug (TransC*dose/Vb = {tg0_expected:.6g}); "
              f"falls to 1% by t = {grid[k] * 24:.1f} h; transgene(1 d) = {outs[0][1]:.4g}")
        print(f"  Cmax (t >= 1 d, 0.005-d grid) = {tg[i]:.6g} copies/ug at t = {grid[i]:.3f} d; "
              f"M-protein nadir {mch[j]:.3f}% at t = {grid[j]:.2f} d; "
              f"sBCMA nadir {np.min(100.0 * (Y[:, 7] - SB_BASE) / SB_BASE):.3f}%")
        assert -95.0 < mch[j] < -90.0, mch[j]
    ratio = cmax["dose800"] / cmax["dose50"]
    print(f"Cmax ratio 800e6 / 50e6 cells: {ratio:.4f} (16-fold dose range; nearly flat)")
    assert 0.5 < ratio < 2.0


if __name__ == "__main__":
    main()
