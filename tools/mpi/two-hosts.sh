#!/usr/bin/env bash
# Two "hosts" on this machine: Linux network namespaces rnn-h0 (10.77.0.1) and rnn-h1 (10.77.0.2)
# joined by a veth pair, each with its own hostname. mpirun starts in rnn-h0 and launches the
# other host's Open MPI daemon through plm_rsh_agent = tools/mpi/netns-rsh (an `ip netns exec`
# in place of ssh); the ranks talk over Open MPI's TCP transport only (btl tcp,self: no shared
# memory between the "hosts"). Needs root (ip netns). Runs a golden array case on 2 ranks, one
# per host, compares the weights with one process (< 1e-5), then measures the link's all-reduce
# α and β (tools/mpi/allreduce-bench.mjs). The namespaces are removed at the end.
#
#   sudo tools/mpi/two-hosts.sh [--no-bench]      exit 1 when the run fails or the weights differ
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" -ne 0 ]; then echo "two-hosts.sh: needs root (ip netns); run it with sudo" >&2; exit 2; fi
cleanup() { ip netns del rnn-h0 2>/dev/null; ip netns del rnn-h1 2>/dev/null; rm -rf "$D"; }
D=$(mktemp -d)
trap cleanup EXIT
cleanup; D=$(mktemp -d)
set -e
ip netns add rnn-h0
ip netns add rnn-h1
ip link add rnn-v0 type veth peer name rnn-v1
ip link set rnn-v0 netns rnn-h0
ip link set rnn-v1 netns rnn-h1
ip -n rnn-h0 addr add 10.77.0.1/24 dev rnn-v0
ip -n rnn-h1 addr add 10.77.0.2/24 dev rnn-v1
for h in 0 1; do ip -n rnn-h$h link set lo up; ip -n rnn-h$h link set rnn-v$h up; done
ip -n rnn-h0 route get 10.77.0.2 > /dev/null
set +e
printf '10.77.0.1 slots=1\n10.77.0.2 slots=1\n' > "$D/hosts"
# everything a real multi-host run needs, spelled out: the hosts, the agent, TCP on the test subnet
MPI=(mpirun --allow-run-as-root -np 2 --hostfile "$D/hosts" --map-by node
  --mca plm_rsh_agent "$ROOT/tools/mpi/netns-rsh"
  --mca btl tcp,self --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24
  -x RNN_NUM_THREADS=1 -x PATH -x RNN_MPI_SPIN_US -x RNN_MPI_SLEEP_US)
G=$ROOT/packages/layers/test/golden
ARGS=(train --model "$G/train-mse-sgd-clip-norm.init.safetensors" --x "$G/train-mse-sgd-clip-norm.x.json" --y "$G/train-mse-sgd-clip-norm.y.json"
  --no-shuffle --batch-size 4 --epochs 2 --optimizer sgd --lr 0.1 --loss mse --clip-norm 0.5)
RNN_NUM_THREADS=1 node "$ROOT/packages/cli/bin/rnn.js" "${ARGS[@]}" --out "$D/one.safetensors" > /dev/null 2>&1
# a hosts check first: each rank prints the hostname of its namespace
ip netns exec rnn-h0 unshare --uts sh -c "hostname h0; ${MPI[*]} hostname" | sort | tr '\n' ' '; echo
ip netns exec rnn-h0 unshare --uts sh -c "hostname h0; cd $D; ${MPI[*]} node $ROOT/packages/cli/bin/rnn.js ${ARGS[*]} --out $D/two.safetensors"
rc=$?
if [ $rc -ne 0 ]; then echo "two-hosts.sh: the 2-host run failed (exit $rc)"; exit 1; fi
node "$ROOT/tools/mpi/compare-weights.mjs" "$D/two.safetensors" "$D/one.safetensors" || exit 1
if [ "${1:-}" != "--no-bench" ]; then
  ip netns exec rnn-h0 unshare --uts sh -c "hostname h0; ${MPI[*]} node $ROOT/tools/mpi/allreduce-bench.mjs --label tcp-netns --max-mb 16 --reps 10"
fi
