# stein_dataset.sh: sourced by the Stein benchmarks and scripts (not run on its own). Defines
# `stein_dataset CARTSIM DIR N SEED VARIABILITY LLOQ`: N virtual Stein 2019 patients simulated
# by `cartsim run --save-observations` (VARIABILITY the run file's `population.variability`
# mapping, log-additive residual error SD 0.56, as Stein et al. 2019 report), sampled at 20
# times from day 1 to 365 (and day 0, which the output grid adds), values below LLOQ censored
# (BLQ 1, DV = LLOQ); writes DIR/population/ (the run) and DIR/data.csv (its observations.csv,
# a NONMEM dataset) and prints one line on the dataset.
stein_dataset() {
  local cartsim="$1" dir="$2" n="$3" seed="$4" variability="$5" lloq="$6"
  local repo
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cat > "$dir/population.yaml" <<YAML
model: $repo/models/stein2019_tisagenlecleucel.yaml
simulation: {end: 365, times: [1, 3, 5, 7, 9, 11, 14, 17, 21, 28, 42, 56, 84, 112, 140, 180, 230, 280, 330, 365], outputs: [total]}
population:
  n: $n
  seed: $seed
  variability: $variability
  residual: {output: total, model: exponential, sd: 0.56, lloq: $lloq}
metrics: {exposure: total}
YAML
  "$cartsim" run "$dir/population.yaml" --out "$dir/population" --save-observations --force > /dev/null
  cp "$dir/population/observations.csv" "$dir/data.csv"
  # observations.csv: ID,TIME,DV,AMT,RATE,EVID,CMT,MDV,BLQ,LLOQ,DVID
  echo "dataset: $(awk -F, 'NR > 1 && $6 == 0' "$dir/data.csv" | wc -l) observations of $n IDs," \
       "$(awk -F, 'NR > 1 && $9 == 1' "$dir/data.csv" | wc -l) below the LLOQ"
}
