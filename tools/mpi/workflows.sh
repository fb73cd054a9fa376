#!/usr/bin/env bash
# Every workflow under mpirun: trains each one on a small slice of the bundled data with 1 process
# and with N ranks (default 2), and prints the exit status, the time and the largest relative
# difference of the weights (tools/mpi/compare-weights.mjs). Arrays, --csv, --text, --sequences
# and --trees have a mean-over-samples loss, --pairs a mean over target tokens (the ranks' shares
# are weighted by their tokens); all match one process (< 1e-5). --trees, --pairs and --tagging
# run with --dropout 0 (each rank draws its own dropout masks).
#
#   tools/mpi/workflows.sh [N]        exit 1 when a run fails or a sample-mean workflow differs
set -uo pipefail
NP=${1:-2}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RNN="node $ROOT/packages/cli/bin/rnn.js"
CMP="node $ROOT/tools/mpi/compare-weights.mjs"
MPI="mpirun --allow-run-as-root --oversubscribe -np $NP"
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
export RNN_NUM_THREADS=1
DATA=$ROOT/data
G=$ROOT/packages/layers/test/golden
zcat "$DATA/sst/train.txt.gz" | head -40 > "$D/trees.txt" || true
zcat "$DATA/cmudict/train.tsv.gz" | head -200 > "$D/pairs.tsv" || true
zcat "$DATA/wnut17/train.conll.gz" | awk 'BEGIN{n=0} {print} /^[[:space:]]*$/{if(++n==40) exit}' > "$D/tag.conll" || true
head -c 4000 "$DATA/tinyshakespeare/first-50k.txt" > "$D/text.txt"
declare -A RUNS=(
  [arrays]="--model $G/train-mse-adam.init.safetensors --x $G/train-mse-adam.x.json --y $G/train-mse-adam.y.json --batch-size 4 --epochs 2 --lr 0.01 --loss mse"
  [csv]="--csv $DATA/airpassengers/airpassengers.csv --target passengers_thousands --hidden 6 --val-split 24 --test-split 24 --seed 3 --epochs 3 --batch-size 10"
  [text]="--text $D/text.txt --seq-len 16 --hidden 16 --layers 1 --epochs 1 --batch-size 16 --seed 1"
  [sequences]="--sequences $DATA/indoor-movement/sequences.csv --labels $DATA/indoor-movement/labels.csv --hidden 8 --epochs 2 --seed 1"
  [trees]="--trees $D/trees.txt --hidden 6 --embedding 6 --batch-size 10 --lr 0.05 --seed 3 --epochs 2 --dropout 0"
  [pairs]="--pairs $D/pairs.tsv --embedding 8 --hidden 16 --layers 1 --decoder-hidden 16 --batch-size 32 --lr 0.01 --dropout 0 --epochs 1"
  [tagging]="--tagging $D/tag.conll --hidden 6 --embedding 6 --char-filters 5 --batch-size 8 --seed 3 --epochs 1 --dropout 0"
)
fail=0
for w in arrays csv text sequences trees pairs tagging; do
  $RNN train ${RUNS[$w]} --out "$D/$w-1.safetensors" > "$D/$w-1.log" 2>&1 || { echo "$w: one process failed: $(tail -1 "$D/$w-1.log")"; fail=1; continue; }
  t0=$(date +%s.%N)
  if ! $MPI $RNN train ${RUNS[$w]} --out "$D/$w-$NP.safetensors" > "$D/$w-$NP.log" 2>&1; then
    echo "$w: $NP ranks failed: $(grep -m1 '^rnn:' "$D/$w-$NP.log" || tail -1 "$D/$w-$NP.log")"; fail=1; continue
  fi
  t1=$(date +%s.%N)
  cmp=$($CMP "$D/$w-$NP.safetensors" "$D/$w-1.safetensors" --tol 1e-5) || { echo "$w: $cmp"; fail=1; continue; }
  printf '%-10s %d ranks ok  %5.1f s  %s\n' "$w" "$NP" "$(echo "$t1 - $t0" | bc)" "$cmp"
done
exit $fail
