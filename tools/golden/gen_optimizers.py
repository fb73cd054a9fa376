"""optimizers.json: optimizer steps on a small model, and `rnn train` runs mirrored in PyTorch."""
import json
import os

import torch
import torch.nn as nn

from common import GOLDEN_DIR, ConfigModel, f32_randn, params_json, round_params_to_f32, t2j
from safetensors_io import write as write_safetensors

STEPS = 5
SMALL = {"inputSize": 4, "layers": [
    {"type": "lstm", "name": "lstm", "hiddenSize": 3, "numLayers": 1, "bidirectional": False,
     "returnSequences": False},
    {"type": "dense", "name": "fc", "units": 1, "activation": "linear"}]}
CHAR = {"layers": [
    {"type": "embedding", "name": "emb", "numEmbeddings": 11, "embeddingDim": 4},
    {"type": "lstm", "name": "lstm", "hiddenSize": 5, "numLayers": 1, "bidirectional": False,
     "returnSequences": True},
    {"type": "dense", "name": "fc", "units": 11, "activation": "linear"}]}


def sgd(lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    return {"type": "sgd", "lr": lr, "momentum": momentum, "dampening": 0.0, "nesterov": nesterov,
            "weightDecay": weight_decay}


def adam(lr, weight_decay=0.0, decoupled=False):
    return {"type": "adamw" if decoupled else "adam", "lr": lr, "beta1": 0.9, "beta2": 0.999,
            "eps": 1e-8, "weightDecay": weight_decay}


def rmsprop(lr, momentum=0.0, centered=False):
    return {"type": "rmsprop", "lr": lr, "alpha": 0.99, "eps": 1e-8, "weightDecay": 0.0,
            "momentum": momentum, "centered": centered}


def build_optimizer(spec, params):
    kind = spec["type"]
    if kind == "sgd":
        return torch.optim.SGD(params, lr=spec["lr"], momentum=spec["momentum"],
                               dampening=spec["dampening"], nesterov=spec["nesterov"],
                               weight_decay=spec["weightDecay"])
    if kind in ("adam", "adamw"):
        cls = torch.optim.AdamW if kind == "adamw" else torch.optim.Adam
        return cls(params, lr=spec["lr"], betas=(spec["beta1"], spec["beta2"]), eps=spec["eps"],
                   weight_decay=spec["weightDecay"])
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=spec["lr"], alpha=spec["alpha"], eps=spec["eps"],
                                   weight_decay=spec["weightDecay"], momentum=spec["momentum"],
                                   centered=spec["centered"])
    raise ValueError(kind)


CASES = [
    ("sgd", sgd(0.1), None),
    ("sgd-momentum", sgd(0.1, momentum=0.9), None),
    ("sgd-nesterov", sgd(0.1, momentum=0.9, nesterov=True), None),
    ("sgd-weight-decay", sgd(0.1, weight_decay=0.01), None),
    ("adam", adam(1e-2), None),
    ("adam-weight-decay", adam(1e-2, weight_decay=0.01), None),
    ("adamw", adam(1e-2, weight_decay=0.01, decoupled=True), None),
    ("rmsprop", rmsprop(1e-2), None),
    ("rmsprop-momentum-centered", rmsprop(1e-2, momentum=0.9, centered=True), None),
    ("adam-clip-norm", adam(1e-2), {"type": "norm", "maxNorm": 0.5}),
    ("adam-clip-value", adam(1e-2), {"type": "value", "clipValue": 0.1}),
    # Adam barely notices weight decay 0.01 (decoupled) or clipping over 5 steps (its update is
    # nearly scale-free), so these make the difference far larger than the test tolerance.
    ("adamw-strong", adam(1e-2, weight_decay=1.0, decoupled=True), None),
    ("sgd-clip-norm", sgd(0.1), {"type": "norm", "maxNorm": 0.5}),
    ("sgd-clip-value", sgd(0.1), {"type": "value", "clipValue": 0.1}),
]


def grad_norm(model):
    return float(torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters())))


def one_step(model, opt, loss_fn, x, y, clip):
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    norm = grad_norm(model)
    if clip is not None and clip["type"] == "norm":
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip["maxNorm"])
    elif clip is not None:
        torch.nn.utils.clip_grad_value_(model.parameters(), clip["clipValue"])
    opt.step()
    return float(loss), norm


def fresh_model(config, seed):
    torch.manual_seed(seed)
    model = ConfigModel(config).double()
    round_params_to_f32(model)
    return model


def mse(pred, y):
    return nn.functional.mse_loss(pred, y)


def crossentropy(logits, y):
    if logits.dim() == 3:  # [B, T, C] -> [B, C, T]: mean over every (b, t) position
        logits = logits.transpose(1, 2)
    return nn.functional.cross_entropy(logits, y)


def optimizer_cases():
    model = fresh_model(SMALL, 4000)
    x, y = f32_randn(6, 5, 4), f32_randn(6, 1, scale=2.0)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    cases = []
    for case_id, spec, clip in CASES:
        model.load_state_dict(initial)
        opt = build_optimizer(spec, model.parameters())
        steps = []
        for _ in range(STEPS):
            loss, norm = one_step(model, opt, mse, x, y, clip)
            steps.append({"loss": loss, "gradNorm": norm, "params": params_json(model)})
        cases.append({"id": case_id, "optimizer": spec, "clip": clip, "steps": steps})
    return {"config": SMALL, "loss": "mse", "x": t2j(x), "y": t2j(y),
            "initialParams": {k: t2j(v) for k, v in initial.items()}}, cases


def write_train_files(case_id, model, x, y):
    tensors = {k: ("F32", list(v.shape), v.float().reshape(-1).tolist())
               for k, v in model.state_dict().items()}
    meta = {"rnn.format": "1", "rnn.config": json.dumps(model.config, separators=(",", ":"))}
    base = os.path.join(GOLDEN_DIR, f"train-{case_id}")
    write_safetensors(base + ".init.safetensors", tensors, meta)
    for suffix, t in ((".x.json", x), (".y.json", y)):
        with open(base + suffix, "w") as f:
            json.dump(t.tolist(), f, separators=(",", ":"))
            f.write("\n")
    return {"model": f"train-{case_id}.init.safetensors", "x": f"train-{case_id}.x.json",
            "y": f"train-{case_id}.y.json"}


def train_case(case_id, config, seed, x, y, loss_name, spec, batch_size, epochs, clip_norm=None):
    model = fresh_model(config, seed)
    initial = params_json(model)
    files = write_train_files(case_id, model, x, y)
    loss_fn = mse if loss_name == "mse" else crossentropy
    opt = build_optimizer(spec, model.parameters())
    clip = None if clip_norm is None else {"type": "norm", "maxNorm": clip_norm}
    n = x.shape[0]
    batches = [[s, min(s + batch_size, n)] for s in range(0, n, batch_size)]
    losses, norms = [], []
    for _ in range(epochs):
        for s, e in batches:
            loss, norm = one_step(model, opt, loss_fn, x[s:e], y[s:e], clip)
            losses.append(loss)
            norms.append(norm)
    cli = ["rnn", "train", "--model", files["model"], "--x", files["x"], "--y", files["y"],
           "--out", "OUT.safetensors", "--no-shuffle", "--batch-size", str(batch_size),
           "--epochs", str(epochs), "--optimizer", spec["type"], "--lr", repr(spec["lr"]),
           "--loss", loss_name]
    if clip_norm is not None:
        cli += ["--clip-norm", repr(clip_norm)]
    return {"id": case_id, "cli": cli, "files": files, "config": config, "loss": loss_name,
            "optimizer": spec, "clip": clip, "batchSize": batch_size, "epochs": epochs,
            "batches": batches, "x": t2j(x), "y": t2j(y), "initialParams": initial,
            "stepLosses": losses, "stepGradNorms": norms,
            "finalParams": params_json(model)}


def train_cases():
    torch.manual_seed(4100)
    x, y = f32_randn(10, 5, 4), f32_randn(10, 1, scale=2.0)
    ids = torch.randint(0, 11, (10, 7))
    cx, cy = ids[:, :-1].contiguous(), ids[:, 1:].contiguous()
    return [
        train_case("mse-adam", SMALL, 4200, x, y, "mse", adam(0.01), 4, 2),
        train_case("crossentropy-adam-char", CHAR, 4300, cx, cy, "crossentropy", adam(0.01), 4, 2),
        train_case("mse-sgd-clip-norm", SMALL, 4200, x, y, "mse", sgd(0.1), 4, 2, clip_norm=0.5),
    ]


def generate():
    setup, cases = optimizer_cases()
    return {"setup": setup, "stepsPerCase": STEPS, "cases": cases, "train": train_cases()}
