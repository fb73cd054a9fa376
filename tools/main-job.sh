#!/usr/bin/env bash
# The README's main job, on the built CLI (run tools/setup.sh first, or build with npx nx run-many -t build):
# train an LSTM forecaster on the bundled AirPassengers and CO2 series, score it on the held-out
# end of each series against the naive and seasonal-naive forecasts (MAE, RMSE, MASE in original
# units), and write charts and forecasts to out/ (or $OUT_DIR).
#
#   bash tools/main-job.sh
#
# The settings are the --csv defaults, except --horizon 12 (forecast a year ahead at once) and,
# for the 144-month AirPassengers, two whole years each for validation and test. The defaults were
# chosen on the validation parts; the test parts are the scores below.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=${OUT_DIR:-out}
mkdir -p "$OUT"
rnn() { node packages/cli/bin/rnn.js "$@"; }
if [ ! -f packages/cli/dist/main.js ]; then
  echo "main-job: the CLI is not built (packages/cli/dist/main.js is missing); run bash tools/setup.sh or npx nx run-many -t build" >&2
  exit 1
fi
t0=$(date +%s)

job() {
  local name=$1 csv=$2 target=$3
  shift 3
  local s
  s=$(date +%s)
  printf '\n=== %s: %s, column %s ===\n' "$name" "$csv" "$target"
  rnn train --csv "$csv" --target "$target" --horizon 12 "$@" --out "$OUT/$name.safetensors" --plot "$OUT/$name-loss.svg"
  echo
  rnn evaluate --model "$OUT/$name.safetensors" --csv "$csv" --plot "$OUT/$name-test.svg"
  rnn evaluate --model "$OUT/$name.safetensors" --csv "$csv" --plot "$OUT/$name-test.png" --json >"$OUT/$name-test.json"
  rnn forecast --model "$OUT/$name.safetensors" --csv "$csv" --steps 24 --output "$OUT/$name-forecast.csv" --plot "$OUT/$name-forecast.svg"
  rnn forecast --model "$OUT/$name.safetensors" --csv "$csv" --steps 24 --plot "$OUT/$name-forecast.png" >/dev/null
  echo "wrote $OUT/$name-forecast.png"
  node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    // the row of the model is named after what forecasts: the cell (lstm), or theta where validation chose it
    const key = Object.keys(j.scores).find((k) => k !== "naive" && k !== "seasonal naive");
    const m = j.scores[key].mase, s = j.scores["seasonal naive"].mase, n = j.scores.naive.mase;
    console.log(`${process.argv[2]}: test MASE ${key} ${m.toFixed(3)} vs seasonal naive ${s.toFixed(3)}, naive ${n.toFixed(3)}: ` +
      (m < s && m < n ? `${key} beats both baselines` : `${key} does NOT beat both baselines`));
  ' "$OUT/$name-test.json" "$name"
  echo "($name took $(($(date +%s) - s))s)"
}

job airpassengers data/airpassengers/airpassengers.csv passengers_thousands --val-split 24 --test-split 24
job co2 data/co2/co2.csv co2_ppm

printf '\nmain job done in %ss; charts, forecasts and models in %s/:\n' "$(($(date +%s) - t0))" "$OUT"
ls "$OUT"
