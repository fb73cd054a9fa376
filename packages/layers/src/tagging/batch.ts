/** A sentence as ids: words, each word's characters (already cut to the model's limit), tags. */
export interface EncodedSentence {
  words: Int32Array;
  chars: Int32Array[] | null;
  /** Each word's shape id (`wordShape`), for a tagger with shape features. */
  shapes?: Int32Array | null;
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
  /** `[B, T]` shape ids (0 on padding), when every sentence has them. */
  shapes: Int32Array | null;
}

/** The batch's real words (not the padding slots), in row-major order, as characters. */
export interface PaddedChars {
  /** Real words in the batch: Σ lengths. */
  N: number;
  /** Characters per word (the batch's longest word, at least 1). */
  L: number;
  /** `[N, L]` character ids, 0 past a word's end. */
  ids: Int32Array;
  /** `[N, L, 1]`: 1 on a word's characters, 0 on padding (zeroes their vectors, so the conv sees zeros as it would alone). */
  present: Float64Array;
  /** `[N, L', 1]`: 0 where a conv output lies within the word's own padded extent, -1e30 elsewhere (so max-pool never picks it). */
  outside: Float64Array;
  /** `[B*T]`: each word slot's row in the N words, or N (a row of zeros) for a padding slot. */
  slots: Int32Array;
}

/** The largest number a masked conv output becomes: far below any real one, yet finite in float32. */
const MASKED = -1e30;

/**
 * Pad a batch. Only real words go through the character CNN (a padding slot's features are
 * zeros, and ignored downstream: the LSTM reads `lengths` steps); a word with no characters reads
 * one zero character vector, so its features are the conv's bias. `kernelSize`/`padding` give the conv's output length `L' = L + 2p − K + 1`;
 * a word of `n` characters owns its first `max(n, 1) + 2p − K + 1` outputs.
 */
export function padBatch(batch: readonly EncodedSentence[], conv: { kernelSize: number; padding: number } | null): PaddedBatch {
  const B = batch.length;
  const lengths = batch.map((s) => s.words.length);
  const T = Math.max(1, ...lengths);
  const words = new Int32Array(B * T);
  const withTags = batch.every((s) => s.tags !== null);
  const tags = withTags ? new Int32Array(B * T) : null;
  const shapes = batch.every((s) => s.shapes) ? new Int32Array(B * T) : null;
  batch.forEach((s, b) => {
    words.set(s.words, b * T);
    if (tags) tags.set(s.tags!, b * T);
    if (shapes) shapes.set(s.shapes!, b * T);
  });
  let chars: PaddedChars | null = null;
  if (conv) {
    let L = 1;
    let N = 0;
    for (const s of batch) {
      N += s.words.length;
      for (const w of s.chars!) L = Math.max(L, w.length);
    }
    const Lout = L + 2 * conv.padding - conv.kernelSize + 1;
    const ids = new Int32Array(N * L);
    const present = new Float64Array(N * L);
    const outside = new Float64Array(N * Lout).fill(MASKED);
    const slots = new Int32Array(B * T).fill(N);
    let row = 0;
    batch.forEach((s, b) => {
      s.chars!.forEach((w, t) => {
        const n = w.length;
        ids.set(w, row * L);
        present.fill(1, row * L, row * L + n);
        const own = Math.max(n, 1) + 2 * conv.padding - conv.kernelSize + 1;
        outside.fill(0, row * Lout, row * Lout + own);
        slots[b * T + t] = row++;
      });
    });
    chars = { N, L, ids, present, outside, slots };
  }
  return { B, T, lengths, words, tags, chars, shapes };
}
