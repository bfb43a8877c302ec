"""Shared helpers for the make_*.py reference scripts in this folder.

Nothing here knows about any model: each make_*.py script writes its model's equations out in
Python by hand (from shared/MODELS.md and the sources it names), never by reading the YAML file.

Dosing is applied the way cartsim applies it: a bolus at time t means "integrate to exactly t,
add the amount, restart the solver"; the output row at t shows the state after the dose, and
doses at the same time add up. The solution is also restarted at every output time (so every
reported value is a solver step end, never an interpolated dense-output value).
"""

import numpy as np
from scipy.integrate import solve_ivp


def solve_piecewise(rhs, y0, out_times, boluses, method, rtol, atol, first_step=None):
    """Integrate `rhs(t, y)` from out_times[0], returning the states at every output time.

    boluses: list of (time, state index, amount). A bolus at the start time is applied before
    the first row is recorded. Returns (array [len(out_times), n], number of RHS evaluations).
    """
    out_times = [float(t) for t in out_times]
    t0 = out_times[0]
    doses_at = {}
    for time, index, amount in boluses:
        if time < t0 or time > out_times[-1]:
            raise ValueError(f"dose at {time} outside the output span")
        doses_at.setdefault(float(time), []).append((index, amount))
    stops = sorted(set(out_times) | set(doses_at))
    wanted = set(out_times)
    y = np.array(y0, dtype=float)
    rows = []
    nfev = 0
    t = t0
    for index, amount in doses_at.get(t0, []):
        y[index] += amount
    if t0 in wanted:
        rows.append(y.copy())
    for stop in stops:
        if stop <= t:
            continue
        kwargs = dict(method=method, rtol=rtol, atol=atol)
        if first_step is not None:
            kwargs["first_step"] = min(first_step, (stop - t) / 2)
        solution = solve_ivp(rhs, (t, stop), y, **kwargs)
        if not solution.success:
            raise RuntimeError(f"{method} failed between {t} and {stop}: {solution.message}")
        nfev += solution.nfev
        y = solution.y[:, -1].copy()
        t = stop
        for index, amount in doses_at.get(t, []):
            y[index] += amount
        if t in wanted:
            rows.append(y.copy())
    return np.array(rows), nfev


def disagreement(a, b, atol):
    """Per-column largest relative difference |a - b| / max(|a|, |b|) between two solutions on
    the same grid, over the entries whose magnitude exceeds 1e3 times the column's absolute
    tolerance (below that the tolerance, not the solution, sets the digits)."""
    atol = np.broadcast_to(np.asarray(atol, dtype=float), a.shape[1:])
    scale = np.maximum(np.abs(a), np.abs(b))
    significant = scale > 1e3 * atol
    rel = np.zeros_like(a)
    rel[significant] = np.abs(a - b)[significant] / scale[significant]
    return rel.max(axis=0)


def report(label, names, a, b, atol):
    """Prints the per-column and overall relative disagreement; returns the overall one."""
    per_column = disagreement(a, b, atol)
    worst = float(per_column.max())
    detail = ", ".join(f"{n} {v:.1e}" for n, v in zip(names, per_column))
    print(f"  {label}: max relative difference {worst:.2e} ({detail})")
    return worst


def write_csv(path, header, times, columns):
    """Writes `time,<header>` rows with 17 significant digits (round-trip precision)."""
    with open(path, "w") as handle:
        handle.write(",".join(["time"] + list(header)) + "\n")
        for i, t in enumerate(times):
            values = [t] + [column[i] for column in columns]
            handle.write(",".join(f"{float(v):.17g}" for v in values) + "\n")
