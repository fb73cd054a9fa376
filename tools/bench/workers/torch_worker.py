#!/usr/bin/env python3
"""PyTorch worker: one workload, one mode, one thread count, in its own process.

Started by tools/bench/run.mjs with one JSON argument (the same spec the JS workers read). The
thread pools are pinned before torch is imported (OMP/MKL/OpenBLAS env) and again with
torch.set_num_threads. `{"export": dir}` instead writes the sequence workloads as ONNX (forward
only) for the onnxruntime-node worker.

Workload D has two PyTorch implementations of the binary Tree-LSTM (Tai et al. 2015): level by
level (every node of a height in one batch, as ours does) and node by node (the usual recursive
implementation).
"""
import gzip
import json
import os
import resource
import sys
import time

spec = json.loads(sys.argv[1])
threads = int(spec.get("threads", 1))
for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[k] = str(threads)

import torch  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(threads)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass
torch.manual_seed(1)
w = spec.get("w")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_seq import SeqModel, seq_data  # noqa: E402  (after the thread pools are pinned)


def seq_step(mode):
    model = SeqModel(w)
    x, y = seq_data(w)
    if mode == "forward":
        model.eval()

        def fwd():
            with torch.inference_mode():
                model(x)

        return fwd
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    if w["loss"] == "mse":
        loss_fn = nn.MSELoss()
    else:
        ce = nn.CrossEntropyLoss()

        def loss_fn(p, t):
            return ce(p.reshape(-1, w["output"]), t.reshape(-1))

    def train():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.item()
        loss.backward()
        opt.step()

    return train


# ---- workload D: SST trees ---------------------------------------------------------------------


def parse_tree(line):
    """A PTB bracket tree '(3 (2 It) (4 works))' as lists: label, word (or None), children."""
    pos = 0
    labels, words, kids = [], [], []

    def node():
        nonlocal pos
        assert line[pos] == "("
        pos += 1
        j = line.index(" ", pos)
        me = len(labels)
        labels.append(int(line[pos:j]))
        words.append(None)
        kids.append([])
        pos = j + 1
        if line[pos] == "(":
            while line[pos] == "(":
                kids[me].append(node())
                if line[pos] == " ":
                    pos += 1
        else:
            j = line.index(")", pos)
            words[me] = line[pos:j]
            pos = j
        assert line[pos] == ")"
        pos += 1
        return me

    root = node()
    return {"labels": labels, "words": words, "kids": kids, "root": root}


def read_trees(path, n):
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                out.append(parse_tree(line))
            if len(out) == n:
                break
    return out


class TreeLSTM(nn.Module):
    """Binary Tree-LSTM, gates [i, fL, fR, o, u] in the rows, as packages/layers' tree-lstm cell."""

    def __init__(self, vocab, E, H, C):
        super().__init__()
        self.H = H
        self.emb = nn.Embedding(vocab, E)
        self.W = nn.Linear(E, 5 * H)  # the leaves use rows i, o, u
        self.U = nn.Linear(2 * H, 5 * H, bias=False)
        self.cls = nn.Linear(H, C)

    def leaf(self, x):
        H = self.H
        g = self.W(x)
        i, o, u = g[:, :H], g[:, 3 * H : 4 * H], g[:, 4 * H :]
        c = torch.sigmoid(i) * torch.tanh(u)
        return torch.sigmoid(o) * torch.tanh(c), c

    def combine(self, hL, cL, hR, cR):
        g = self.U(torch.cat([hL, hR], 1)) + self.W.bias
        i, fL, fR, o, u = g.chunk(5, 1)
        c = torch.sigmoid(i) * torch.tanh(u) + torch.sigmoid(fL) * cL + torch.sigmoid(fR) * cR
        return torch.sigmoid(o) * torch.tanh(c), c


def plan_levels(trees, ids):
    """Group every node of the batch by height; rows are global (level by level)."""
    rows, levels = [], []
    heights = []
    for t in trees:
        h = [0] * len(t["labels"])

        def height(n):
            if t["kids"][n]:
                h[n] = 1 + max(height(k) for k in t["kids"][n])
            return h[n]

        height(t["root"])
        heights.append(h)
    depth = max(max(h) for h in heights) + 1
    row_of = [[0] * len(t["labels"]) for t in trees]
    r = 0
    for lv in range(depth):
        nodes = [(ti, n) for ti, t in enumerate(trees) for n in range(len(t["labels"])) if heights[ti][n] == lv]
        for ti, n in nodes:
            row_of[ti][n] = r
            r += 1
        levels.append(nodes)
    plan = []
    for lv, nodes in enumerate(levels):
        if lv == 0:
            plan.append(torch.tensor([ids[ti][n] for ti, n in nodes]))
        else:
            left = torch.tensor([row_of[ti][trees[ti]["kids"][n][0]] for ti, n in nodes])
            right = torch.tensor([row_of[ti][trees[ti]["kids"][n][1]] for ti, n in nodes])
            plan.append((left, right))
    labels = torch.tensor([trees[ti]["labels"][n] for nodes in levels for ti, n in nodes])
    return plan, labels


def forward_levels(net, plan):
    h, c = net.leaf(net.emb(plan[0]))
    for left, right in plan[1:]:
        hn, cn = net.combine(h[left], c[left], h[right], c[right])
        h, c = torch.cat([h, hn]), torch.cat([c, cn])
    return h


def forward_nodes(net, trees, ids):
    hs = []
    for ti, t in enumerate(trees):

        def visit(n):
            if not t["kids"][n]:
                h, c = net.leaf(net.emb(torch.tensor([ids[ti][n]])))
            else:
                (hL, cL), (hR, cR) = visit(t["kids"][n][0]), visit(t["kids"][n][1])
                h, c = net.combine(hL, cL, hR, cR)
            hs.append(h)
            return h, c

        visit(t["root"])
    return torch.cat(hs)


def tree_step(mode, variant):
    trees = read_trees(spec["sstPath"], w["trees"])
    words = {}
    for t in trees:
        for x in t["words"]:
            if x is not None:
                words[x.lower()] = words.get(x.lower(), 0) + 1
    vocab = {x: i + 1 for i, x in enumerate(sorted(words))}
    ids = [[vocab[x.lower()] if x is not None else -1 for x in t["words"]] for t in trees]
    net = TreeLSTM(len(vocab) + 1, w["input"], w["hidden"], w["classes"])
    B = w["batch"]
    batches = [(trees[i : i + B], ids[i : i + B]) for i in range(0, len(trees), B)]

    # Planning is inside the timed step, as in ours (a shuffled epoch plans every batch afresh).
    def run(bt, bi):
        if variant == "levels":
            plan, labels = plan_levels(bt, bi)
            return forward_levels(net, plan), labels
        order = []  # forward_nodes emits nodes in post-order, tree by tree

        def post(t, n):
            for k in t["kids"][n]:
                post(t, k)
            order.append(t["labels"][n])

        for t in bt:
            post(t, t["root"])
        return forward_nodes(net, bt, bi), torch.tensor(order)

    if mode == "forward":

        def fwd():
            with torch.inference_mode():
                for bt, bi in batches:
                    net.cls(run(bt, bi)[0])

        return fwd
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    ce = nn.CrossEntropyLoss(reduction="sum")

    def train():
        for bt, bi in batches:
            opt.zero_grad(set_to_none=True)
            h, labels = run(bt, bi)
            loss = ce(net.cls(h), labels) / len(bt)
            loss.item()
            loss.backward()
            opt.step()

    return train


def measure(step):
    """The loop of tools/bench/lib/timing.mjs, step for step."""
    max_s = spec.get("maxSeconds") or float("inf")
    w0 = time.perf_counter()
    warm_s = spec.get("warmupSeconds") or 0
    i = 0
    # at least `warmup` steps and `warmupSeconds`, but past one step never more than a quarter of the budget
    while i < spec["warmup"] or time.perf_counter() - w0 < warm_s:
        if i >= 1 and time.perf_counter() - w0 > max_s / 4:
            break
        step()
        i += 1
    wall, cpu = [], []
    t0 = time.perf_counter()
    min_steps = spec.get("minSteps", min(3, spec["steps"]))
    while len(wall) < spec["steps"]:
        spent = time.perf_counter() - t0
        if len(wall) >= min_steps and spent > max_s:
            break
        if len(wall) >= min(3, spec["steps"]) and spent > (spec.get("capSeconds") or float("inf")):
            break
        c0, w0 = time.process_time(), time.perf_counter()
        step()
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu


def export_onnx(out_dir):
    """Write <dir>/<id>.onnx for each sequence workload in spec['workloads'] (fixed shapes)."""
    global w
    for wl in spec["workloads"]:
        w = wl
        model = SeqModel(w).eval()
        x, _ = seq_data(w)
        path = os.path.join(out_dir, f"{wl['id']}.onnx")
        torch.onnx.export(model, (x,), path, input_names=["x"], output_names=["y"], opset_version=14)
        print(path)


if __name__ == "__main__":
    if "export" in spec:
        import warnings

        warnings.filterwarnings("ignore")
        export_onnx(spec["export"])
        sys.exit(0)
    if w["kind"] == "tree":
        step = tree_step(spec["mode"], spec.get("variant", "levels"))
    elif w["kind"] == "seq2seq":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from torch_seq2seq import seq2seq_step

        step = seq2seq_step(w, spec["mode"], spec["cmudictPath"], spec["seq2seqModel"])
    else:
        step = seq_step(spec["mode"])
    wall, cpu = measure(step)
    info = {
        "wall": wall,
        "cpu": cpu,
        "threads": torch.get_num_threads(),
        "version": torch.__version__,
        "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    print("BENCH_RESULT " + json.dumps(info), flush=True)
