"""The PyTorch side of the sequence workloads (tools/bench/lib/workloads.mjs: A, B, C), shared by
the bench worker (torch_worker.py) and the data-parallel reference (tools/mpi/ddp_bench.py), so
both time the same model on the same batch: optional Embedding, nn.LSTM/nn.GRU, Linear."""
import torch
from torch import nn


class SeqModel(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.per_step = w["perStep"]
        self.emb = nn.Embedding(w["vocab"], w["input"]) if w.get("vocab") else None
        rec = nn.LSTM if w.get("cell", "lstm") == "lstm" else nn.GRU
        self.rnn = rec(w["input"], w["hidden"], num_layers=w["layers"], batch_first=True)
        self.fc = nn.Linear(w["hidden"], w["output"])

    def forward(self, x):
        if self.emb is not None:
            x = self.emb(x)
        y, _ = self.rnn(x)
        return self.fc(y if self.per_step else y[:, -1])


def seq_data(w):
    """The workload's batch (x, y), from a generator seeded with 1."""
    g = torch.Generator().manual_seed(1)
    B, T = w["batch"], w["steps"]
    if w.get("vocab"):
        x = torch.randint(0, w["vocab"], (B, T), generator=g)
        y = torch.randint(0, w["vocab"], (B, T), generator=g)
    else:
        x = torch.rand(B, T, w["input"], generator=g) * 2 - 1
        y = torch.rand(B, w["output"], generator=g) * 2 - 1
    return x, y
