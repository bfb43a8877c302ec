"""Reference solutions for the stiff-solver tests of cartsim's diffsol adapter.

Method: SciPy's `solve_ivp` with Radau (implicit Runge-Kutta, order 5) and the analytic
Jacobian, rtol = 1e-12. The integration is restarted at every output time (each segment ends on
an output, so no value comes from Radau's lower-order dense output). Every problem is solved
again with LSODA and with BDF at the same tolerances (see `solve` for how LSODA differs), and the
largest
relative disagreement of each with Radau is printed per component:
    max |y_other - y_radau| / |y_radau|
(skipping the exact initial zeros). The CSVs hold Radau's values with 17 significant digits.

Tolerances:
  Robertson  (k1 = 0.04, k2 = 3e7, k3 = 1e4 as in y2' = k1 y1 - k3 y2 y3 - k2 y2^2):
             rtol 1e-12, atol (1e-20, 1e-24, 1e-20): y2 runs from 3e-5 down to 2.8e-13, so its
             atol sits well below 1e-12 * 2.8e-13.
  Van der Pol (mu = 1000, y1' = y2, y2' = mu (1 - y1^2) y2 - y1, y0 = (2, 0)):
             rtol 1e-12, atol (1e-16, 1e-16) (y2 is about 1e-3 on the slow branches).

Agreement measured on this machine (SciPy 1.17.1, NumPy 2.4.6; rerun to see it printed):
  Robertson:    LSODA within 7.5e-11 of Radau (worst: y1 and y2 at t = 4e10), BDF within 1.2e-10.
  Van der Pol:  LSODA within 1.1e-10 of Radau (y1 3.6e-11, y2 1.1e-10). SciPy's BDF cannot be
                used at these tolerances: it stops on [750, 1000] with "Required step size is
                less than spacing between numbers" (the script reports that and carries on).
So both references are good to about 1e-10 relative in every component, far inside the 1e-6 the
Rust tests ask for. The Radau run takes about 3 s (Robertson) and 8 s (Van der Pol).
"""

import csv
import os
import time

import numpy as np
import scipy
from scipy.integrate import solve_ivp


def robertson(t, y, k1=0.04, k2=3e7, k3=1e4):
    y1, y2, y3 = y
    return [
        -k1 * y1 + k3 * y2 * y3,
        k1 * y1 - k3 * y2 * y3 - k2 * y2 * y2,
        k2 * y2 * y2,
    ]


def robertson_jac(t, y, k1=0.04, k2=3e7, k3=1e4):
    y1, y2, y3 = y
    return [
        [-k1, k3 * y3, k3 * y2],
        [k1, -k3 * y3 - 2.0 * k2 * y2, -k3 * y2],
        [0.0, 2.0 * k2 * y2, 0.0],
    ]


MU = 1000.0


def vanderpol(t, y):
    return [y[1], MU * (1.0 - y[0] ** 2) * y[1] - y[0]]


def vanderpol_jac(t, y):
    return [[0.0, 1.0], [-2.0 * MU * y[0] * y[1] - 1.0, MU * (1.0 - y[0] ** 2)]]


def solve(method, fun, jac, y0, times, rtol, atol):
    """The state at every time of `times`, starting from y0 at times[0].

    Radau and BDF are restarted at every output time, so each value is the end of a step.
    LSODA runs once through all the times and reports them from its Nordsieck history (an
    interpolant of the method's own order): restarted at t = 4e8 on Robertson, SciPy's LSODA
    did not finish in 10 minutes.
    """
    if method == "LSODA":
        sol = solve_ivp(
            fun, (times[0], times[-1]), y0, method=method, rtol=rtol, atol=atol, jac=jac,
            t_eval=times[1:],
        )
        if not sol.success:
            raise RuntimeError(f"LSODA failed: {sol.message}")
        return np.vstack([np.array(y0, dtype=float), sol.y.T])
    states = [np.array(y0, dtype=float)]
    for t_a, t_b in zip(times[:-1], times[1:]):
        sol = solve_ivp(fun, (t_a, t_b), states[-1], method=method, rtol=rtol, atol=atol, jac=jac)
        if not sol.success or sol.t[-1] != t_b:
            raise RuntimeError(f"{method} failed on [{t_a}, {t_b}]: {sol.message}")
        states.append(sol.y[:, -1])
    return np.array(states)


def build(name, fun, jac, y0, times, rtol, atol, header):
    start = time.perf_counter()
    radau = solve("Radau", fun, jac, y0, times, rtol, atol)
    print(f"{name}: Radau in {time.perf_counter() - start:.1f} s")
    for other in ("LSODA", "BDF"):
        try:
            states = solve(other, fun, jac, y0, times, rtol, atol)
        except RuntimeError as error:
            print(f"  {other}: {error} (no cross-check)")
            continue
        nonzero = radau != 0.0
        rel = np.zeros_like(radau)
        rel[nonzero] = np.abs(states[nonzero] - radau[nonzero]) / np.abs(radau[nonzero])
        per_component = ", ".join(f"{h} {r:.1e}" for h, r in zip(header[1:], rel.max(axis=0)))
        worst = np.unravel_index(np.argmax(rel), rel.shape)
        print(
            f"  {other} vs Radau: max relative disagreement {rel.max():.2e}"
            f" ({per_component}; worst at t = {times[worst[0]]:g})"
        )
    # The Rust tests read these from tests/data/ (this script lives in tests/data/reference/).
    target = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", f"{name}.csv")
    with open(target, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for t, state in zip(times, radau):
            writer.writerow([f"{t:.17g}"] + [f"{v:.17g}" for v in state])


def main():
    print(f"SciPy {scipy.__version__}, NumPy {np.__version__}")
    robertson_times = [0.0] + [float(f"4e{k}") for k in range(-1, 11)]  # 0.4 ... 4e10
    build(
        "robertson",
        robertson,
        robertson_jac,
        [1.0, 0.0, 0.0],
        robertson_times,
        1e-12,
        [1e-20, 1e-24, 1e-20],
        ["time", "y1", "y2", "y3"],
    )
    vanderpol_times = [250.0 * k for k in range(13)]  # 0, 250, ..., 3000
    build(
        "vanderpol",
        vanderpol,
        vanderpol_jac,
        [2.0, 0.0],
        vanderpol_times,
        1e-12,
        [1e-16, 1e-16],
        ["time", "y1", "y2"],
    )


if __name__ == "__main__":
    main()
