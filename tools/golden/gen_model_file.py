"""pytorch-lstm-dense.safetensors (+ .json): a model trained in PyTorch float32, saved by name."""
import os

import torch

import model_file
from common import GOLDEN_DIR, ConfigModel, t2j

CONFIG = {"inputSize": 4, "layers": [
    {"type": "lstm", "name": "lstm", "hiddenSize": 6, "numLayers": 2, "bidirectional": True,
     "returnSequences": False},
    {"type": "dense", "name": "fc", "units": 2, "activation": "linear"}]}
NAME = "pytorch-lstm-dense"


def generate():
    torch.manual_seed(5000)
    model = ConfigModel(CONFIG)  # float32 throughout, as a user would train it
    x, y = torch.randn(16, 5, 4), torch.randn(16, 2)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(30):
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()
    path = os.path.join(GOLDEN_DIR, NAME + ".safetensors")
    model_file.save(path, model, "F32")
    loaded, _, _ = model_file.load(path)  # round trip through our own reader
    probe = torch.randn(3, 5, 4)
    with torch.no_grad():
        out = model.eval()(probe)
        assert torch.equal(out, loaded(probe))
    return {"file": NAME + ".safetensors", "config": CONFIG, "dtype": "float32",
            "input": t2j(probe), "output": t2j(out)}
