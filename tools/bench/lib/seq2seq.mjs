// Workloads E/F (sequence to sequence on CMUdict), shared by the rnn bench worker and
// tools/bench/seq2seq-ops.mjs: the pairs as token lists and the untrained model of a workload.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as L from '@rnn/layers';

/** The pairs of a CMUdict TSV (gzipped): spelling as characters, phones as tokens. */
export function cmudictPairs(path) {
  const lines = gunzipSync(readFileSync(path)).toString('utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
  return lines.map(([s, t]) => ({ source: [...s], target: t.split(' ') }));
}

/** The Seq2Seq of workload `w`, vocabularies from all the pairs, seed 1. */
export function workloadSeq2Seq(w, pairs, backend) {
  return new L.Seq2Seq({
    sourceVocab: L.SeqVocab.build(pairs.map((p) => p.source)),
    targetVocab: L.SeqVocab.build(pairs.map((p) => p.target)),
    embeddingDim: w.embedding,
    encoder: { type: 'lstm', hiddenSize: w.hidden, numLayers: w.layers, bidirectional: true },
    decoder: { hiddenSize: w.decoderHidden },
    attention: w.attention,
    inputFeeding: w.inputFeeding,
    seed: 1,
    backend,
  });
}
