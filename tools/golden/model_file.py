"""The model file (contracts/model-file.md) to and from a torch ConfigModel."""
import json

import torch

from common import ConfigModel
from safetensors_io import read, write

_TORCH = {"F32": torch.float32, "F64": torch.float64}


def save(path, model, dtype="F32"):
    cast = torch.float32 if dtype == "F32" else torch.float64
    tensors = {k: (dtype, list(v.shape), v.detach().to(cast).reshape(-1).tolist())
               for k, v in model.state_dict().items()}
    meta = {"rnn.format": "1", "rnn.config": json.dumps(model.config, separators=(",", ":"))}
    write(path, tensors, meta)


def load(path):
    """A ConfigModel with the file's weights (load_state_dict strict), in the file's float dtype."""
    meta, tensors = read(path)
    if meta.get("rnn.format") != "1":
        raise ValueError(f"{path}: __metadata__ rnn.format is {meta.get('rnn.format')!r}, expected '1'")
    if "rnn.config" not in meta:
        raise ValueError(f"{path}: __metadata__ has no rnn.config")
    config = json.loads(meta["rnn.config"])
    dtypes = {dt for dt, _, _ in tensors.values()}
    if not dtypes <= set(_TORCH) or len(dtypes) > 1:
        raise ValueError(f"{path}: expected all tensors F32 or all F64, found {sorted(dtypes)}")
    dtype = _TORCH[dtypes.pop()] if dtypes else torch.float32
    model = ConfigModel(config).to(dtype)
    state = {k: torch.tensor(data, dtype=dtype).reshape(shape) for k, (_, shape, data) in tensors.items()}
    model.load_state_dict(state, strict=True)
    model.eval()
    return model, config, dtype
