#!/usr/bin/env bash
# pheno_fit.sh: the phenobarbital population fit (issue 14, item 1) against NONMEM.
#
# READS OUTSIDE THE REPOSITORY: ../shared/data/pheno/pheno.csv (Grasela & Donn 1985, 59
# neonates; its licence allows no copy in this repository, so it is read in place; set PHENO to
# another path). Nine of its subjects have a dose and an output time a rounding error apart,
# which made the fitted-curve grid fail before times that close became one time.
#
# The model (NONMEM's pheno_real): one compartment, IV bolus, CL = tvcl * WGT,
# V = tvv * WGT * (1 + apgr_v if APGR < 5), exponential etas on tvcl and tvv, proportional error,
# FOCE-I. NONMEM 7 results for it (Pharmpy's test data, pheno_real.ext): THETA 0.00469555,
# 0.984258, 0.158920; OMEGA 0.0293508, 0.027906 (SD 0.17132, 0.16705); SIGMA 0.013241
# (SD 0.11507); OFV 586.27605628.
#
# How to run (from the repository root): benches/pheno_fit.sh   (release build; THREADS=2)

set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${PHENO:-$repo/../shared/data/pheno/pheno.csv}"
[ -f "$data" ] || { echo "pheno_fit.sh: no $data (set PHENO=path/to/pheno.csv)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/pheno.yaml" <<'MODEL'
name: pheno
title: Phenobarbital in neonates (NONMEM's pheno_real), one compartment, IV bolus
time_unit: hour
parameters:
  tvcl: {value: 0.005, unit: L/hour/kg, description: clearance per kg}
  tvv: {value: 1.0, unit: L/kg, description: volume per kg}
  apgr_v: {value: 0.1, description: relative change of V when APGR < 5}
  WGT: {value: 1.3, unit: kg, description: birth weight (dataset column)}
  APGR: {value: 7, description: Apgar score (dataset column)}
derived:
  cl: tvcl * WGT
  v: tvv * WGT * (1 + if(APGR < 5, apgr_v, 0))
states:
  central: {initial: 0, unit: mg}
odes:
  central: -cl / v * central
outputs:
  conc: {expr: central / v, unit: mg/L}
doses: []
simulation: {end: 400, step: 1, solver: dopri5, rtol: 1e-8, atol: 1e-10}
MODEL
cd "$repo"
cargo build --release --quiet
start=$(date +%s.%N)
"${CARGO_TARGET_DIR:-target}/release/cartsim" fit "$work/pheno.yaml" --data "$data" --estimate tvcl,tvv,apgr_v \
    --variability tvcl,tvv --output conc --error proportional --population \
    --threads "${THREADS:-2}" --out "$work/out"
end=$(date +%s.%N)
echo "wall time: $(echo "$end - $start" | bc) s"
grep -o '"objective_function_value_nonmem": [0-9.]*' "$work/out/population.json"
echo "NONMEM 7 (pheno_real.ext): OFV 586.27605628; tvcl 0.00469555, tvv 0.984258, apgr_v 0.158920, omega SD 0.17132/0.16705, sigma SD 0.11507"
