"""Workload E for the PyTorch worker: the attention encoder-decoder of @rnn/layers' Seq2Seq, written
the way a PyTorch user would, on real CMUdict G2P batches, with the SAME weights and vocabularies
as our side: both load the model file run.mjs wrote before timing (`spec["seq2seqModel"]`, our
safetensors file with PyTorch names; read here by a few lines of struct/JSON since torch 1.13
predates safetensors).

Model (the parameter names of packages/layers/src/seq2seq/params.ts): source embedding ->
stacked bidirectional `nn.LSTM` over the packed batch -> a bridge from the top layer's final
states (h: tanh(Linear), c: Linear) -> an LSTM decoder -> Luong "general" attention, masked over
padding (score = (W_in h_t) . h_s, h~_t = tanh(W_out [c_t; h_t])) -> output Linear.

`train`: one step (forward with teacher forcing, `F.cross_entropy(ignore_index=pad)`, backward,
Adam). Without input feeding (our default recipe) the decoder is ONE `nn.LSTM` call over the
whole teacher-forced target and the attention one batched `bmm` pair; with input feeding
(workload F) an `nn.LSTMCell` loop, one step at a time.

`beam`: beam search, K beams per source, batched over the sources, the rule of our `beamDecode`
(fairseq's): per source and step, the 2K best extensions of its live beams (never <pad>/<s>);
walking down them, an </s> among the first K finishes a hypothesis, the others become the next K
live beams; a source stops when K hypotheses have finished or at max length (its live beams then
finish as they are); finished sources leave the batch. Result: the best score / steps. Step 1
runs one row per source (every beam is the same <s>), as ours does.
"""
import gzip
import json
import struct

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

PAD, UNK, BOS, EOS = 0, 1, 2, 3


def read_model_file(path):
    """Our safetensors file: ({name: float32 tensor}, rnn.config's one seq2seq layer)."""
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__")
    base = 8 + n
    tensors = {}
    for name, h in header.items():
        assert h["dtype"] == "F32", f"{name}: {h['dtype']}"
        b, e = h["data_offsets"]
        tensors[name] = torch.frombuffer(bytearray(raw[base + b : base + e]), dtype=torch.float32).reshape(h["shape"])
    return tensors, json.loads(meta["rnn.config"])["layers"][0]


def read_pairs(path, layer, n_train, n_beam):
    lines = gzip.open(path, "rt", encoding="utf-8").read().splitlines()
    pairs = [l.split("\t") for l in lines]
    sv = {t: i for i, t in enumerate(layer["sourceVocab"])}
    tv = {t: i for i, t in enumerate(layer["targetVocab"])}
    train = [([sv.get(c, UNK) for c in s], [tv.get(p, UNK) for p in t.split()]) for s, t in pairs[:n_train]]
    beam = [[sv.get(c, UNK) for c in s] for s, _ in pairs[:n_beam]]
    return train, beam


def pad(seqs, extra_front=None, extra_back=None):
    seqs = [([extra_front] if extra_front is not None else []) + s + ([extra_back] if extra_back is not None else []) for s in seqs]
    T = max(len(s) for s in seqs)
    return torch.tensor([s + [PAD] * (T - len(s)) for s in seqs], dtype=torch.long), torch.tensor([len(s) for s in seqs])


class Seq2Seq(nn.Module):
    def __init__(self, layer):
        super().__init__()
        enc, dec = layer["encoder"], layer["decoder"]
        assert enc["type"] == "lstm" and enc["bidirectional"] and layer["attention"] == "luong" and dec["numLayers"] == 1
        Es, Et, He, L, Hd = layer["sourceEmbeddingDim"], layer["targetEmbeddingDim"], enc["hiddenSize"], enc["numLayers"], dec["hiddenSize"]
        De = 2 * He
        self.input_feeding = layer["inputFeeding"]
        self.Hd = Hd
        self.encoder = nn.Module()
        self.encoder.embedding = nn.Embedding(len(layer["sourceVocab"]), Es)
        self.encoder.rnn = nn.LSTM(Es, He, num_layers=L, bidirectional=True, batch_first=True)
        self.bridge = nn.Module()
        self.bridge.h = nn.Linear(De, Hd)
        self.bridge.c = nn.Linear(De, Hd)
        self.decoder = nn.Module()
        self.decoder.embedding = nn.Embedding(len(layer["targetVocab"]), Et)
        # the whole teacher-forced target in one call; with input feeding, one step at a time
        self.decoder.rnn = nn.LSTMCell(Et + Hd, Hd) if self.input_feeding else nn.LSTM(Et, Hd, batch_first=True)
        self.attention = nn.Module()
        self.attention.linear_in = nn.Linear(Hd, De, bias=False)
        self.attention.linear_out = nn.Linear(De + Hd, Hd, bias=False)
        self.output = nn.Linear(Hd, len(layer["targetVocab"]))

    def load(self, tensors):
        # nn.LSTMCell names its weights without the layer suffix of nn.LSTM's
        names = {k.replace("_l0", "") if self.input_feeding and k.startswith("decoder.rnn.") else k: v for k, v in tensors.items()}
        self.load_state_dict(names, strict=True)

    def encode(self, src, lengths):
        packed = pack_padded_sequence(self.encoder.embedding(src), lengths, batch_first=True, enforce_sorted=False)
        out, (h, c) = self.encoder.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True)
        top = lambda s: torch.cat([s[-2], s[-1]], -1)  # noqa: E731  top layer, forward then backward
        mask = torch.arange(out.shape[1])[None, :] < lengths[:, None]
        return out, mask, torch.tanh(self.bridge.h(top(h))), self.bridge.c(top(c))

    def attend(self, y, out, mask):
        """y [B, Tq, Hd] -> h~ [B, Tq, Hd]: batched scores, masked softmax, context."""
        scores = torch.bmm(self.attention.linear_in(y), out.transpose(1, 2))
        a = torch.softmax(scores.masked_fill(~mask[:, None, :], float("-inf")), -1)
        return torch.tanh(self.attention.linear_out(torch.cat([torch.bmm(a, out), y], -1)))

    def loss(self, src, slen, tin, tout):
        out, mask, h, c = self.encode(src, slen)
        x = self.decoder.embedding(tin)
        if self.input_feeding:
            feed = out.new_zeros(src.shape[0], self.Hd)
            hts = []
            for t in range(tin.shape[1]):
                h, c = self.decoder.rnn(torch.cat([x[:, t], feed], -1), (h, c))
                feed = self.attend(h[:, None], out, mask)[:, 0]
                hts.append(feed)
            ht = torch.stack(hts, 1)
        else:
            y, _ = self.decoder.rnn(x, (h[None], c[None]))
            ht = self.attend(y, out, mask)
        logits = self.output(ht)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tout.reshape(-1), ignore_index=PAD)

    def step(self, tok, state, feed, out, mask):
        """One decoding step for R rows: log-probabilities [R, V], the new state and h~."""
        x = self.decoder.embedding(tok)
        if self.input_feeding:
            h, c = self.decoder.rnn(torch.cat([x, feed], -1), state)
            ht = self.attend(h[:, None], out, mask)[:, 0]
            state = (h, c)
        else:
            y, (h, c) = self.decoder.rnn(x[:, None], (state[0][None], state[1][None]))
            ht = self.attend(y, out, mask)[:, 0]
            state = (h[0], c[0])
        return torch.log_softmax(self.output(ht), -1), state, ht

    @torch.inference_mode()
    def beam(self, src, slen, K, max_len):
        """Returns (best token lists per source, decoder rows run in total)."""
        B = src.shape[0]
        out, mask, h, c = self.encode(src, slen)
        feed = out.new_zeros(B, self.Hd)
        alive = torch.arange(B)  # the sources still decoding, in row order
        n_live = 1  # beams per source: 1 at step 1, then K
        score = torch.zeros(B)
        tok = torch.full((B,), BOS, dtype=torch.long)
        hist = torch.zeros(B, 0, dtype=torch.long)
        finished = [[] for _ in range(B)]  # (score, steps, tokens)
        rows = 0
        for t in range(1, max_len + 1):
            nA = alive.shape[0]
            rows += nA * n_live
            logp, (h, c), feed = self.step(tok, (h, c), feed, out, mask)
            V = logp.shape[1]
            logp[:, PAD] = float("-inf")
            logp[:, BOS] = float("-inf")
            cand = (score[:, None] + logp).view(nA, n_live * V)
            top_s, top_i = cand.topk(2 * K, 1)
            beam, word = top_i // V, top_i % V
            eos = word == EOS
            # </s> among the first K finishes a hypothesis (fairseq's finalize, in Python as there)
            for a, j in (eos[:, :K]).nonzero().tolist():
                n = int(alive[a])
                row = a * n_live + int(beam[a, j])
                finished[n].append((float(top_s[a, j]), t, hist[row].tolist()))
            # the first K extensions that are not </s> go on
            rank = torch.arange(2 * K).expand(nA, -1) + eos.long() * (2 * K)
            keep = rank.topk(K, 1, largest=False).indices.sort(1).values
            score = top_s.gather(1, keep)
            parent = (beam.gather(1, keep) + torch.arange(nA)[:, None] * n_live).view(-1)
            tok = word.gather(1, keep).view(-1)
            hist = torch.cat([hist[parent], tok[:, None]], 1)
            # a source with K finished hypotheses, or at the length limit, leaves the batch
            done = torch.tensor([len(finished[int(n)]) >= K for n in alive]) | (t >= max_len)
            for a in done.nonzero().view(-1).tolist():
                n = int(alive[a])
                if len(finished[n]) < K:  # the live beams finish as they are (ours: all K of them)
                    for j in range(K):
                        finished[n].append((float(score[a, j]), t, hist[a * K + j].tolist()))
            if bool(done.all()):
                break
            stay = (~done).nonzero().view(-1)
            sel = (stay[:, None] * K + torch.arange(K)).view(-1)
            score, tok, hist = score[stay].view(-1), tok[sel], hist[sel]
            rows_of = parent[sel]
            h, c, feed = h[rows_of], c[rows_of], feed[rows_of]
            # the memory follows the rows: K per source from step 2 on, finished sources dropped
            mem_rows = stay.repeat_interleave(K) if n_live == 1 else sel
            if n_live == 1 or stay.shape[0] != nA:
                out, mask = out[mem_rows], mask[mem_rows]
            alive = alive[stay]
            n_live = K
        best = [max(f, key=lambda x: x[0] / x[1]) for f in finished]
        return [b[2] for b in best], rows


def seq2seq_step(w, mode, data_path, model_path):
    torch.manual_seed(1)
    tensors, layer = read_model_file(model_path)
    train, beam_src = read_pairs(data_path, layer, w["batch"], w["beamBatch"])
    model = Seq2Seq(layer)
    model.load(tensors)
    if mode == "beam":
        model.eval()
        src, slen = pad(beam_src)
        return lambda: model.beam(src, slen, w["beam"], w["maxLength"])
    src, slen = pad([s for s, _ in train])
    tin, _ = pad([t for _, t in train], extra_front=BOS)
    tout, _ = pad([t for _, t in train], extra_back=EOS)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = model.loss(src, slen, tin, tout)
        loss.backward()
        opt.step()

    return step
