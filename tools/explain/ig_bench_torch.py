#!/usr/bin/env python3
"""PyTorch side of tools/explain/ig-bench.mjs: integrated gradients of an LSTM classifier written
the way Captum does it (every interpolation point of every row stacked into one batch, one
forward and one backward, Gauss-Legendre points), timed the same way. Prints one JSON line."""
import argparse, json, time
import numpy as np
import torch

p = argparse.ArgumentParser()
p.add_argument('--batch', type=int, default=64)
p.add_argument('--length', type=int, default=50)
p.add_argument('--input', type=int, default=8)
p.add_argument('--hidden', type=int, default=64)
p.add_argument('--classes', type=int, default=4)
p.add_argument('--ig-steps', type=int, default=32)
p.add_argument('--reps', type=int, default=10)
p.add_argument('--threads', type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(a.input, a.hidden, batch_first=True)
        self.out = torch.nn.Linear(a.hidden, a.classes)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.out(y[:, -1])


net = Net().eval()
x = torch.rand(a.batch, a.length, a.input) * 2 - 1
nodes, weights = np.polynomial.legendre.leggauss(a.ig_steps)
alphas = torch.tensor((nodes + 1) / 2, dtype=torch.float32)
w = torch.tensor(weights / 2, dtype=torch.float32)


def ig():
    with torch.no_grad():
        target = net(x).argmax(1)
    base = torch.zeros_like(x)
    scaled = (base[None] + alphas[:, None, None, None] * (x - base)[None]).reshape(-1, a.length, a.input).requires_grad_(True)
    out = net(scaled).gather(1, target.repeat(a.ig_steps)[:, None]).sum()
    (g,) = torch.autograd.grad(out, scaled)
    g = g.reshape(a.ig_steps, a.batch, a.length, a.input)
    return (x - base) * (w[:, None, None, None] * g).sum(0)


for _ in range(2):
    ig()
ts, cs = [], []
for _ in range(a.reps):
    t0, c0 = time.perf_counter(), time.process_time()
    ig()
    ts.append((time.perf_counter() - t0) * 1000)
    cs.append((time.process_time() - c0) * 1000)
print(json.dumps({'side': 'pytorch', 'torch': torch.__version__, 'threads': a.threads, 'median_ms': float(np.median(ts)), 'median_cpu_ms': float(np.median(cs))}))
