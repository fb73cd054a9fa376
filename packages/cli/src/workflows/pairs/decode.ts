import type { Seq2Seq, Translation } from '@rnn/layers';
import type { Io } from '../../command.js';
import { flag } from '../../flags.js';
import { heatmapScene, writeScene, type HeatmapPanel } from '../../plot/index.js';
import type { PairsMeta } from './model-file.js';
import { detokenize } from './split.js';

/** Flags predict and evaluate share: the decoding and the attention plot. */
export const DECODE_FLAGS = {
  beam: flag.int('beam width K; 1 is greedy decoding', { value: 'K', default: 1, check: 'positive' }),
  'length-penalty': flag.number('beam search ranks finished sequences by log-probability / length^A (0: raw sums)', { value: 'A', default: 1, check: 'non-negative' }),
  'max-length': flag.int('most output tokens per source (default 2 × its length + 10)', { value: 'N', check: 'positive' }),
  'attention-plot': flag.string('draw the attention weights of the first --plot-count sources as heat maps (.svg or .png)', { value: 'FILE.svg' }),
  'plot-count': flag.int('sources in --attention-plot', { value: 'N', default: 6, check: 'positive' }),
};

export interface DecodeFlags {
  beam: number;
  'length-penalty': number;
  'max-length'?: number | undefined;
}

/**
 * Decode token sequences, telling the user (stderr, one note each) about what the model cannot
 * know: tokens never seen in training, which are read as `<unk>` (the model still answers), and
 * sources longer than any it trained on, which are decoded all the same (at most 2 × length + 10
 * output tokens) but with less reliable results.
 */
export function decodeSources(model: Seq2Seq, meta: PairsMeta, sources: readonly (readonly string[])[], v: DecodeFlags, io: Io, where: string): Translation[] {
  const unknown = new Map<string, number>();
  let withUnknown = 0;
  let longer = 0;
  let longest = 0;
  for (const s of sources) {
    let any = false;
    for (const t of s) {
      if (!model.sourceVocab.has(t)) {
        unknown.set(t, (unknown.get(t) ?? 0) + 1);
        any = true;
      }
    }
    if (any) withUnknown++;
    if (s.length > meta.longestSource) longer++;
    longest = Math.max(longest, s.length);
  }
  if (withUnknown) {
    const list = [...unknown].sort((a, b) => b[1] - a[1]);
    const shown = list.slice(0, 8).map(([t, n]) => `${JSON.stringify(t)} (${n}×)`).join(', ') + (list.length > 8 ? `, … (${list.length} in all)` : '');
    io.stderr.write(`rnn: note: ${where}: ${withUnknown} source${withUnknown === 1 ? ' holds' : 's hold'} tokens never seen in training, read as <unk>: ${shown}\n`);
  }
  if (longer) {
    io.stderr.write(
      `rnn: note: ${where}: ${longer} source${longer === 1 ? ' is' : 's are'} longer than any in training (${meta.longestSource} tokens; the longest here has ${longest}); ` +
        `decoded all the same, at most ${v['max-length'] ?? '2 × length + 10'} tokens each, but expect more errors on them\n`,
    );
  }
  return model.predict(sources, { beam: v.beam, lengthPenalty: v['length-penalty'], ...(v['max-length'] ? { maxLength: v['max-length'] } : {}) });
}

/** A prediction as predict writes it: joined by one space (space-split target) or concatenated. */
export const outputText = (t: Translation, meta: PairsMeta): string => detokenize(t.tokens, meta.targetSplit);

/**
 * `--attention-plot FILE`: one heat map per source (its tokens across, the output tokens and
 * `</s>` down), for the first `count` sources.
 */
export function plotAttention(path: string, meta: PairsMeta, sources: readonly (readonly string[])[], out: readonly Translation[], count: number, title: string, io: Io): string | null {
  const panels: HeatmapPanel[] = [];
  for (let i = 0; i < out.length && panels.length < count; i++) {
    const a = out[i]!.attention;
    if (!a) {
      io.stderr.write("rnn: note: --attention-plot: this model has no attention (--attention none), so there is nothing to draw\n");
      return null;
    }
    const rows = [...out[i]!.tokens, ...(out[i]!.ended ? ['</s>'] : [])];
    panels.push({ title: `${detokenize(sources[i]!, meta.sourceSplit)} → ${outputText(out[i]!, meta)}`.slice(0, 60), columns: sources[i]!, rows, weights: a.slice(0, rows.length) });
  }
  if (!panels.length) return null;
  return writeScene(path, heatmapScene(panels, { title, subtitle: 'attention weight of each output token (rows) on each source token (columns)' }), '--attention-plot', (m) =>
    io.stderr.write(`rnn: note: ${m}\n`),
  );
}
