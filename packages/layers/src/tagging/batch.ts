/** A sentence as ids: words, each word's characters (already cut to the model's limit), tags. */
export interface EncodedSentence {
  words: Int32Array;
  chars: Int32Array[] | null;
  /** Null for a sentence to tag (no gold tags). */
  tags: Int32Array | null;
}

/** A batch of encoded sentences padded to its longest: row-major `[B, T]` ids, `[B*T, L]` characters. */
export interface PaddedBatch {
  B: number;
  T: number;
  lengths: number[];
  words: Int32Array;
  tags: Int32Array | null;
  chars: PaddedChars | null;
}

export interface PaddedChars {
  /** Characters per word slot (the batch's longest word, at least 1). */
  L: number;
  /** `[B*T, L]` character ids, 0 past a word's end. */
  ids: Int32Array;
  /** `[B*T, L, 1]`: 1 on a word's characters, 0 on padding (zeroes their vectors, so the conv sees zeros as it would alone). */
  present: Float64Array;
  /** `[B*T, L', 1]`: 0 where a conv output lies within the word's own padded extent, -1e30 elsewhere (so max-pool never picks it). */
  outside: Float64Array;
}

/** The largest number a masked conv output becomes: far below any real one, yet finite in float32. */
const MASKED = -1e30;

/**
 * Pad a batch. A word slot past a sentence's end, or a word with no characters, gets one zero
 * character vector, so its features are the conv's bias (ignored downstream: the LSTM reads
 * `lengths` steps). `kernelSize`/`padding` give the conv's output length `L' = L + 2p − K + 1`;
 * a word of `n` characters owns its first `max(n, 1) + 2p − K + 1` outputs.
 */
export function padBatch(batch: readonly EncodedSentence[], conv: { kernelSize: number; padding: number } | null): PaddedBatch {
  const B = batch.length;
  const lengths = batch.map((s) => s.words.length);
  const T = Math.max(1, ...lengths);
  const words = new Int32Array(B * T);
  const withTags = batch.every((s) => s.tags !== null);
  const tags = withTags ? new Int32Array(B * T) : null;
  batch.forEach((s, b) => {
    words.set(s.words, b * T);
    if (tags) tags.set(s.tags!, b * T);
  });
  let chars: PaddedChars | null = null;
  if (conv) {
    let L = 1;
    for (const s of batch) for (const w of s.chars!) L = Math.max(L, w.length);
    const Lout = L + 2 * conv.padding - conv.kernelSize + 1;
    const N = B * T;
    const ids = new Int32Array(N * L);
    const present = new Float64Array(N * L);
    const outside = new Float64Array(N * Lout).fill(MASKED);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const w = t < lengths[b]! ? batch[b]!.chars![t]! : null;
        const row = b * T + t;
        const n = w ? w.length : 0;
        if (w) {
          ids.set(w, row * L);
          present.fill(1, row * L, row * L + n);
        }
        const own = Math.max(n, 1) + 2 * conv.padding - conv.kernelSize + 1;
        outside.fill(0, row * Lout, row * Lout + own);
      }
    }
    chars = { L, ids, present, outside };
  }
  return { B, T, lengths, words, tags, chars };
}
