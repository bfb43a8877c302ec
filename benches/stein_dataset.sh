# stein_dataset.sh: sourced by the Stein benchmarks and scripts (not run on its own). Defines
# `stein_dataset CARTSIM DIR N SEED VARIABILITY LLOQ`: N virtual Stein 2019 patients simulated
# by `cartsim run` (VARIABILITY the run file's `population.variability` mapping, log-additive
# residual error SD 0.56, as Stein et al. 2019 report), sampled at 20 times from day 1 to 365,
# values below LLOQ censored; writes DIR/population/ (the run) and DIR/data.csv (NONMEM layout
# with CENS and LLOQ columns) and prints one line on the dataset.
stein_dataset() {
  local cartsim="$1" dir="$2" n="$3" seed="$4" variability="$5" lloq="$6"
  local repo
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cat > "$dir/population.yaml" <<YAML
model: $repo/models/stein2019_tisagenlecleucel.yaml
simulation: {end: 365, step: 1, outputs: [total]}
population:
  n: $n
  seed: $seed
  variability: $variability
  residual: {output: total, model: exponential, sd: 0.56}
metrics: {exposure: total}
YAML
  "$cartsim" run "$dir/population.yaml" --out "$dir/population" --save-trajectories --force > /dev/null
  # trajectories.csv: scenario,ID,time,output,value,observation -> NONMEM rows.
  awk -F, -v lloq="$lloq" '
    BEGIN { print "ID,TIME,DV,AMT,EVID,CMT,MDV,CENS,LLOQ";
            split("1 3 5 7 9 11 14 17 21 28 42 56 84 112 140 180 230 280 330 365", days, " ");
            for (k in days) keep[days[k]] = 1 }
    NR > 1 && $4 == "total" && ($3 in keep) {
      censored = ($6 < lloq);
      printf "%d,%s,%s,.,0,.,0,%d,%s\n", $2, $3, censored ? lloq : $6, censored, lloq }
  ' "$dir/population/trajectories.csv" > "$dir/data.csv"
  echo "dataset: $(($(wc -l < "$dir/data.csv") - 1)) observations of $n IDs," \
       "$(awk -F, 'NR > 1 && $8 == 1' "$dir/data.csv" | wc -l) below the LLOQ"
}
