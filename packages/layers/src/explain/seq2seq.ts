import { logSoftmax, noGrad } from '@rnn/core';
import type { Seq2Seq } from '../seq2seq/model.js';
import { SeqVocab } from '../seq2seq/vocab.js';

/** One source explained: the model's output, its attention map, and each source token's attribution. */
export interface ExplainedTranslation {
  source: readonly string[];
  /** The decoded tokens (greedy), then `</s>` when the output ended. */
  output: string[];
  /** log p(output | source) under teacher forcing, `</s>` included. */
  logProb: number;
  /** `[output][source]` the attention weights of each output step, or null for a model without attention. */
  attention: number[][] | null;
  /** Occlusion: log p(output | source) minus the same with source token j made `<unk>`. */
  occlusion: number[];
}

/**
 * An encoder–decoder's answer for each source, explained: the attention weights it recorded at
 * every output step, and per source token how much the log-probability of its own output falls
 * when that token is made unknown — all occluded copies of a source in one teacher-forced batch.
 */
export function explainTranslations(model: Seq2Seq, sources: readonly (readonly string[])[]): ExplainedTranslation[] {
  const hyps = model.predict(sources);
  return sources.map((source, i) => {
    const h = hyps[i]!;
    const src = model.sourceVocab.encode(source);
    const target = model.targetVocab.encode(h.tokens);
    const batch = [{ source: src, target }, ...src.map((_, j) => ({ source: src.map((id, k) => (k === j ? SeqVocab.UNK_ID : id)), target }))];
    return noGrad(() => {
      const out = model.forward(batch);
      const [B, Tt, V] = out.logits.shape as [number, number, number];
      const logp = logSoftmax(out.logits, -1).data();
      const { output, lengths } = out.targets;
      const score = Array.from({ length: B }, (_, b) => {
        let s = 0;
        for (let t = 0; t < lengths[b]!; t++) s += logp[(b * Tt + t) * V + output[b * Tt + t]!]!;
        return s;
      });
      const n = lengths[0]!;
      const Ts = src.length;
      const w = out.weights?.data();
      const Tw = out.weights ? out.weights.shape[2]! : 0;
      return {
        source,
        output: [...h.tokens, SeqVocab.EOS].slice(0, n),
        logProb: score[0]!,
        attention: w ? Array.from({ length: n }, (_, t) => Array.from({ length: Ts }, (_, j) => w[t * Tw + j]!)) : null,
        occlusion: src.map((_, j) => score[0]! - score[j + 1]!),
      };
    });
  });
}
