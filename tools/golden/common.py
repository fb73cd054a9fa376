"""Shared pieces: JSON tensor encoding and a torch model built from a model-file config.

The torch modules are registered under each layer's config `name`, so `state_dict()` keys are
exactly the contract's tensor names (`lstm.weight_ih_l0`, `fc.bias`, ...).
"""
import json
import os

import torch
import torch.nn as nn

GOLDEN_DIR = os.path.normpath(
    os.path.join(os.path.dirname(__file__), "..", "..", "packages", "layers", "test", "golden")
)
RECURRENT = {"rnn": (nn.RNN, 1), "lstm": (nn.LSTM, 4), "gru": (nn.GRU, 3)}


def t2j(t):
    """A tensor as {"shape", "data"}: flat row-major; floats as Python floats (repr round-trips)."""
    t = t.detach().contiguous()
    if t.dtype in (torch.int64, torch.int32):
        data = [int(v) for v in t.reshape(-1).tolist()]
    else:
        data = [float(v) for v in t.reshape(-1).tolist()]
    return {"shape": list(t.shape), "data": data}


def j2t(obj, dtype=torch.float64):
    if isinstance(obj, dict):
        return torch.tensor(obj["data"], dtype=dtype).reshape(obj["shape"])
    return torch.tensor(obj, dtype=dtype)


def f32_randn(*shape, scale=1.0):
    """float64 values that are exactly representable in float32 (so F32 tests start identical)."""
    return (torch.randn(*shape, dtype=torch.float32) * scale).double()


def round_params_to_f32(module):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(p.float().double())


def params_json(module):
    return {k: t2j(v) for k, v in module.state_dict().items()}


def grads_json(module):
    return {k: t2j(p.grad) for k, p in module.named_parameters()}


def expected_names(config):
    """Tensor names and shapes the contract prescribes for a config."""
    out = {}
    width = config.get("inputSize")
    for layer in config["layers"]:
        kind, name = layer["type"], layer["name"]
        if kind in RECURRENT:
            g, h = RECURRENT[kind][1], layer["hiddenSize"]
            d = 2 if layer.get("bidirectional", False) else 1
            for k in range(layer.get("numLayers", 1)):
                in_k = width if k == 0 else d * h
                for suffix in [""] + (["_reverse"] if d == 2 else []):
                    out[f"{name}.weight_ih_l{k}{suffix}"] = [g * h, in_k]
                    out[f"{name}.weight_hh_l{k}{suffix}"] = [g * h, h]
                    out[f"{name}.bias_ih_l{k}{suffix}"] = [g * h]
                    out[f"{name}.bias_hh_l{k}{suffix}"] = [g * h]
            width = d * h
        elif kind == "dense":
            out[f"{name}.weight"] = [layer["units"], width]
            out[f"{name}.bias"] = [layer["units"]]
            width = layer["units"]
        elif kind == "embedding":
            out[f"{name}.weight"] = [layer["numEmbeddings"], layer["embeddingDim"]]
            width = layer["embeddingDim"]
        else:
            raise ValueError(f"unknown layer type {kind}")
    return out


def last_state(h_n, layer):
    """returnSequences:false output: top layer's final state(s), forward first."""
    if layer.get("bidirectional", False):
        return torch.cat([h_n[-2], h_n[-1]], dim=-1)
    return h_n[-1]


_ACT = {
    "linear": lambda y: y,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "softmax": lambda y: torch.softmax(y, dim=-1),
}


class ConfigModel(nn.Module):
    """A model-file config as torch modules, batch-first, named by each layer's `name`."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        width = config.get("inputSize")
        for layer in config["layers"]:
            kind = layer["type"]
            if kind in RECURRENT:
                cls = RECURRENT[kind][0]
                kw = dict(
                    input_size=width,
                    hidden_size=layer["hiddenSize"],
                    num_layers=layer.get("numLayers", 1),
                    bidirectional=layer.get("bidirectional", False),
                    batch_first=True,
                )
                if kind == "rnn":
                    kw["nonlinearity"] = layer.get("nonlinearity", "tanh")
                mod = cls(**kw)
                width = layer["hiddenSize"] * (2 if kw["bidirectional"] else 1)
            elif kind == "dense":
                mod = nn.Linear(width, layer["units"])
                width = layer["units"]
            elif kind == "embedding":
                mod = nn.Embedding(layer["numEmbeddings"], layer["embeddingDim"])
                width = layer["embeddingDim"]
            else:
                raise ValueError(f"unknown layer type {kind}")
            self.add_module(layer["name"], mod)
        want = expected_names(config)
        got = {k: list(v.shape) for k, v in self.state_dict().items()}
        assert got == want, f"state_dict names/shapes differ from the contract:\n{got}\n{want}"

    def forward(self, x):
        for layer in self.config["layers"]:
            mod = getattr(self, layer["name"])
            kind = layer["type"]
            if kind in RECURRENT:
                out, state = mod(x)
                h_n = state[0] if kind == "lstm" else state
                x = out if layer.get("returnSequences", True) else last_state(h_n, layer)
            elif kind == "dense":
                x = _ACT[layer.get("activation", "linear")](mod(x))
            else:
                x = mod(x)
        return x


def write_json(name, obj):
    os.makedirs(GOLDEN_DIR, exist_ok=True)
    path = os.path.join(GOLDEN_DIR, name)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    return path
