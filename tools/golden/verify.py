#!/usr/bin/python3
"""Re-derive the golden files from the README's equations, without nn.RNN/LSTM/GRU, nn.*Loss or
torch.optim: reads each JSON file exactly as a TypeScript test would and recomputes it from the
contract's equations (autograd only supplies gradients). Run by generate.py; also runnable alone.
"""
import json
import math
import os
import sys

import torch

sys.dont_write_bytecode = True  # no __pycache__ next to the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import GOLDEN_DIR, j2t  # noqa: E402


def close(name, got, want, rtol=1e-9, atol=1e-11):
    got, want = torch.as_tensor(got, dtype=torch.float64), torch.as_tensor(want, dtype=torch.float64)
    assert got.shape == want.shape, f"{name}: shape {list(got.shape)} != {list(want.shape)}"
    err = (got - want).abs() - rtol * want.abs()
    assert err.max() <= atol, f"{name}: max error {float(err.max())}"


# ---- recurrent layer from the contract's equations -------------------------------------------

def cell(kind, nonlinearity, p, x, h, c):
    gi = x @ p["weight_ih"].T + p["bias_ih"]
    gh = h @ p["weight_hh"].T + p["bias_hh"]
    if kind == "rnn":
        a = gi + gh
        return (torch.tanh(a) if nonlinearity == "tanh" else torch.relu(a)), None
    if kind == "lstm":
        i, f, g, o = (gi + gh).chunk(4, dim=-1)
        c2 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c2), c2
    r_i, z_i, n_i = gi.chunk(3, dim=-1)
    r_h, z_h, n_h = gh.chunk(3, dim=-1)
    r, z = torch.sigmoid(r_i + r_h), torch.sigmoid(z_i + z_h)
    n = torch.tanh(n_i + r * n_h)
    return (1 - z) * n + z * h, None


def recurrent(layer, params, x, lengths=None, h0=None, c0=None):
    """Returns output [B,T,D*H], h_n, c_n [L*D,B,H]; row b only reads steps < lengths[b]."""
    kind, name, hs = layer["type"], layer["name"], layer["hiddenSize"]
    d = 2 if layer.get("bidirectional", False) else 1
    bsz, steps = x.shape[0], x.shape[1]
    lengths = lengths or [steps] * bsz
    h_n, c_n = [], []
    for k in range(layer.get("numLayers", 1)):
        outs = []
        for direction in range(d):
            sfx = f"_l{k}" + ("_reverse" if direction else "")
            p = {w: params[f"{name}.{w}{sfx}"] for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
            rows_out, rows_h, rows_c = [], [], []
            for b in range(bsz):
                idx = k * d + direction
                h = h0[idx, b] if h0 is not None else torch.zeros(hs, dtype=x.dtype)
                c = c0[idx, b] if c0 is not None else torch.zeros(hs, dtype=x.dtype)
                ys = [torch.zeros(hs, dtype=x.dtype)] * steps
                order = range(lengths[b]) if direction == 0 else reversed(range(lengths[b]))
                for t in order:
                    h, c2 = cell(kind, layer.get("nonlinearity", "tanh"), p, x[b, t], h, c)
                    c = c2 if c2 is not None else c
                    ys[t] = h
                rows_out.append(torch.stack(ys))
                rows_h.append(h)
                rows_c.append(c)
            outs.append(torch.stack(rows_out))
            h_n.append(torch.stack(rows_h))
            c_n.append(torch.stack(rows_c))
        x = torch.cat(outs, dim=-1)
    return x, torch.stack(h_n), (torch.stack(c_n) if kind == "lstm" else None)


def last(layer, h_n):
    return torch.cat([h_n[-2], h_n[-1]], -1) if layer.get("bidirectional", False) else h_n[-1]


def model_forward(config, params, x):
    for layer in config["layers"]:
        kind, name = layer["type"], layer["name"]
        if kind == "embedding":
            x = params[f"{name}.weight"][x]
        elif kind == "dense":
            y = x @ params[f"{name}.weight"].T + params[f"{name}.bias"]
            act = layer.get("activation", "linear")
            x = {"linear": y, "tanh": torch.tanh(y), "relu": torch.relu(y), "sigmoid": torch.sigmoid(y),
                 "softmax": torch.exp(y - torch.logsumexp(y, -1, keepdim=True))}[act]
        else:
            out, h_n, _ = recurrent(layer, params, x)
            x = out if layer.get("returnSequences", True) else last(layer, h_n)
    return x


def leaf_params(obj):
    return {k: j2t(v).requires_grad_() for k, v in obj.items()}


def is_ids(config):
    return config["layers"][0]["type"] == "embedding"


def load(name):
    with open(os.path.join(GOLDEN_DIR, name)) as f:
        return json.load(f)


def verify_layers():
    for case in load("layers.json")["cases"]:
        cid, layer = case["id"], case["config"]["layers"][0]
        params = leaf_params(case["params"])
        inputs = {k: j2t(v).requires_grad_() for k, v in case["inputs"].items()}
        out, h_n, c_n = recurrent(layer, params, inputs["x"], case["lengths"], inputs.get("h0"),
                                  inputs.get("c0"))
        close(cid + " output", out, j2t(case["outputs"]["output"]))
        close(cid + " h_n", h_n, j2t(case["outputs"]["h_n"]))
        close(cid + " last", last(layer, h_n), j2t(case["outputs"]["last"]))
        w = {k: j2t(v) for k, v in case["lossWeights"].items()}
        loss = (out * w["output"]).sum() + (h_n * w["h_n"]).sum()
        if c_n is not None:
            close(cid + " c_n", c_n, j2t(case["outputs"]["c_n"]))
            loss = loss + (c_n * w["c_n"]).sum()
        close(cid + " loss", loss, case["loss"])
        loss.backward()
        for k, p in params.items():
            close(f"{cid} grad {k}", p.grad, j2t(case["grads"]["params"][k]))
        for k, t in inputs.items():
            close(f"{cid} grad {k}", t.grad, j2t(case["grads"][k]))


def verify_models():
    for case in load("models.json")["cases"]:
        cid, config = case["id"], case["config"]
        params = leaf_params(case["params"])
        x = j2t(case["input"], torch.int64) if is_ids(config) else j2t(case["input"]).requires_grad_()
        out = model_forward(config, params, x)
        close(cid + " output", out, j2t(case["output"]))
        (out * j2t(case["lossWeight"])).sum().backward()
        for k, p in params.items():
            close(f"{cid} grad {k}", p.grad, j2t(case["grads"]["params"][k]))
        if "x" in case["grads"]:
            close(cid + " grad x", x.grad, j2t(case["grads"]["x"]))


# ---- losses --------------------------------------------------------------------------------

def loss_value(kind, options, pred, target):
    if kind == "mse":
        return ((pred - target) ** 2).mean()
    if kind == "mae":
        return (pred - target).abs().mean()
    if kind == "huber":
        delta, a = options["delta"], (pred - target).abs()
        return torch.where(a < delta, 0.5 * a ** 2, delta * (a - 0.5 * delta)).mean()
    if kind == "crossentropy":
        ids = target.long()
        return (torch.logsumexp(pred, -1) - pred.gather(-1, ids.unsqueeze(-1)).squeeze(-1)).mean()
    if kind == "bce":
        return -(target * pred.log().clamp(min=-100) + (1 - target) * (1 - pred).log().clamp(min=-100)).mean()
    if kind == "bceWithLogits":
        # = max(z,0) - z*y + log1p(exp(-|z|)); written with logsigmoid so autograd gives
        # sigmoid(z) - y at z = 0 too (the max/abs form's subgradients give 1 - y there)
        ls = torch.nn.functional.logsigmoid
        return -(target * ls(pred) + (1 - target) * ls(-pred)).mean()
    raise ValueError(kind)


def verify_losses():
    for case in load("losses.json")["cases"]:
        pred = j2t(case["input"]).requires_grad_()
        target = j2t(case["target"])
        value = loss_value(case["loss"], case["options"], pred, target)
        close(case["id"] + " value", value, case["value"])
        value.backward()
        close(case["id"] + " grad", pred.grad, j2t(case["grad"]))


# ---- optimizers: the README's update rules, written out ----------------------------------------

class Optimizer:
    def __init__(self, spec):
        self.spec, self.t, self.state = spec, 0, {}

    def step(self, params, grads):
        s = self.spec
        self.t += 1
        for k in params:
            p, g = params[k], grads[k].clone()
            st = self.state.setdefault(k, {})
            if s["type"] == "adamw":
                p = p * (1 - s["lr"] * s["weightDecay"])
            elif s["weightDecay"]:
                g = g + s["weightDecay"] * p
            if s["type"] == "sgd":
                if s["momentum"]:
                    buf = g if "buf" not in st else s["momentum"] * st["buf"] + (1 - s["dampening"]) * g
                    st["buf"] = buf
                    g = g + s["momentum"] * buf if s["nesterov"] else buf
                p = p - s["lr"] * g
            elif s["type"] in ("adam", "adamw"):
                b1, b2 = s["beta1"], s["beta2"]
                st["m"] = b1 * st.get("m", 0) + (1 - b1) * g
                st["v"] = b2 * st.get("v", 0) + (1 - b2) * g * g
                denom = st["v"].sqrt() / math.sqrt(1 - b2 ** self.t) + s["eps"]
                p = p - s["lr"] / (1 - b1 ** self.t) * st["m"] / denom
            else:  # rmsprop
                a = s["alpha"]
                st["v"] = a * st.get("v", 0) + (1 - a) * g * g
                v = st["v"]
                if s["centered"]:
                    st["g"] = a * st.get("g", 0) + (1 - a) * g
                    v = v - st["g"] ** 2
                avg = v.sqrt() + s["eps"]
                if s["momentum"]:
                    st["buf"] = s["momentum"] * st.get("buf", 0) + g / avg
                    p = p - s["lr"] * st["buf"]
                else:
                    p = p - s["lr"] * g / avg
            params[k] = p


def clip(grads, spec):
    norm = math.sqrt(sum(float((g ** 2).sum()) for g in grads.values()))
    if spec is None:
        return grads, norm
    if spec["type"] == "norm":
        coef = min(1.0, spec["maxNorm"] / (norm + 1e-6))
        return {k: g * coef for k, g in grads.items()}, norm
    v = spec["clipValue"]
    return {k: g.clamp(-v, v) for k, g in grads.items()}, norm


def train_step(config, params, opt, clip_spec, loss_kind, x, y):
    leaves = {k: v.detach().requires_grad_() for k, v in params.items()}
    loss = loss_value(loss_kind, {}, model_forward(config, leaves, x), y)
    loss.backward()
    grads, norm = clip({k: v.grad for k, v in leaves.items()}, clip_spec)
    opt.step(params, grads)
    return float(loss), norm


def verify_optimizers():
    data = load("optimizers.json")
    setup = data["setup"]
    x, y = j2t(setup["x"]), j2t(setup["y"])
    for case in data["cases"]:
        params = {k: j2t(v) for k, v in setup["initialParams"].items()}
        opt = Optimizer(case["optimizer"])
        for i, want in enumerate(case["steps"]):
            loss, norm = train_step(setup["config"], params, opt, case["clip"], setup["loss"], x, y)
            close(f"{case['id']} step {i} loss", loss, want["loss"], rtol=1e-8)
            close(f"{case['id']} step {i} gradNorm", norm, want["gradNorm"], rtol=1e-8)
            for k, p in params.items():
                close(f"{case['id']} step {i} {k}", p, j2t(want["params"][k]), rtol=1e-8, atol=1e-10)
    for case in data["train"]:
        ids = is_ids(case["config"])
        x = j2t(case["x"], torch.int64) if ids else j2t(case["x"])
        y = j2t(case["y"], torch.int64) if case["loss"] == "crossentropy" else j2t(case["y"])
        params = {k: j2t(v) for k, v in case["initialParams"].items()}
        opt, n, losses = Optimizer(case["optimizer"]), x.shape[0], []
        for _ in range(case["epochs"]):
            for s in range(0, n, case["batchSize"]):
                e = min(s + case["batchSize"], n)
                losses.append(train_step(case["config"], params, opt, case["clip"], case["loss"],
                                         x[s:e], y[s:e])[0])
        close(case["id"] + " losses", losses, case["stepLosses"], rtol=1e-8)
        for k, p in params.items():
            close(f"{case['id']} final {k}", p, j2t(case["finalParams"][k]), rtol=1e-8, atol=1e-10)


def main():
    for fn in (verify_layers, verify_models, verify_losses, verify_optimizers):
        fn()
        print(f"{fn.__name__}: ok")


if __name__ == "__main__":
    main()
