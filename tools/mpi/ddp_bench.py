#!/usr/bin/env python3
"""PyTorch DistributedDataParallel (Gloo) on a benchmark workload, the reference for
tools/mpi/scaling.sh: the same model as tools/bench/workers/torch_worker.py (Embedding, nn.LSTM,
Linear; Adam lr 1e-3), each of `--ranks` processes on one thread with its share of every global
batch of the workload's batch size, the gradients averaged by DDP's bucketed all-reduce. Prints
one JSON line like tools/mpi/train-worker.mjs.

  /usr/bin/python3 tools/mpi/ddp_bench.py --workload B --ranks 2 --steps 8 --epochs 3
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench", "workers"))

HERE = os.path.dirname(os.path.abspath(__file__))


def workload(name):
    """Workload `name` as tools/bench/lib/workloads.mjs defines it (the one definition both sides use)."""
    url = pathlib.Path(HERE, "..", "bench", "lib", "workloads.mjs").resolve().as_uri()
    js = f"import {{ WORKLOADS }} from {json.dumps(url)}; console.log(JSON.stringify(WORKLOADS[{json.dumps(name)}] ?? null))"
    w = json.loads(subprocess.run(["node", "--input-type=module", "-e", js], check=True, capture_output=True, text=True).stdout)
    if not w or w.get("kind") != "seq":
        sys.exit(f"ddp_bench.py: --workload {name}: not a sequence workload of tools/bench/lib/workloads.mjs (A, B or C)")
    return w


def run(rank, args, out):
    import torch
    import torch.distributed as dist
    from torch import nn
    from torch_seq import SeqModel, seq_data

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    w = args.w
    if args.ranks > 1:
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ.setdefault("MASTER_PORT", str(args.port))
        dist.init_process_group("gloo", rank=rank, world_size=args.ranks)
    torch.manual_seed(1)

    model = SeqModel(w)
    if args.ranks > 1:
        model = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=args.bucket_mb)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    B = w["batch"]
    x, y = seq_data(w)
    lo, hi = rank * B // args.ranks, (rank + 1) * B // args.ranks
    xs, ys = x[lo:hi], y[lo:hi]

    def loss_of(p, t):
        if w["loss"] == "mse":
            return nn.functional.mse_loss(p, t)
        return nn.functional.cross_entropy(p.reshape(-1, w["output"]), t.reshape(-1))

    times = []
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        for _ in range(args.steps):
            opt.zero_grad()
            loss = loss_of(model(xs), ys)
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    if rank == 0:
        timed = sum(times[1:])
        n = args.steps * (args.epochs - 1)
        out.put(dict(workload=args.workload, ranks=args.ranks, batch=B, steps=n, stepsPerSecond=n / timed, samplesPerSecond=B * n / timed,
                     engine=f"PyTorch {torch.__version__} DDP gloo" if args.ranks > 1 else f"PyTorch {torch.__version__}", bucketMB=args.bucket_mb))
    if args.ranks > 1:
        dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", default="B")
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--bucket-mb", type=float, default=25)
    p.add_argument("--port", type=int, default=29517)
    args = p.parse_args()
    args.w = workload(args.workload)
    import torch.multiprocessing as mp

    q = mp.get_context("spawn").SimpleQueue()
    if args.ranks == 1:
        run(0, args, q)
    else:
        mp.spawn(run, args=(args, q), nprocs=args.ranks, join=True)
    print(json.dumps(q.get()))


if __name__ == "__main__":
    main()
