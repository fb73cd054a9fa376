#!/usr/bin/env bash
# Data-parallel throughput, side by side in one run: rnn on 1 rank × 1 thread and on N ranks × 1
# thread (mpirun, Open MPI), PyTorch on 1 process and DDP (Gloo) on N processes × 1 thread, on one
# workload of tools/bench (B: batch 32 × T 100, 2×LSTM 256, char-LM). Each run trains `STEPS`
# global batches per epoch for `EPOCHS` epochs and times the epochs after the first.
#
#   tools/mpi/scaling.sh [--workload B] [--ranks 2] [--steps 8] [--epochs 3] [--bucket-mb 1] [--bind none|core] [--out FILE.json]
#
# --bind core (default: what mpirun itself does for 2 ranks) pins each rank to its own core (the single-rank run is pinned
# to one core too, so both sides see the same placement); none lets the kernel move them (slower here).
#
# Prints the CPU, one line per run and the ratios: rnn N ranks / rnn 1 rank (target ≥ 1.8× for B
# at 2 ranks on 2 cores) and rnn N ranks / PyTorch DDP N ranks (target ≥ 1). A quiet machine is
# needed for real figures: the ranks are as many as the cores.
set -euo pipefail
WL=B RANKS=2 STEPS=8 EPOCHS=3 BUCKET=1 BIND=core OUT=""
while [ $# -gt 0 ]; do
  case $1 in
    --workload) WL=$2; shift 2 ;; --ranks) RANKS=$2; shift 2 ;; --steps) STEPS=$2; shift 2 ;;
    --epochs) EPOCHS=$2; shift 2 ;; --bucket-mb) BUCKET=$2; shift 2 ;; --bind) BIND=$2; shift 2 ;; --out) OUT=$2; shift 2 ;;
    *) echo "scaling.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
export RNN_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
case $BIND in
  none) PIN="" ;;
  core) PIN="taskset -c 0" ;;
  *) echo "scaling.sh: --bind must be none or core, found $BIND" >&2; exit 2 ;;
esac
MPI="mpirun --allow-run-as-root --oversubscribe --bind-to $BIND"
cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
echo "CPU: $cpu, $(nproc --all) cores; workload $WL, $STEPS steps × $((EPOCHS - 1)) timed epochs, 1 thread per rank, bind $BIND" >&2
one=$($PIN node "$HERE/train-worker.mjs" --workload "$WL" --steps "$STEPS" --epochs "$EPOCHS")
echo "rnn     1 rank : $one" >&2
many=$($MPI -np "$RANKS" node "$HERE/train-worker.mjs" --workload "$WL" --steps "$STEPS" --epochs "$EPOCHS" --bucket-mb "$BUCKET")
echo "rnn     $RANKS ranks: $many" >&2
tone=$(/usr/bin/python3 "$HERE/ddp_bench.py" --workload "$WL" --ranks 1 --steps "$STEPS" --epochs "$EPOCHS")
echo "pytorch 1 rank : $tone" >&2
tmany=$(/usr/bin/python3 "$HERE/ddp_bench.py" --workload "$WL" --ranks "$RANKS" --steps "$STEPS" --epochs "$EPOCHS")
echo "pytorch $RANKS ranks: $tmany (DDP gloo)" >&2
node -e '
const [one, many, tone, tmany] = process.argv.slice(1, 5).map((s) => JSON.parse(s));
const r = { cpu: process.argv[5], rnn1: one, rnnN: many, torch1: tone, torchN: tmany,
  rnnScaling: many.stepsPerSecond / one.stepsPerSecond, torchScaling: tmany.stepsPerSecond / tone.stepsPerSecond,
  rnnVsDdp: many.stepsPerSecond / tmany.stepsPerSecond };
console.error(`rnn ${many.ranks} ranks / 1 rank: ${r.rnnScaling.toFixed(2)}×   PyTorch DDP ${tmany.ranks} / 1: ${r.torchScaling.toFixed(2)}×   rnn / DDP at ${many.ranks} ranks: ${r.rnnVsDdp.toFixed(2)}×`);
if (process.argv[6]) require("fs").writeFileSync(process.argv[6], JSON.stringify(r, null, 2) + "\n");
' "$one" "$many" "$tone" "$tmany" "$cpu" "$OUT"
