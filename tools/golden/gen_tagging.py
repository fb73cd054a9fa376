#!/usr/bin/python3
"""tagging.json: the linear-chain CRF and a small BiLSTM-CRF tagger, in PyTorch.

usage: /usr/bin/python3 tools/golden/gen_tagging.py   (also run by generate.py)

Independent of our batching on purpose: the CRF is written per sentence (no padding) and checked
against brute-force enumeration of every tag path; the tagger runs its character CNN one word at
a time (PyTorch's nn.Conv1d, padding kernel//2, max over positions) and its BiLSTM with
pack_padded_sequence. pytorch-crf's conventions and names (transitions[i][j] = i followed by j,
start_transitions, end_transitions).
"""
import itertools
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

from common import f32_randn, round_params_to_f32, t2j, write_json  # noqa: E402


def crf_nll(e, tags, trans, start, end):
    """−log p(tags) of one sentence: e [L, K], tags [L]."""
    L = e.shape[0]
    alpha = start + e[0]
    for t in range(1, L):
        alpha = torch.logsumexp(alpha.unsqueeze(1) + trans + e[t].unsqueeze(0), dim=0)
    log_z = torch.logsumexp(alpha + end, dim=0)
    gold = start[tags[0]] + e[0, tags[0]] + end[tags[L - 1]]
    for t in range(1, L):
        gold = gold + trans[tags[t - 1], tags[t]] + e[t, tags[t]]
    return log_z - gold


def path_score(e, path, trans, start, end):
    s = start[path[0]] + e[0, path[0]] + end[path[-1]]
    for t in range(1, len(path)):
        s = s + trans[path[t - 1], path[t]] + e[t, path[t]]
    return s


def brute_force(e, trans, start, end):
    """(log Z, best path, best score) by enumerating all K^L paths."""
    L, K = e.shape
    scores = {p: path_score(e, p, trans, start, end) for p in itertools.product(range(K), repeat=L)}
    best = max(scores, key=lambda p: (scores[p].item(), [-v for v in p]))
    return torch.logsumexp(torch.stack(list(scores.values())), 0), list(best), scores[best]


def crf_case():
    torch.manual_seed(17)
    B, T, K = 3, 4, 3
    lengths = [4, 2, 1]
    e = f32_randn(B, T, K).requires_grad_()
    trans = f32_randn(K, K, scale=0.5).requires_grad_()
    start = f32_randn(K, scale=0.5).requires_grad_()
    end = f32_randn(K, scale=0.5).requires_grad_()
    tags = torch.randint(0, K, (B, T))
    nll = torch.stack([crf_nll(e[b, :lengths[b]], tags[b, :lengths[b]], trans, start, end) for b in range(B)])
    paths, best_scores = [], []
    for b in range(B):
        log_z, best, score = brute_force(e[b, :lengths[b]].detach(), trans.detach(), start.detach(), end.detach())
        gold = path_score(e[b, :lengths[b]].detach(), tags[b, :lengths[b]].tolist(), trans.detach(), start.detach(), end.detach())
        assert abs((log_z - gold).item() - nll[b].item()) < 1e-9, "forward algorithm disagrees with enumeration"
        paths.append(best)
        best_scores.append(score.item())
    loss = nll.mean()
    loss.backward()
    return {
        "dims": {"batch": B, "time": T, "tags": K},
        "lengths": lengths,
        "emissions": t2j(e), "tags": t2j(tags), "transitions": t2j(trans), "start": t2j(start), "end": t2j(end),
        "nll": t2j(nll), "loss": loss.item(),
        "grads": {"emissions": t2j(e.grad), "transitions": t2j(trans.grad), "start": t2j(start.grad), "end": t2j(end.grad)},
        "viterbi": {"tags": paths, "scores": best_scores},
    }


class Tagger(nn.Module):
    """The tagger of docs/model-file.md § "tagger", attribute names = tensor names under `tagger.`."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        ch = c["chars"]
        self.word_embedding = nn.Embedding(c["numWords"], c["wordDim"])
        self.char_embedding = nn.Embedding(ch["numChars"], ch["embeddingDim"])
        self.char_cnn = nn.Conv1d(ch["embeddingDim"], ch["filters"], ch["kernelSize"], padding=ch["kernelSize"] // 2)
        self.lstm = nn.LSTM(c["wordDim"] + ch["filters"], c["hiddenSize"], num_layers=c["numLayers"],
                            bidirectional=True, batch_first=True)
        self.fc = nn.Linear(2 * c["hiddenSize"], c["numTags"])
        if c["crf"]:
            K = c["numTags"]
            self.transitions = nn.Parameter(torch.empty(K, K).uniform_(-0.1, 0.1))
            self.start_transitions = nn.Parameter(torch.empty(K).uniform_(-0.1, 0.1))
            self.end_transitions = nn.Parameter(torch.empty(K).uniform_(-0.1, 0.1))

    def char_features(self, ids):
        x = self.char_embedding(torch.tensor(ids)).t().unsqueeze(0)  # [1, C, n]
        return self.char_cnn(x).squeeze(0).max(dim=1).values          # [F]

    def loss(self, sentences):
        B = len(sentences)
        lengths = [len(s["words"]) for s in sentences]
        T = max(lengths)
        rows = []
        for s in sentences:
            xs = [torch.cat([self.word_embedding.weight[w], self.char_features(cs)])
                  for w, cs in zip(s["words"], s["chars"])]
            x = torch.stack(xs)
            rows.append(torch.cat([x, x.new_zeros(T - len(xs), x.shape[1])]))
        packed = pack_padded_sequence(torch.stack(rows), lengths, batch_first=True, enforce_sorted=False)
        h, _ = pad_packed_sequence(self.lstm(packed)[0], batch_first=True, total_length=T)
        e = self.fc(h)
        total = 0
        for b, s in enumerate(sentences):
            L, tags = lengths[b], torch.tensor(s["tags"])
            if self.c["crf"]:
                total = total + crf_nll(e[b, :L], tags, self.transitions, self.start_transitions, self.end_transitions)
            else:
                total = total - torch.log_softmax(e[b, :L], -1).gather(1, tags.unsqueeze(1)).sum()
        return total / B

    def named_tensors(self):
        rename = {"transitions": "crf.transitions", "start_transitions": "crf.start_transitions",
                  "end_transitions": "crf.end_transitions"}
        return {"tagger." + rename.get(k, k): v for k, v in self.named_parameters()}


def tagger_case(crf, seed):
    torch.manual_seed(seed)
    config = {"type": "tagger", "name": "tagger", "numWords": 7, "wordDim": 4,
              "chars": {"numChars": 6, "embeddingDim": 3, "filters": 4, "kernelSize": 3, "maxWordLength": 20},
              "hiddenSize": 3, "numLayers": 2 if crf else 1, "numTags": 4, "crf": crf, "dropout": 0}
    model = Tagger(config).double()
    round_params_to_f32(model)
    words = [[1, 5, 0, 2, 6], [3, 1], [4, 4, 2]]
    chars = [[[1, 2], [3], [0, 5, 1, 2, 4], [2, 2, 3], [5]], [[4, 1, 1], [1, 2]], [[3, 3, 0, 1], [2], [5, 4]]]
    tags = [[0, 1, 2, 0, 3], [1, 0], [3, 3, 2]]
    sentences = [{"words": w, "chars": c, "tags": t} for w, c, t in zip(words, chars, tags)]
    params = {k: t2j(v) for k, v in model.named_tensors().items()}
    loss = model.loss(sentences)
    loss.backward()
    grads = {k: t2j(v.grad) for k, v in model.named_tensors().items()}
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    opt.step()
    after = {k: t2j(v) for k, v in model.named_tensors().items()}
    with torch.no_grad():
        loss_after = model.loss(sentences).item()
    return {"id": "bilstm-crf" if crf else "bilstm-softmax", "config": config, "sentences": sentences,
            "params": params, "loss": loss.item(), "grads": grads,
            "adam": {"lr": 0.01, "params": after, "loss": loss_after}}


def generate():
    return {"crf": crf_case(), "taggers": [tagger_case(True, 5), tagger_case(False, 6)]}


def main():
    torch.set_num_threads(1)
    header = {"generator": "tools/golden/gen_tagging.py", "torch": torch.__version__, "dtype": "float64"}
    path = write_json("tagging.json", {**header, **generate()})
    print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
