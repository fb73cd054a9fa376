"""layers.json: one recurrent layer (rnn tanh/relu, lstm, gru) forward + gradients."""
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from common import ConfigModel, f32_randn, grads_json, last_state, params_json, round_params_to_f32, t2j

B, T, I, H = 3, 5, 4, 3
LENGTHS = [5, 2, 4]
KINDS = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", None), ("gru", None)]
STACKS = [(1, False), (2, True)]


def layer_config(kind, nonlinearity, num_layers, bidirectional):
    layer = {"type": kind, "name": kind, "hiddenSize": H, "numLayers": num_layers,
             "bidirectional": bidirectional, "returnSequences": True}
    if nonlinearity is not None:
        layer["nonlinearity"] = nonlinearity
    return {"inputSize": I, "layers": [layer]}


def run_layer(mod, kind, x, lengths, h0, c0):
    hx = None
    if h0 is not None:
        hx = (h0, c0) if kind == "lstm" else h0
    if lengths is None:
        out, state = mod(x, hx)
    else:
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        out_p, state = mod(packed, hx)
        out, _ = pad_packed_sequence(out_p, batch_first=True, total_length=x.shape[1])
    h_n, c_n = state if kind == "lstm" else (state, None)
    return out, h_n, c_n


def check_lengths_semantics(mod, kind, x, lengths, h0, c0, out, h_n, c_n):
    """Packed result == each row run alone on its first `len` steps, zeros after."""
    with torch.no_grad():
        for b, n in enumerate(lengths):
            hb = None if h0 is None else h0[:, b:b + 1].contiguous()
            cb = None if c0 is None else c0[:, b:b + 1].contiguous()
            o, h, c = run_layer(mod, kind, x[b:b + 1, :n], None, hb, cb)
            assert torch.allclose(o[0], out[b, :n], atol=1e-12)
            assert torch.all(out[b, n:] == 0)
            assert torch.allclose(h[:, 0], h_n[:, b], atol=1e-12)
            if kind == "lstm":
                assert torch.allclose(c[:, 0], c_n[:, b], atol=1e-12)


def make_case(seed, kind, nonlinearity, num_layers, bidirectional, lengths, with_h0):
    torch.manual_seed(seed)
    config = layer_config(kind, nonlinearity, num_layers, bidirectional)
    model = ConfigModel(config).double()
    round_params_to_f32(model)
    mod = getattr(model, kind)
    d = 2 if bidirectional else 1
    x = f32_randn(B, T, I).requires_grad_()
    h0 = f32_randn(num_layers * d, B, H).requires_grad_() if with_h0 else None
    c0 = f32_randn(num_layers * d, B, H).requires_grad_() if with_h0 and kind == "lstm" else None
    out, h_n, c_n = run_layer(mod, kind, x, lengths, h0, c0)
    if lengths is not None:
        check_lengths_semantics(mod, kind, x, lengths, h0, c0, out, h_n, c_n)
    last = last_state(h_n, config["layers"][0])
    weights = {"output": f32_randn(*out.shape), "h_n": f32_randn(*h_n.shape)}
    loss = (out * weights["output"]).sum() + (h_n * weights["h_n"]).sum()
    if c_n is not None:
        weights["c_n"] = f32_randn(*c_n.shape)
        loss = loss + (c_n * weights["c_n"]).sum()
    loss.backward()

    name = kind + ("-relu" if nonlinearity == "relu" else "")
    case_id = "-".join([name, f"l{num_layers}", "bi" if bidirectional else "uni",
                        "lengths" if lengths else "full", "h0" if with_h0 else "zero"])
    inputs = {"x": t2j(x)}
    grads = {"params": grads_json(model), "x": t2j(x.grad)}
    if h0 is not None:
        inputs["h0"] = t2j(h0)
        grads["h0"] = t2j(h0.grad)
    if c0 is not None:
        inputs["c0"] = t2j(c0)
        grads["c0"] = t2j(c0.grad)
    outputs = {"output": t2j(out), "h_n": t2j(h_n), "last": t2j(last)}
    if c_n is not None:
        outputs["c_n"] = t2j(c_n)
    return {
        "id": case_id,
        "config": config,
        "lengths": lengths,
        "inputs": inputs,
        "params": params_json(model),
        "outputs": outputs,
        "lossWeights": {k: t2j(v) for k, v in weights.items()},
        "loss": float(loss),
        "grads": grads,
    }


def generate():
    cases = []
    seed = 1000
    for kind, nonlinearity in KINDS:
        for num_layers, bidirectional in STACKS:
            for lengths in (None, LENGTHS):
                for with_h0 in (False, True):
                    seed += 1
                    cases.append(make_case(seed, kind, nonlinearity, num_layers, bidirectional,
                                           lengths, with_h0))
    return {"dims": {"batch": B, "time": T, "input": I, "hidden": H}, "cases": cases}
