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
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench", "workers"))

WORKLOADS = {
    "A": dict(batch=64, steps=50, input=8, hidden=128, layers=1, output=1, vocab=None, perStep=False, loss="mse"),
    "B": dict(batch=32, steps=100, input=64, hidden=256, layers=2, output=65, vocab=65, perStep=True, loss="crossentropy"),
}


def run(rank, args, out):
    import torch
    import torch.distributed as dist
    from torch import nn

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    w = WORKLOADS[args.workload]
    if args.ranks > 1:
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ.setdefault("MASTER_PORT", str(args.port))
        dist.init_process_group("gloo", rank=rank, world_size=args.ranks)
    torch.manual_seed(1)

    class Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(w["vocab"], w["input"]) if w["vocab"] else None
            self.rnn = nn.LSTM(w["input"], w["hidden"], num_layers=w["layers"], batch_first=True)
            self.fc = nn.Linear(w["hidden"], w["output"])

        def forward(self, x):
            if self.emb is not None:
                x = self.emb(x)
            y, _ = self.rnn(x)
            return self.fc(y if w["perStep"] else y[:, -1])

    model = Seq()
    if args.ranks > 1:
        model = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=args.bucket_mb)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(1)
    B, T = w["batch"], w["steps"]
    if w["vocab"]:
        x = torch.randint(0, w["vocab"], (B, T), generator=g)
        y = torch.randint(0, w["vocab"], (B, T), generator=g)
    else:
        x = torch.rand(B, T, w["input"], generator=g) * 2 - 1
        y = torch.rand(B, w["output"], generator=g) * 2 - 1
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
    import torch.multiprocessing as mp

    q = mp.get_context("spawn").SimpleQueue()
    if args.ranks == 1:
        run(0, args, q)
    else:
        mp.spawn(run, args=(args, q), nprocs=args.ranks, join=True)
    print(json.dumps(q.get()))


if __name__ == "__main__":
    main()
