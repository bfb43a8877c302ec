#!/usr/bin/env python3
"""SBML Test Suite semantic cases through `cartsim import` and `cartsim simulate`.

For each case: the model (l3v2, else l3v1) is imported with SBML ids as names, the compared
variables are added as outputs (amounts or concentrations as the case's settings ask), the
model is simulated over the case's span and grid, and every value is compared with the
expected results by the suite's rule |sim - expected| <= absolute + relative * |expected|.
Prints attempted / passed / refused (by reason) / failed counts. Reads the suite in place.
Usage: sbml_test_suite.py CARTSIM SUITE_DIR WORK_DIR [CASE...]
"""
import csv
import json
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

TIME = "<time>"
RESERVED = {"t", "if", "and", "or", "not", "exp", "ln", "log", "log10", "sqrt", "abs",
            "min", "max", "pow", "hill", "sin", "cos", "tan", "asin", "arcsin", "acos",
            "arccos", "atan", "arctan", "sinh", "cosh", "tanh", "asinh", "arcsinh", "acosh",
            "arccosh", "atanh", "arctanh", "floor", "ceil", "ceiling"}


def settings_of(path):
    settings = {}
    for line in open(path):
        if ":" in line:
            key, value = line.split(":", 1)
            settings[key.strip()] = value.strip()
    listed = lambda key: [v.strip() for v in settings.get(key, "").split(",") if v.strip()]
    return {
        "start": float(settings["start"]), "duration": float(settings["duration"]),
        "steps": int(settings["steps"]), "variables": listed("variables"),
        "absolute": float(settings["absolute"]), "relative": float(settings["relative"]),
        "amount": listed("amount"), "concentration": listed("concentration"),
    }


def cartsim_name(sbml_id):
    """The name `cartsim import --ids` gives an SBML id (src/sbml/names.rs)."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", sbml_id)
    if not re.match(r"[A-Za-z_]", name):
        name = "_" + name
    return name + "_value" if name in RESERVED else name


def species_of(model_path):
    """Species id -> (compartment, whether its symbol is an amount)."""
    elements = list(ET.parse(model_path).iter())
    points = {e.get("id") for e in elements
              if e.tag.endswith("}compartment") and e.get("spatialDimensions") in ("0", "0.0")}
    species = {}
    for element in elements:
        if element.tag.endswith("}species"):
            only = element.get("hasOnlySubstanceUnits", "false") == "true"
            compartment = element.get("compartment")
            species[element.get("id")] = (compartment, only or compartment in points)
    return species


def output_expression(variable, case, species):
    name = cartsim_name(variable)
    if variable not in species:
        return name
    compartment, only_substance = species[variable]
    c = cartsim_name(compartment)
    if variable in case["amount"] and not only_substance:
        return f"{name} * {c}"
    if variable in case["concentration"] and only_substance:
        return f"{name} / {c}"
    return name


def reason_of(stderr):
    """The first error line with names blanked, to group refusals."""
    lines = [l for l in stderr.splitlines() if l.startswith("error:")]
    line = lines[0][len("error: "):] if lines else stderr.strip()[:80]
    return re.sub(r"`[^`]*`", "`X`", line)


def run_case(cartsim, suite, work, number):
    try:
        return attempt(cartsim, suite, work, number)
    except (OSError, ValueError, KeyError) as error:
        return ("failed", f"driver: {type(error).__name__}")


def attempt(cartsim, suite, work, number):
    folder = os.path.join(suite, number)
    model_tags = open(os.path.join(folder, f"{number}-model.m")).read()
    test_type = re.search(r"testType:\s*(\S+)", model_tags)
    if test_type and test_type.group(1) != "TimeCourse":
        return ("skipped", f"testType {test_type.group(1)}")
    case = settings_of(os.path.join(folder, f"{number}-settings.txt"))
    model = next((os.path.join(folder, f"{number}-sbml-{v}.xml") for v in ("l3v2", "l3v1")
                  if os.path.exists(os.path.join(folder, f"{number}-sbml-{v}.xml"))), None)
    if model is None or case["start"] != 0:
        return ("skipped", "no L3 model" if model is None else "start not 0")
    yaml_path = os.path.join(work, f"{number}.yaml")
    step = case["duration"] / case["steps"]
    imported = subprocess.run(
        [cartsim, "import", model, "--out", yaml_path, "--force", "--ids",
         "--end", repr(case["duration"]), "--step", repr(step)],
        capture_output=True, text=True)
    if imported.returncode != 0:
        return ("refused", reason_of(imported.stderr))
    species = species_of(model)
    outputs = "".join(f"  out_{i}: {json.dumps(output_expression(v, case, species))}\n"
                      for i, v in enumerate(case["variables"]))
    text = open(yaml_path).read()
    text = text.replace("\nsimulation:", "\noutputs:\n" + outputs + "simulation:", 1)
    open(yaml_path, "w").write(text)
    out_dir = os.path.join(work, number)
    simulated = subprocess.run(
        [cartsim, "simulate", yaml_path, "--out", out_dir, "--force",
         "--rtol", "1e-10", "--atol", "1e-14"], capture_output=True, text=True)
    if simulated.returncode != 0:
        return ("failed", "simulation: " + reason_of(simulated.stderr))
    return compare(case, os.path.join(folder, f"{number}-results.csv"),
                   os.path.join(out_dir, "trajectory.csv"))


def rows_of(path):
    """CSV rows by column name (stripped); the first column, whatever its name (a model may
    have a variable `time`), is TIME."""
    rows = list(csv.reader(open(path)))
    header = [TIME] + [name.strip() for name in rows[0][1:]]
    return [dict(zip(header, row)) for row in rows[1:]]


def compare(case, expected_path, simulated_path):
    expected = rows_of(expected_path)
    simulated = rows_of(simulated_path)
    if len(expected) != len(simulated):
        return ("failed", f"{len(simulated)} rows, expected {len(expected)}")
    for want, got in zip(expected, simulated):
        if abs(float(got[TIME]) - float(want[TIME])) > 1e-9 * max(1.0, abs(float(want[TIME]))):
            return ("failed", f"time {got[TIME]} against {want[TIME]}")
        for i, variable in enumerate(case["variables"]):
            if variable not in want:
                return ("failed", f"no expected column {variable}")
            e = float(want[variable])
            s = float(got[f"out_{i}"])
            if math.isnan(e) and math.isnan(s) or e == s:
                continue
            if not abs(s - e) <= case["absolute"] + case["relative"] * abs(e):
                return ("failed", f"values differ ({variable} at t={want[TIME]}: {s} against {e})")
    return ("passed", "")


def main():
    cartsim, suite, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    cases = sys.argv[4:] or sorted(os.listdir(suite))
    cases = [c for c in cases if c.isdigit()]
    with ThreadPoolExecutor(max_workers=int(os.environ.get("JOBS", "2"))) as pool:
        outcomes = list(pool.map(lambda n: (n, run_case(cartsim, suite, work, n)), cases))
    with open(os.path.join(work, "outcomes.tsv"), "w") as table:
        for number, (status, why) in outcomes:
            table.write(f"{number}\t{status}\t{why}\n")
    counts = Counter(status for _, (status, _) in outcomes)
    attempted = len(outcomes) - counts["skipped"]
    print(f"cases: {len(outcomes)}, skipped (not a time course with an L3 model): {counts['skipped']}")
    print(f"attempted: {attempted}, passed: {counts['passed']}, refused: {counts['refused']}, "
          f"failed: {counts['failed']}")
    for status in ("refused", "failed"):
        reasons = Counter(why if status == "refused" else why.split(" (")[0]
                          for _, (s, why) in outcomes if s == status)
        print(f"{status} by reason:")
        for why, n in reasons.most_common():
            print(f"  {n:5d}  {why}")
    print(f"per case: {os.path.join(work, 'outcomes.tsv')}")


if __name__ == "__main__":
    main()
