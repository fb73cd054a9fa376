#!/usr/bin/python3
"""Regenerate every PyTorch reference file under packages/layers/test/golden/.

usage: /usr/bin/python3 tools/golden/generate.py     (PyTorch 1.13, Debian python3-torch)
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import gen_layers  # noqa: E402
import gen_losses  # noqa: E402
import gen_model_file  # noqa: E402
import gen_models  # noqa: E402
import gen_optimizers  # noqa: E402
import gen_tagging  # noqa: E402
import verify  # noqa: E402
from common import GOLDEN_DIR, write_json  # noqa: E402


def main():
    torch.set_num_threads(1)  # same summation order on every machine
    header = {"generator": "tools/golden/generate.py", "torch": torch.__version__, "dtype": "float64"}
    os.makedirs(GOLDEN_DIR, exist_ok=True)
    outputs = [
        ("layers.json", {**header, **gen_layers.generate()}),
        ("models.json", {**header, **gen_models.generate()}),
        ("losses.json", {**header, **gen_losses.generate()}),
        ("optimizers.json", {**header, **gen_optimizers.generate()}),
        (gen_model_file.NAME + ".json", {**header, "dtype": "float32", **gen_model_file.generate()}),
        ("tagging.json", {**header, "generator": "tools/golden/gen_tagging.py", **gen_tagging.generate()}),
    ]
    for name, obj in outputs:
        path = write_json(name, obj)
        print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")
    verify.main()  # recompute everything from the README's equations


if __name__ == "__main__":
    main()
