#!/usr/bin/env bash
# Fault test: start `mpirun -np 2 rnn train` on a run that lasts a minute, SIGKILL one rank
# mid-epoch (rank 1, or rank 0 with --rank 0), and check that the job ends within 10 s with a
# non-zero status, that rnn's own message is one line, and that no model file was written.
#
#   tools/mpi/kill-rank.sh [TRIES=20] [--rank R]      exit 1 when a try fails
set -uo pipefail
TRIES=${1:-20}
KILL_RANK=1
[[ "${2:-}" == "--rank" ]] && KILL_RANK=${3:-1}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
export RNN_NUM_THREADS=1
ok=0
worst=0
for t in $(seq 1 "$TRIES"); do
  rm -f "$D/out.safetensors"
  mpirun --allow-run-as-root --oversubscribe -np 2 node "$ROOT/packages/cli/bin/rnn.js" train \
    --csv "$ROOT/data/airpassengers/airpassengers.csv" --target passengers_thousands --hidden 32 \
    --epochs 100000 --batch-size 4 --out "$D/out.safetensors" > "$D/log" 2>&1 &
  job=$!
  # wait for training to be under way on both ranks (rank 0 prints its start line)
  for _ in $(seq 1 100); do grep -q 'data-parallel' "$D/log" && break; sleep 0.1; done
  sleep "0.$((RANDOM % 9 + 1))"
  victim=""
  for p in $(pgrep -P "$job"); do
    if tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$KILL_RANK"; then victim=$p; fi
  done
  if [[ -z "$victim" ]]; then echo "try $t: no rank $KILL_RANK process found"; kill "$job"; wait "$job"; continue; fi
  t0=$(date +%s.%N)
  kill -KILL "$victim"
  # the job must end by itself; after 10 s it counts as a hang (and is ended here)
  for _ in $(seq 1 100); do kill -0 "$job" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$job" 2>/dev/null; then
    echo "try $t: HANG (still running 10 s after the kill)"; kill -KILL "$job"; wait "$job"; continue
  fi
  wait "$job"; rc=$?
  secs=$(echo "$(date +%s.%N) - $t0" | bc)
  lines=$(grep -c '^rnn: distributed training stopped' "$D/log")
  if [[ $rc -ne 0 && $lines -eq 1 && ! -e "$D/out.safetensors" ]]; then
    ok=$((ok + 1))
    worst=$(echo "if ($secs > $worst) $secs else $worst" | bc)
    printf 'try %2d: ok, exit %d after %.2f s\n' "$t" "$rc" "$secs"
  else
    printf 'try %2d: FAILED (exit %d after %.2f s, %d rnn lines)\n' "$t" "$rc" "$secs" "$lines"; cat "$D/log"
  fi
done
echo "$ok/$TRIES tries ended within 10 s with a non-zero status and one line (slowest $(printf %.2f "$worst") s)"
[[ $ok -eq $TRIES ]]
