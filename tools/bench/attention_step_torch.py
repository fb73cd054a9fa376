#!/usr/bin/env python3
"""PyTorch's side of tools/bench/attention-step.mjs, on one thread: nn.LSTMCell for one decoder
step at beam batch sizes (D = H = 256), and the same attention step (dot and additive, masked,
B 64, Ts 12, D 256, Tq 1 and 12), forward under no_grad and forward + backward.
    /usr/bin/python3 tools/bench/attention_step_torch.py [--reps N]
"""
import argparse
import statistics
import time

import torch

p = argparse.ArgumentParser()
p.add_argument('--reps', type=int, default=200)
args = p.parse_args()
torch.set_num_threads(1)
torch.manual_seed(1)


def timed(fn, n):
    for _ in range(min(20, n)):
        fn()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e6


print(f'torch {torch.__version__}, threads {torch.get_num_threads()}')
D = H = 256
cell = torch.nn.LSTMCell(D, H)
print('\n| decoder LSTM step (inference), nn.LSTMCell D = H = 256 | B | µs |')
print('|---|---|---|')
for B in [64, 128, 192, 256, 320]:
    x, h, c = torch.randn(B, D), torch.randn(B, H), torch.randn(B, H)
    with torch.no_grad():
        t = timed(lambda: cell(x, (h, c)), args.reps)
    print(f'| LSTMCell | {B} | {t:.1f} |')


def attention(q, k, val, mask, score, v):
    if score == 'dot':
        e = torch.bmm(q, k.transpose(1, 2))
    else:
        e = torch.tanh(q.unsqueeze(2) + k.unsqueeze(1)) @ v
    e = e.masked_fill(~mask.unsqueeze(1), float('-inf'))
    w = torch.softmax(e, dim=-1)
    return torch.bmm(w, val), w


B, Ts = 64, 12
lengths = torch.tensor([1 + (b % Ts) for b in range(B)])
mask = torch.arange(Ts).unsqueeze(0) < lengths.unsqueeze(1)
print(f'\n| attention, B {B}, Ts {Ts}, D = Dv = {D} | score | Tq | mode | µs |')
print('|---|---|---|---|---|')
for score in ['dot', 'additive']:
    for Tq in [1, 12]:
        q = torch.randn(B, Tq, D, requires_grad=True)
        k = torch.randn(B, Ts, D, requires_grad=True)
        val = torch.randn(B, Ts, D, requires_grad=True)
        v = (torch.randn(D) * 0.1).requires_grad_(True)

        def infer():
            with torch.no_grad():
                attention(q, k, val, mask, score, v)

        def train():
            c, w = attention(q, k, val, mask, score, v)
            ins = [q, k, val] + ([v] if score == 'additive' else [])
            torch.autograd.grad(c.sum() + (w * w).sum(), ins)

        print(f'| | {score} | {Tq} | forward | {timed(infer, args.reps):.1f} |')
        print(f'| | {score} | {Tq} | fwd+bwd | {timed(train, args.reps):.1f} |')
