import { ShapeError } from '@rnn/core';

/**
 * Tagging scores as the CoNLL shared tasks' `conlleval` script computes them: token accuracy, and
 * entity (chunk) precision, recall and F1, where a predicted entity counts only when its type and
 * its exact span match a gold one. The chunk boundaries are conlleval's `startOfChunk` and
 * `endOfChunk` rules, which read BIO, IOB2 and IOB1 (an `I-` after `O` or after another type opens
 * an entity) alike; IOBES's `S-` and `E-` follow the rules of the widely used Python port
 * (conlleval.py: an entity ends after `E-` or `S-`, and starts at `B-` or `S-`). A sentence break
 * ends every entity. A tag splits at its first hyphen: `B-creative-work` is `B`, `creative-work`.
 *
 * Tags that are not chunk tags (`O` or `B-`/`I-`/`E-`/`S-` + a type) — part-of-speech tags, say —
 * get token accuracy only (`entities: null`).
 */

export interface EntityScores {
  /** Entities in the gold tags. */
  gold: number;
  /** Entities in the predicted tags. */
  predicted: number;
  /** Predicted entities whose type and span match a gold one. */
  correct: number;
  /** correct / predicted (0 with no predictions, as conlleval). */
  precision: number;
  /** correct / gold (0 with no gold entities). */
  recall: number;
  /** Harmonic mean of precision and recall (0 when both are 0). */
  f1: number;
}

export interface TagScores {
  tokens: number;
  /** Tokens whose predicted tag equals the gold tag. */
  correctTokens: number;
  accuracy: number;
  /** Entity scores, overall and per type (sorted by type), or null when the tags are not chunk tags. */
  entities: (EntityScores & { types: Record<string, EntityScores> }) | null;
}

/** An entity: its type and token span `[start, end)` in the sentence. */
export interface Entity {
  type: string;
  start: number;
  end: number;
}

const CHUNK_TAG = /^([BIES]-.+|O)$/;

/** Whether every tag is a chunk tag (`O`, or `B-`, `I-`, `E-`, `S-` and a type): then entities are scored. */
export function isChunkTagSet(tags: Iterable<string>): boolean {
  for (const t of tags) if (!CHUNK_TAG.test(t)) return false;
  return true;
}

/** `B-PER` → ['B', 'PER'], `O` → ['O', '']: split at the first hyphen, as conlleval (2004). */
function splitTag(tag: string): [string, string] {
  const i = tag.indexOf('-');
  return i < 0 ? [tag, ''] : [tag.slice(0, i), tag.slice(i + 1)];
}

function endOfChunk(prev: string, tag: string, prevType: string, type: string): boolean {
  if (prev === 'E' || prev === 'S' || prev === '[' || prev === ']') return true;
  if ((prev === 'B' || prev === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) return true;
  return prev !== 'O' && prev !== '.' && prevType !== type;
}

function startOfChunk(prev: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S' || tag === '[' || tag === ']') return true;
  if ((prev === 'E' || prev === 'S' || prev === 'O') && (tag === 'E' || tag === 'I')) return true;
  return tag !== 'O' && tag !== '.' && prevType !== type;
}

/** The entities of one sentence's tags, by the same rules the scores use (for highlighting). */
export function entitiesOf(tags: readonly string[]): Entity[] {
  const out: Entity[] = [];
  let prev = 'O';
  let prevType = '';
  let open: Entity | null = null;
  for (let i = 0; i <= tags.length; i++) {
    const [tag, type] = i < tags.length ? splitTag(tags[i]!) : ['O', ''];
    if (open && endOfChunk(prev, tag, prevType, type)) {
      open.end = i;
      out.push(open);
      open = null;
    }
    if (i < tags.length && startOfChunk(prev, tag, prevType, type)) open = { type, start: i, end: i + 1 };
    prev = tag;
    prevType = type;
  }
  return out;
}

interface Counts {
  gold: number;
  predicted: number;
  correct: number;
}

function ratios(c: Counts): EntityScores {
  const precision = c.predicted > 0 ? c.correct / c.predicted : 0;
  const recall = c.gold > 0 ? c.correct / c.gold : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { ...c, precision, recall, f1 };
}

/**
 * conlleval's scores of `predicted` against `gold`: one array of tags per sentence, the same
 * sentences and lengths in both (a `ShapeError` names the first that differs).
 */
export function scoreTags(gold: readonly (readonly string[])[], predicted: readonly (readonly string[])[]): TagScores {
  if (gold.length !== predicted.length) throw new ShapeError(`scoreTags: ${gold.length} gold sentences but ${predicted.length} predicted; they must align one to one`);
  const all = new Set<string>();
  let tokens = 0;
  let correctTokens = 0;
  for (let s = 0; s < gold.length; s++) {
    const g = gold[s]!;
    const p = predicted[s]!;
    if (g.length !== p.length) throw new ShapeError(`scoreTags: sentence ${s + 1} has ${g.length} gold tags but ${p.length} predicted; they must align token by token`);
    for (let i = 0; i < g.length; i++) {
      all.add(g[i]!).add(p[i]!);
      if (g[i] === p[i]) correctTokens++;
    }
    tokens += g.length;
  }
  const accuracy = tokens > 0 ? correctTokens / tokens : 0;
  if (!isChunkTagSet(all)) return { tokens, correctTokens, accuracy, entities: null };

  const total: Counts = { gold: 0, predicted: 0, correct: 0 };
  const byType = new Map<string, Counts>();
  const count = (type: string, k: keyof Counts) => {
    total[k]++;
    let c = byType.get(type);
    if (!c) byType.set(type, (c = { gold: 0, predicted: 0, correct: 0 }));
    c[k]++;
  };
  for (let s = 0; s < gold.length; s++) {
    const g = gold[s]!;
    const p = predicted[s]!;
    // conlleval's loop over one sentence, closed by a boundary token tagged O in both columns
    let [lastC, lastCType, lastG, lastGType] = ['O', '', 'O', ''];
    let inCorrect = false;
    for (let i = 0; i <= g.length; i++) {
      const [c, cType] = i < g.length ? splitTag(g[i]!) : ['O', ''];
      const [q, qType] = i < g.length ? splitTag(p[i]!) : ['O', ''];
      const endC = endOfChunk(lastC, c, lastCType, cType);
      const endG = endOfChunk(lastG, q, lastGType, qType);
      const startC = startOfChunk(lastC, c, lastCType, cType);
      const startG = startOfChunk(lastG, q, lastGType, qType);
      if (inCorrect) {
        if (endC && endG && lastGType === lastCType) {
          inCorrect = false;
          count(lastCType, 'correct');
        } else if (endC !== endG || qType !== cType) inCorrect = false;
      }
      if (startC && startG && qType === cType) inCorrect = true;
      if (startC) count(cType, 'gold');
      if (startG) count(qType, 'predicted');
      [lastC, lastCType, lastG, lastGType] = [c, cType, q, qType];
    }
  }
  const types = Object.fromEntries([...byType.keys()].sort().map((t) => [t, ratios(byType.get(t)!)]));
  return { tokens, correctTokens, accuracy, entities: { ...ratios(total), types } };
}
