#!/usr/bin/python3
"""seq2seq.json: a PyTorch encoder-decoder with the same parameters and equations as @rnn/layers'
Seq2Seq (packages/layers/src/seq2seq/), on four real CMUdict pairs: teacher-forced logits,
attention and loss, the loss gradient, the parameters after one Adam step, and greedy and beam
(K=3) decoding results with the weights after 60 more Adam steps (`decodeParams`).

usage: /usr/bin/python3 tools/golden/gen_seq2seq.py     (also run by generate.py)

The model (names are the state_dict keys, as in the model file):
  encoder.embedding, encoder.rnn (nn.LSTM/GRU, packed by length), bridge.h/.c (nn.Linear, when
  D*He != Hd: h0 = tanh(bridge.h(s_h)), c0 = bridge.c(s_c); a GRU encoder gives c0 = 0; decoder
  layer k starts from encoder layer k when both have as many layers, else from the top one),
  decoder.embedding, decoder.rnn (nn.LSTM, input [emb; h~_{t-1}] with input feeding),
  attention: luong    score = (linear_in h_t) . h_s
             bahdanau score = v . tanh(linear_query h_t + linear_context h_s)
             h~_t = tanh(linear_out [c_t; h_t]); 'none': h~_t = h_t
  output (nn.Linear). Loss: CrossEntropyLoss(ignore_index=<pad>) over targets "y1..yn </s>".
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

from common import params_json, round_params_to_f32, t2j, write_json  # noqa: E402

SPECIALS = ["<pad>", "<unk>", "<s>", "</s>"]
PAD, UNK, BOS, EOS = 0, 1, 2, 3
FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "layers", "test", "fixtures", "cmudict", "slice.tsv")
ROWS = [1, 7, 0, 20]  # lines of the slice: lengths 5, 6, 1 and 10 characters (unsorted, with padding)
LR = 0.01
SMOOTHING = 0.1  # label smoothing of the "smoothed" loss
K = 3
TRAIN_STEPS = 60


def read_pairs():
    with open(FIXTURE, encoding="utf-8") as f:
        return [(list(w), p.split(" ")) for w, p in (line.rstrip("\n").split("\t") for line in f if line.strip())]


def build_vocab(seqs):
    """As SeqVocab.build: specials, then by count descending, ties in code-point order."""
    counts = {}
    for s in seqs:
        for t in s:
            counts[t] = counts.get(t, 0) + 1
    return SPECIALS + [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


class Seq2Seq(nn.Module):
    def __init__(self, c, vs, vt):
        super().__init__()
        e, d = c["encoder"], c["decoder"]
        self.c = c
        D = 2 if e["bidirectional"] else 1
        De, Hd = D * e["hiddenSize"], d["hiddenSize"]
        rnn = nn.LSTM if e["type"] == "lstm" else nn.GRU
        self.encoder = nn.Module()
        self.encoder.embedding = nn.Embedding(vs, c["sourceEmbeddingDim"])
        self.encoder.rnn = rnn(c["sourceEmbeddingDim"], e["hiddenSize"], e["numLayers"], batch_first=True, bidirectional=e["bidirectional"])
        if De != Hd:
            self.bridge = nn.Module()
            self.bridge.h = nn.Linear(De, Hd)
            if e["type"] == "lstm":
                self.bridge.c = nn.Linear(De, Hd)
        self.decoder = nn.Module()
        self.decoder.embedding = nn.Embedding(vt, c["targetEmbeddingDim"])
        self.decoder.rnn = nn.LSTM(c["targetEmbeddingDim"] + (Hd if c["inputFeeding"] else 0), Hd, d["numLayers"], batch_first=True)
        if c["attention"] != "none":
            self.attention = nn.Module()
            if c["attention"] == "luong":
                self.attention.linear_in = nn.Linear(Hd, De, bias=False)
            else:
                self.attention.linear_query = nn.Linear(Hd, Hd)
                self.attention.linear_context = nn.Linear(De, Hd, bias=False)
                self.attention.v = nn.Parameter(torch.empty(Hd).uniform_(-Hd ** -0.5, Hd ** -0.5))
            self.attention.linear_out = nn.Linear(De + Hd, Hd, bias=False)
        self.output = nn.Linear(Hd, vt)

    def encode(self, src, lengths):
        e = self.c["encoder"]
        D = 2 if e["bidirectional"] else 1
        B, Ts = src.shape
        packed = pack_padded_sequence(self.encoder.embedding(src), lengths, batch_first=True, enforce_sorted=False)
        out, state = self.encoder.rnn(packed)
        mem, _ = pad_packed_sequence(out, batch_first=True, total_length=Ts)
        hn, cn = state if e["type"] == "lstm" else (state, None)

        def per_layer(s):
            s = s.view(e["numLayers"], D, B, e["hiddenSize"])
            return [torch.cat([s[k, d] for d in range(D)], -1) for k in range(e["numLayers"])]

        hs = per_layer(hn)
        cs = per_layer(cn) if cn is not None else None
        Ld, Le = self.c["decoder"]["numLayers"], e["numLayers"]
        h0, c0 = [], []
        for k in range(Ld):
            src_k = k if Le == Ld else Le - 1
            h = hs[src_k]
            h0.append(torch.tanh(self.bridge.h(h)) if hasattr(self, "bridge") else h)
            if cs is None:
                c0.append(torch.zeros_like(h0[-1]))
            else:
                c0.append(self.bridge.c(cs[src_k]) if hasattr(self, "bridge") else cs[src_k])
        keys = self.attention.linear_context(mem) if self.c["attention"] == "bahdanau" else mem
        return (mem, keys, lengths), (torch.stack(h0), torch.stack(c0))

    def attend(self, h, memory):
        mem, keys, lengths = memory
        kind = self.c["attention"]
        if kind == "none":
            return h, None
        if kind == "luong":
            scores = self.attention.linear_in(h) @ keys.transpose(1, 2)
        else:
            q = self.attention.linear_query(h)
            scores = (torch.tanh(q[:, :, None, :] + keys[:, None, :, :]) * self.attention.v).sum(-1)
        Ts = mem.shape[1]
        mask = torch.arange(Ts)[None, :] >= torch.tensor(lengths)[:, None]
        w = torch.softmax(scores.masked_fill(mask[:, None, :], float("-inf")), -1)
        ctx = w @ mem
        return torch.tanh(self.attention.linear_out(torch.cat([ctx, h], -1))), w

    def step(self, memory, state, feed, tokens):
        """One decoder step for rows `tokens` [R]: (logits [R,V], weights [R,Ts] or None, state, feed)."""
        x = self.decoder.embedding(tokens)[:, None, :]
        if feed is not None:
            x = torch.cat([x, feed], -1)
        y, state = self.decoder.rnn(x, state)
        out, w = self.attend(y, memory)
        return self.output(out)[:, 0], (w[:, 0] if w is not None else None), state, (out if feed is not None else None)

    def forward(self, src, lengths, tgt_in):
        memory, state = self.encode(src, lengths)
        if not self.c["inputFeeding"]:
            y, _ = self.decoder.rnn(self.decoder.embedding(tgt_in), state)
            out, w = self.attend(y, memory)
            return self.output(out), w
        B, Tt = tgt_in.shape
        feed = torch.zeros(B, 1, self.c["decoder"]["hiddenSize"], dtype=self.output.weight.dtype)
        logits, ws = [], []
        for t in range(Tt):
            lg, w, state, feed = self.step(memory, state, feed, tgt_in[:, t])
            logits.append(lg)
            ws.append(w)
        return torch.stack(logits, 1), torch.stack(ws, 1)

    def initial(self, src):
        memory, state = self.encode(src[None, :], [len(src)])
        feed = torch.zeros(1, 1, self.c["decoder"]["hiddenSize"], dtype=self.output.weight.dtype) if self.c["inputFeeding"] else None
        return memory, state, feed


def allowed(v):
    return v not in (PAD, BOS)


def rows(memory, n):
    mem, keys, lengths = memory
    return (mem.expand(n, -1, -1), keys.expand(n, -1, -1), lengths * n)


def pick(state, feed, idx):
    idx = torch.tensor(idx)
    return (state[0][:, idx], state[1][:, idx]), (feed[idx] if feed is not None else None)


def beam(model, src, k, alpha=1.0):
    """One sentence, as beam.ts documents (fairseq's scheme), without batching over sentences."""
    memory, state, feed = model.initial(src)
    max_len = 2 * len(src) + 10
    live = [([], [], 0.0)]  # (tokens, attention rows, score)
    finished = []
    for t in range(1, max_len + 1):
        toks = torch.tensor([h[0][-1] if h[0] else BOS for h in live])
        logits, w, state, feed = model.step(rows(memory, len(live)), state, feed, toks)
        logp = torch.log_softmax(logits, -1)
        cands = sorted(((live[i][2] + float(logp[i, v]), i, v) for i in range(len(live)) for v in range(logp.shape[1]) if allowed(v)),
                       key=lambda c: (-c[0], c[1], c[2]))[: 2 * k]
        nxt, parents = [], []
        for rank, (s, i, v) in enumerate(cands):
            if len(nxt) >= k:
                break
            att = live[i][1] + ([w[i].tolist()] if w is not None else [])
            if v == EOS:
                if rank < k:
                    finished.append((live[i][0], att, s, t, True))
            else:
                nxt.append((live[i][0] + [v], att, s))
                parents.append(i)
        if len(finished) >= k or t >= max_len or not nxt:
            if len(finished) < k:
                finished += [(h[0], h[1], h[2], t, False) for h in nxt]
            break
        live = nxt
        state, feed = pick(state, feed, parents)
    best = max(enumerate(finished), key=lambda e: (e[1][2] / e[1][3] ** alpha, -e[0]))[1]
    ids, att, s, steps, ended = best
    return {"ids": ids, "score": s, "normalizedScore": s / steps ** alpha, "ended": ended, "attention": att if model.c["attention"] != "none" else None}


def greedy(model, src):
    memory, state, feed = model.initial(src)
    max_len = 2 * len(src) + 10
    ids, att, s = [], [], 0.0
    tok = BOS
    for t in range(1, max_len + 1):
        logits, w, state, feed = model.step(memory, state, feed, torch.tensor([tok]))
        logp = torch.log_softmax(logits[0], -1)
        tok = max((v for v in range(logp.shape[0]) if allowed(v)), key=lambda v: (float(logp[v]), -v))
        s += float(logp[tok])
        if w is not None:
            att.append(w[0].tolist())
        if tok == EOS:
            return {"ids": ids, "score": s, "normalizedScore": s / t, "ended": True, "attention": att or None}
        ids.append(tok)
    return {"ids": ids, "score": s, "normalizedScore": s / max_len, "ended": False, "attention": att or None}


def config(attention, feeding, enc, dec):
    return {"type": "seq2seq", "sourceEmbeddingDim": 4, "targetEmbeddingDim": 5, "encoder": enc, "decoder": dec,
            "attention": attention, "inputFeeding": feeding, "dropout": 0, "scheduledSampling": 0}


def enc(kind, hidden, layers, bi):
    return {"type": kind, "hiddenSize": hidden, "numLayers": layers, "bidirectional": bi}


def dec(hidden, layers):
    return {"type": "lstm", "hiddenSize": hidden, "numLayers": layers}


CASES = [
    # id, config: every bridge case (projection k->k, none, GRU c0 = 0, top layer to all)
    ("luong", config("luong", False, enc("lstm", 3, 2, True), dec(5, 2))),
    ("luong-feed", config("luong", True, enc("lstm", 3, 2, True), dec(5, 2))),
    ("bahdanau-gru", config("bahdanau", False, enc("gru", 3, 1, True), dec(6, 1))),
    ("bahdanau-feed", config("bahdanau", True, enc("lstm", 4, 1, False), dec(5, 2))),
    ("none", config("none", False, enc("lstm", 5, 2, False), dec(5, 2))),
]


def generate():
    pairs = read_pairs()
    vs, vt = build_vocab(p[0] for p in pairs), build_vocab(p[1] for p in pairs)
    sidx, tidx = {t: i for i, t in enumerate(vs)}, {t: i for i, t in enumerate(vt)}
    batch = [pairs[r] for r in ROWS]
    src_ids = [[sidx[c] for c in s] for s, _ in batch]
    tgt_ids = [[tidx[p] for p in t] for _, t in batch]
    lengths = [len(s) for s in src_ids]
    Ts, Tt = max(lengths), max(len(t) for t in tgt_ids) + 1
    src = torch.tensor([s + [PAD] * (Ts - len(s)) for s in src_ids])
    tgt_in = torch.tensor([[BOS] + t + [PAD] * (Tt - 1 - len(t)) for t in tgt_ids])
    tgt_out = torch.tensor([t + [EOS] + [PAD] * (Tt - 1 - len(t)) for t in tgt_ids])
    cases = []
    for i, (cid, c) in enumerate(CASES):
        torch.manual_seed(100 + i)
        model = Seq2Seq(c, len(vs), len(vt)).double()
        round_params_to_f32(model)
        params = params_json(model)
        c = {**c, "sourceVocab": vs, "targetVocab": vt}
        logits, w = model(src, lengths, tgt_in)
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(vt)), tgt_out.reshape(-1), ignore_index=PAD)
        # the training loss with label smoothing (rnn train --pairs --label-smoothing), its gradient
        smoothed = nn.functional.cross_entropy(logits.reshape(-1, len(vt)), tgt_out.reshape(-1), ignore_index=PAD, label_smoothing=SMOOTHING)
        names = [k for k, _ in model.named_parameters()]
        smoothed_grads = torch.autograd.grad(smoothed, [p for _, p in model.named_parameters()], retain_graph=True)
        loss.backward()
        grads = {k: t2j(p.grad) for k, p in model.named_parameters()}
        torch.optim.Adam(model.parameters(), lr=LR).step()
        after = params_json(model)
        # decoding from random weights never reaches </s>: train on the batch first, so the beams
        # end at different steps and compete (weights rounded to float32 again, for F32 tests)
        opt = torch.optim.Adam(model.parameters(), lr=0.03)
        for _ in range(TRAIN_STEPS):
            opt.zero_grad()
            lg, _ = model(src, lengths, tgt_in)
            nn.functional.cross_entropy(lg.reshape(-1, len(vt)), tgt_out.reshape(-1), ignore_index=PAD).backward()
            opt.step()
        round_params_to_f32(model)
        with torch.no_grad():
            greedy_out = [greedy(model, torch.tensor(s)) for s in src_ids]
            beam_out = [beam(model, torch.tensor(s), K) for s in src_ids]
        cases.append({
            "id": cid, "config": {"layers": [c]}, "params": params,
            "logits": t2j(logits), "weights": t2j(w) if w is not None else None, "loss": float(loss),
            "grads": grads, "adam": {"lr": LR, "params": after},
            "smoothed": {"epsilon": SMOOTHING, "loss": float(smoothed), "grads": {k: t2j(g) for k, g in zip(names, smoothed_grads)}},
            "decodeParams": params_json(model), "greedy": greedy_out, "beam": {"K": K, "lengthPenalty": 1.0, "results": beam_out},
        })
    return {"source": "packages/layers/test/fixtures/cmudict/slice.tsv", "rows": ROWS,
            "pairs": {"source": src_ids, "target": tgt_ids}, "cases": cases}


def main():
    torch.set_num_threads(1)
    header = {"generator": "tools/golden/gen_seq2seq.py", "torch": torch.__version__, "dtype": "float64"}
    path = write_json("seq2seq.json", {**header, **generate()})
    print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
