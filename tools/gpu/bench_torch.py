#!/usr/bin/env python3
"""The workloads of tools/gpu/bench.mjs in PyTorch (cuDNN's fused LSTM/GRU): the yardstick for the
cuda backend on the same machine.

    node tools/gpu/bench.mjs --print-workloads > /tmp/workloads.json
    python3 tools/gpu/bench_torch.py --workloads /tmp/workloads.json [--json out.json] [--reps 20]

The shapes come from bench.mjs (which reads tools/bench/lib/workloads.mjs), so both sides time the
same models: [embedding ->] nn.LSTM/nn.GRU(layers, batch_first) -> nn.Linear on the last step
(A, C) or every step (B) -> MSE or cross-entropy -> backward -> Adam. Each figure is the median of
--reps steps after 3 warm-ups; every step ends with loss.item() (one synchronisation, as in
bench.mjs). float32 with TF32 off: the rnn kernels compute in full float32.
"""
import argparse
import json
import statistics
import sys
import time

import torch


def timed(step, reps):
    for _ in range(3):
        step()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        step()
        ts.append((time.perf_counter() - t0) * 1000)
    return {"medianMs": statistics.median(ts), "minMs": min(ts), "maxMs": max(ts), "reps": reps}


def bench(w, dev, reps):
    B, T, H = w["batch"], w["steps"], w["hidden"]
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[w["cell"]]
    emb = torch.nn.Embedding(w["vocab"], w["input"]).to(dev) if w.get("vocab") else None
    rnn = cls(w["input"], H, num_layers=w["layers"], batch_first=True).to(dev)
    fc = torch.nn.Linear(H, w["output"]).to(dev)
    params = list(rnn.parameters()) + list(fc.parameters()) + (list(emb.parameters()) if emb else [])
    opt = torch.optim.Adam(params, lr=1e-3)
    if emb is not None:
        x = torch.randint(0, w["vocab"], (B, T), device=dev)
        target = torch.randint(0, w["vocab"], (B * T,), device=dev)
    else:
        x = torch.rand(B, T, w["input"], device=dev) * 2 - 1
        target = torch.rand(B, w["output"], device=dev) * 2 - 1

    def forward():
        h = rnn(emb(x) if emb is not None else x)[0]
        return fc(h.reshape(B * T, H)) if w["perStep"] else fc(h[:, -1, :])

    def loss_of(out):
        if w["loss"] == "mse":
            return torch.nn.functional.mse_loss(out, target)
        return torch.nn.functional.cross_entropy(out, target)

    def fwd():
        with torch.no_grad():
            return forward().sum().item()

    def train():
        opt.zero_grad(set_to_none=False)
        loss = loss_of(forward())
        loss.backward()
        opt.step()
        return loss.item()

    return {"shape": w, "forward": timed(fwd, reps), "train": timed(train, reps)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workloads", required=True, help="JSON from `node tools/gpu/bench.mjs --print-workloads`")
    p.add_argument("--json")
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--device", default="cuda")
    a = p.parse_args()
    dev = torch.device(a.device)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)
    with open(a.workloads) as f:
        workloads = json.load(f)
    out = {
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu",
        "workloads": {},
    }
    for wid, w in workloads.items():
        r = bench(w, dev, a.reps)
        out["workloads"][wid] = r
        print(f"{wid}  {w['cell']} {w['layers']}x{w['hidden']} B{w['batch']} T{w['steps']}: "
              f"forward {r['forward']['medianMs']:.3f} ms, train step {r['train']['medianMs']:.3f} ms "
              f"(torch {torch.__version__}, cuDNN {out['cudnn']})")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
