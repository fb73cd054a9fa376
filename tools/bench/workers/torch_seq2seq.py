"""Workload E for the PyTorch worker: the attention encoder-decoder of @rnn/layers' Seq2Seq, written
the way a PyTorch user would (OpenNMT-style), on real CMUdict G2P batches.

Model (the parameter names of packages/layers/src/seq2seq/params.ts): source embedding ->
stacked bidirectional LSTM over the packed batch -> a bridge from the top layer's final states
(h: tanh(Linear), c: Linear) -> an LSTM decoder, one step at a time, reading the target embedding
and, with input feeding, the previous attentional state -> Luong "general" attention, masked over
padding (score = (W_in h_t) . h_s, h~_t = tanh(W_out [c_t; h_t])) -> output Linear.

`train`: one step (forward with teacher forcing, masked mean cross-entropy, backward, Adam).
`beam`: beam search with K beams per source, batched over the sources: each step expands every
live beam, keeps the K best per source; an ended beam stays, extended only by </s> at no cost;
a source is done when all its K beams have ended, the batch when every source is (or at the
length limit); the result is the beam with the best length-normalised score (score / length).
"""
import gzip

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

PAD, UNK, BOS, EOS = 0, 1, 2, 3


def read_pairs(path, n_train, n_beam):
    lines = gzip.open(path, "rt", encoding="utf-8").read().splitlines()
    pairs = [l.split("\t") for l in lines]
    src_tok = sorted({c for s, _ in pairs for c in s})
    tgt_tok = sorted({p for _, t in pairs for p in t.split()})
    sv = {t: i + 4 for i, t in enumerate(src_tok)}
    tv = {t: i + 4 for i, t in enumerate(tgt_tok)}
    train = [([sv[c] for c in s], [tv[p] for p in t.split()]) for s, t in pairs[:n_train]]
    beam = [[sv[c] for c in s] for s, _ in pairs[:n_beam]]
    return train, beam, len(src_tok) + 4, len(tgt_tok) + 4


def pad(seqs, extra_front=None, extra_back=None):
    seqs = [([extra_front] if extra_front is not None else []) + s + ([extra_back] if extra_back is not None else []) for s in seqs]
    T = max(len(s) for s in seqs)
    return torch.tensor([s + [PAD] * (T - len(s)) for s in seqs], dtype=torch.long), torch.tensor([len(s) for s in seqs])


class Seq2Seq(nn.Module):
    def __init__(self, w, Vs, Vt):
        super().__init__()
        E, He, L, Hd = w["embedding"], w["hidden"], w["layers"], w["decoderHidden"]
        self.input_feeding = w["inputFeeding"]
        self.enc_emb = nn.Embedding(Vs, E)
        self.enc = nn.LSTM(E, He, num_layers=L, bidirectional=True, batch_first=True)
        De = 2 * He
        self.bridge_h = nn.Linear(De, Hd)
        self.bridge_c = nn.Linear(De, Hd)
        self.dec_emb = nn.Embedding(Vt, E)
        self.dec = nn.LSTMCell(E + (Hd if self.input_feeding else 0), Hd)
        self.linear_in = nn.Linear(Hd, De, bias=False)
        self.linear_out = nn.Linear(De + Hd, Hd, bias=False)
        self.output = nn.Linear(Hd, Vt)
        self.Hd = Hd

    def encode(self, src, lengths):
        packed = pack_padded_sequence(self.enc_emb(src), lengths, batch_first=True, enforce_sorted=False)
        out, (h, c) = self.enc(packed)
        out, _ = pad_packed_sequence(out, batch_first=True)
        top = lambda s: torch.cat([s[-2], s[-1]], -1)  # noqa: E731  top layer, forward then backward
        mask = torch.arange(out.shape[1])[None, :] < lengths[:, None]
        return out, mask, torch.tanh(self.bridge_h(top(h))), self.bridge_c(top(c))

    def step(self, tok, state, feed, out, mask):
        x = self.dec_emb(tok)
        if self.input_feeding:
            x = torch.cat([x, feed], -1)
        h, c = self.dec(x, state)
        scores = torch.bmm(out, self.linear_in(h).unsqueeze(2)).squeeze(2)
        a = torch.softmax(scores.masked_fill(~mask, float("-inf")), -1)
        ctx = torch.bmm(a.unsqueeze(1), out).squeeze(1)
        ht = torch.tanh(self.linear_out(torch.cat([ctx, h], -1)))
        return self.output(ht), (h, c), ht

    def loss(self, src, slen, tin, tout):
        out, mask, h, c = self.encode(src, slen)
        feed = out.new_zeros(src.shape[0], self.Hd)
        logits = []
        for t in range(tin.shape[1]):
            lg, (h, c), feed = self.step(tin[:, t], (h, c), feed, out, mask)
            logits.append(lg)
        logits = torch.stack(logits, 1)
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tout.reshape(-1), ignore_index=PAD)

    @torch.inference_mode()
    def beam(self, src, slen, K, max_len):
        B = src.shape[0]
        out, mask, h, c = self.encode(src, slen)
        rep = lambda t: t.repeat_interleave(K, 0)  # noqa: E731
        out, mask, h, c = rep(out), rep(mask), rep(h), rep(c)
        feed = out.new_zeros(B * K, self.Hd)
        tok = torch.full((B * K,), BOS, dtype=torch.long)
        score = torch.full((B, K), float("-inf"))
        score[:, 0] = 0
        score = score.view(-1)
        ended = torch.zeros(B * K, dtype=torch.bool)
        length = torch.zeros(B * K)
        hist = []
        for _ in range(max_len):
            lg, (h, c), feed = self.step(tok, (h, c), feed, out, mask)
            logp = torch.log_softmax(lg, -1)
            V = logp.shape[1]
            # an ended beam is extended by </s> only, at no cost
            logp[ended] = float("-inf")
            logp[ended, EOS] = 0
            cand = (score[:, None] + logp).view(B, K * V)
            score, idx = cand.topk(K, 1)
            beam = (idx // V + torch.arange(B)[:, None] * K).view(-1)
            tok = (idx % V).view(-1)
            score = score.view(-1)
            h, c, feed = h[beam], c[beam], feed[beam]
            length = length[beam] + (~ended[beam]).float()
            ended = ended[beam] | (tok == EOS)
            hist = [x[beam] for x in hist] + [tok]
            if bool(ended.all()):
                break
        best = (score / length.clamp(min=1)).view(B, K).argmax(1)
        seqs = torch.stack(hist, 1).view(B, K, -1)[torch.arange(B), best]
        return seqs


def seq2seq_step(w, mode, data_path):
    torch.manual_seed(1)
    train, beam_src, Vs, Vt = read_pairs(data_path, w["batch"], w["beamBatch"])
    model = Seq2Seq(w, Vs, Vt)
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
