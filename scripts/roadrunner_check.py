#!/usr/bin/env python3
"""Every shipped model exported to SBML by `cartsim export --to sbml`, simulated in
libRoadRunner (CVODE BDF, or Adams where BDF fails; relative tolerance 1e-12, absolute 1e-14) and by
`cartsim simulate` (its own solver, tolerances tightened to RTOL 1e-10 and ATOL 1e-14), compared at every
output time (SBML time starts at 0: the export writes a model starting at S in time t - S, so
roadrunner runs from 0 and its times are shifted back): for each state and output, the largest |cartsim - roadrunner| relative to
max(|roadrunner|, FLOOR x the column's peak), the peak taken from roadrunner on a grid 20
times finer (a stiff depot peaks and empties between output times). FLOOR (1e-6) keeps values
six decades below their peak, where the solvers carry mostly absolute error, out of the
relative measure: there the difference is held to 1e-12 of the peak instead. (Theophylline's
depot at 13.75 h, 3e-10 of its dose, is 320 exp(-1.59 x 13.75) = 1.0242049e-7: cartsim has
1.0242050e-7, roadrunner 1.02426e-7.) A model passes when every column agrees to 1e-6.
Usage: roadrunner_check.py CARTSIM MODELS_DIR WORK_DIR [MODEL...]
"""
import csv
import os
import subprocess
import sys

import roadrunner

TOLERANCE = 1e-6
FLOOR = 1e-6
RTOL = os.environ.get("RTOL", "1e-10")
ATOL = os.environ.get("ATOL", "1e-14")


def cartsim_trajectory(cartsim, model, work):
    out = os.path.join(work, "sim")
    subprocess.run([cartsim, "simulate", model, "--out", out, "--force", "--rtol", RTOL,
                    "--atol", ATOL],
                   check=True, capture_output=True, text=True)
    with open(os.path.join(out, "trajectory.csv")) as f:
        rows = list(csv.reader(f))
    header, values = rows[0], [[float(x) for x in r] for r in rows[1:]]
    return header, values


def roadrunner_values(xml, header, times):
    """Values at `times`, each column's peak magnitude on a grid 20 times finer, and the CVODE
    method: BDF, or Adams where BDF's Newton iterations fail (Owens & Bozic: they take the
    CAR T cells C, decaying to 1e-300, below 0, where C^l with l = 1.4 is not a number)."""
    def run(at, stiff):
        r = roadrunner.RoadRunner(xml)
        r.integrator.stiff = stiff
        r.integrator.relative_tolerance = 1e-12
        r.integrator.absolute_tolerance = 1e-14
        r.timeCourseSelections = ["time"] + header[1:]
        return [list(row) for row in r.simulate(times=at)]
    fine = [times[0] + (times[-1] - times[0]) * k / (20 * (len(times) - 1))
            for k in range(20 * (len(times) - 1) + 1)]
    for stiff, method in ((True, "BDF"), (False, "Adams")):
        try:
            peaks = [max(abs(row[k]) for row in run(fine, stiff)) for k in range(len(header))]
            return run(times, stiff), peaks, method
        except RuntimeError as failure:
            if not stiff:
                raise
            print(f"CVODE BDF failed ({str(failure)[:60]}...); trying Adams", file=sys.stderr)


def compare(header, ours, theirs, peaks):
    worst = (0.0, "", 0.0)
    for k, name in enumerate(header[1:], start=1):
        scale = max(peaks[k], max(abs(row[k]) for row in theirs)) or 1.0
        for a, b in zip(ours, theirs):
            assert abs(a[0] - b[0]) <= 1e-9 * max(1.0, abs(a[0])), (a[0], b[0])
            error = abs(a[k] - b[k]) / max(abs(b[k]), FLOOR * scale)
            if error > worst[0]:
                worst = (error, name, a[0])
    return worst


def main():
    cartsim, models, work = sys.argv[1:4]
    wanted = set(sys.argv[4:])
    results = []
    for file in sorted(os.listdir(models)):
        name, extension = os.path.splitext(file)
        if extension != ".yaml" or (wanted and name not in wanted):
            continue
        model = os.path.join(models, file)
        folder = os.path.join(work, name)
        os.makedirs(folder, exist_ok=True)
        xml = os.path.join(folder, name + ".xml")
        exported = subprocess.run([cartsim, "export", model, "--to", "sbml", "--out", xml, "--force"],
                                  capture_output=True, text=True)
        if exported.returncode != 0:
            reason = exported.stderr.strip().splitlines()[0].replace("error: ", "")
            results.append((name, "refused", reason))
            continue
        header, ours = cartsim_trajectory(cartsim, model, folder)
        start = ours[0][0]
        theirs, peaks, method = roadrunner_values(xml, header, [row[0] - start for row in ours])
        theirs = [[row[0] + start] + row[1:] for row in theirs]
        error, column, time = compare(header, ours, theirs, peaks)
        verdict = "pass" if error <= TOLERANCE else "FAIL"
        results.append((name, verdict, f"max relative difference {error:.2e} ({column} at t = {time:g}),"
                                        f" {len(ours)} times x {len(header) - 1} columns, CVODE {method}"))
    for name, verdict, detail in results:
        print(f"{name:36} {verdict:8} {detail}")
    counts = {v: sum(1 for r in results if r[1] == v) for v in ("pass", "FAIL", "refused")}
    print(f"{len(results)} models: {counts['pass']} pass, {counts['FAIL']} fail, {counts['refused']} refused"
          f" (roadrunner {roadrunner.__version__}, tolerance {TOLERANCE:g}, cartsim rtol {RTOL} atol {ATOL})")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
