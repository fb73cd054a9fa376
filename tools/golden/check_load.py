#!/usr/bin/python3
"""Load a model file written by our code into torch modules by name and print PyTorch's prediction.

usage: /usr/bin/python3 tools/golden/check_load.py MODEL.safetensors INPUT.json

INPUT.json holds nested arrays ([batch][time][feature], or [batch][time] integer ids for an
embedding-first model) or a {"shape", "data"} tensor. Prints the prediction as nested JSON arrays.
Exits 1 with one line on stderr if the file does not load strictly (missing/extra/misshapen tensor).
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import model_file  # noqa: E402


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        model, config, dtype = model_file.load(argv[1])
    except Exception as e:  # one clear line, not a traceback
        print(f"check_load: {argv[1]}: {e}".replace("\n", " "), file=sys.stderr)
        return 1
    with open(argv[2]) as f:
        raw = json.load(f)
    if isinstance(raw, dict):
        raw = torch.tensor(raw["data"]).reshape(raw["shape"]).tolist()
    ids = config["layers"][0]["type"] == "embedding"
    x = torch.tensor(raw, dtype=torch.int64 if ids else dtype)
    with torch.no_grad():
        y = model(x)
    json.dump(y.tolist(), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
