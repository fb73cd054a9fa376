"""models.json: whole models built from model-file configs, forward + gradients."""
import torch

from common import ConfigModel, f32_randn, grads_json, params_json, round_params_to_f32, t2j

B, T = 3, 5


def rec(kind, name, hidden, num_layers=1, bidirectional=False, return_sequences=True, nonlinearity=None):
    layer = {"type": kind, "name": name, "hiddenSize": hidden, "numLayers": num_layers,
             "bidirectional": bidirectional, "returnSequences": return_sequences}
    if nonlinearity is not None:
        layer["nonlinearity"] = nonlinearity
    return layer


def dense(name, units, activation="linear"):
    return {"type": "dense", "name": name, "units": units, "activation": activation}


MODELS = [
    ("lstm-dense", {"inputSize": 4, "layers": [
        rec("lstm", "lstm", 5, return_sequences=False), dense("fc", 2)]}),
    ("bigru-seq-dense-tanh", {"inputSize": 4, "layers": [
        rec("gru", "gru", 3, bidirectional=True), dense("fc", 2, "tanh")]}),
    ("char-embedding-lstm2-dense", {"layers": [
        {"type": "embedding", "name": "emb", "numEmbeddings": 11, "embeddingDim": 4},
        rec("lstm", "lstm", 5, num_layers=2), dense("fc", 11)]}),
    ("rnn-dense-activations", {"inputSize": 4, "layers": [
        rec("rnn", "rnn", 4, return_sequences=False, nonlinearity="tanh"),
        dense("fc1", 5, "relu"), dense("fc2", 4, "sigmoid"), dense("fc3", 3, "softmax")]}),
    ("birnn-relu-l2-last-dense", {"inputSize": 4, "layers": [
        rec("rnn", "rnn", 3, num_layers=2, bidirectional=True, return_sequences=False,
            nonlinearity="relu"), dense("fc", 1)]}),
    ("lstm-gru-stack-named", {"inputSize": 4, "layers": [
        rec("lstm", "enc", 4), rec("gru", "dec", 3, bidirectional=True, return_sequences=False),
        dense("head", 2, "sigmoid")]}),
    ("dense-softmax-3d", {"inputSize": 4, "layers": [dense("fc", 3, "softmax")]}),
]


def make_case(seed, case_id, config):
    torch.manual_seed(seed)
    model = ConfigModel(config).double()
    round_params_to_f32(model)
    first = config["layers"][0]
    if first["type"] == "embedding":
        x = torch.randint(0, first["numEmbeddings"], (B, T))
    else:
        x = f32_randn(B, T, config["inputSize"]).requires_grad_()
    out = model(x)
    weight = f32_randn(*out.shape)
    loss = (out * weight).sum()
    loss.backward()
    grads = {"params": grads_json(model)}
    if x.is_floating_point():
        grads["x"] = t2j(x.grad)
    return {
        "id": case_id,
        "config": config,
        "input": t2j(x),
        "params": params_json(model),
        "output": t2j(out),
        "lossWeight": t2j(weight),
        "loss": float(loss),
        "grads": grads,
    }


def generate():
    return {"cases": [make_case(2000 + i, cid, cfg) for i, (cid, cfg) in enumerate(MODELS)]}
