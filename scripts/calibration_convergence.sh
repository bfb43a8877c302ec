#!/usr/bin/env bash
# calibration_convergence.sh: shows that a calibration's optimum does not depend on the smoothing
# of response fractions as the number of virtual patients grows. Calibrates the probit fixture of
# tests/it/calibrate (response when s dose > 1, s log-normal; 3/20, 13/20, 19/20 responders at
# doses 0.5, 1, 2) with 250 to 8,000 patients and prints the estimates and their profile
# intervals beside the probit maximum-likelihood fit (m 1.1936, omega 0.5118; intervals
# 0.9740-1.4938 and 0.3526-0.8365, computed independently in the test). The smoothing bandwidth
# shrinks as n^(-1/3), so the estimates settle on the fit, up to the sampling error of a finite
# population (about omega / sqrt(n)).
#
# Run from the repository root: scripts/calibration_convergence.sh [BINARY]
# (default target/release/cartsim). Reads and writes only a temporary folder.
set -euo pipefail
binary="$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/cartsim}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/probit.yaml" <<'MODEL'
name: probit
title: Response as a threshold on a log-normal sensitivity
time_unit: day
parameters:
  s: {value: 1, description: sensitivity}
  dose: {value: 1, description: dose}
  T0: {value: 1000, description: tumor at the start}
states:
  T: {initial: T0}
odes:
  T: -s * dose * T
outputs:
  tumor: {expr: T}
simulation: {end: 1, step: 0.5}
MODEL
cat > "$work/run.yaml" <<'RUN'
model: probit.yaml
scenarios:
  low: {parameters: {dose: 0.5}}
  mid: {parameters: {dose: 1}}
  high: {parameters: {dose: 2}}
population:
  n: 100
  seed: 3
  variability:
    s: {omega: 0.3}
metrics:
  tumor: tumor
  response: {below: 367.87944117144233, by: 1}
RUN
cat > "$work/cal.yaml" <<'CAL'
run: run.yaml
estimate:
  s: {typical: [0.2, 5], omega: [0.05, 2]}
targets:
  - {scenario: low, metric: response, responders: 3, n: 20}
  - {scenario: mid, metric: response, responders: 13, n: 20}
  - {scenario: high, metric: response, responders: 19, n: 20}
seed: 11
CAL
printf '%8s  %-34s %-34s %s\n' subjects "m (95% profile interval)" "omega (95% profile interval)" "wall"
for n in 250 500 1000 2000 4000 8000; do
    start=$(date +%s.%N)
    (cd "$work" && "$binary" calibrate cal.yaml --subjects "$n" --out "out$n" >/dev/null)
    seconds=$(echo "$(date +%s.%N) - $start" | bc)
    rows=$(tail -n +2 "$work/out$n/calibration.csv" | awk -F, '{printf "%.4f (%.4f-%.4f)   ", $3, $4, $5}')
    printf '%8s  %s %.1f s\n' "$n" "$rows" "$seconds"
done
echo "probit fit: m 1.1936 (0.9740-1.4938)   omega 0.5118 (0.3526-0.8365)"
