import type { EntityScores, TagScores } from '@rnn/layers';

/**
 * How `rnn evaluate --tagging` (and `rnn train --tagging`'s summary) print conlleval's scores: the
 * text is conlleval's own report, line for line, so scripts that read conlleval read it too; the
 * JSON has fractions in [0, 1].
 */

const p2 = (x: number) => (100 * x).toFixed(2).padStart(6);

/** conlleval's report: the counts line, the overall line, then one line per entity type. */
export function formatScores(s: TagScores): string {
  const e = s.entities;
  const lines = [
    `processed ${s.tokens} tokens with ${e ? e.gold : 0} phrases; found: ${e ? e.predicted : 0} phrases; correct: ${e ? e.correct : 0}.`,
    e
      ? `accuracy: ${p2(s.accuracy)}%; precision: ${p2(e.precision)}%; recall: ${p2(e.recall)}%; FB1: ${p2(e.f1)}`
      : `accuracy: ${p2(s.accuracy)}%; (not entity tags: no precision, recall or F1)`,
  ];
  if (e) {
    for (const [t, x] of Object.entries(e.types)) {
      lines.push(`${t.padStart(17)}: precision: ${p2(x.precision)}%; recall: ${p2(x.recall)}%; FB1: ${p2(x.f1)}  ${x.predicted}`);
    }
  }
  return lines.join('\n');
}

const counts = (x: EntityScores) => ({ precision: x.precision, recall: x.recall, f1: x.f1, gold: x.gold, predicted: x.predicted, correct: x.correct });

/** The scores as one JSON object: `accuracy`, and `precision`/`recall`/`f1` (null without entity tags), per type under `types`. */
export function scoresJson(s: TagScores, sentences: number): Record<string, unknown> {
  const e = s.entities;
  return {
    sentences,
    tokens: s.tokens,
    correct_tokens: s.correctTokens,
    accuracy: s.accuracy,
    precision: e ? e.precision : null,
    recall: e ? e.recall : null,
    f1: e ? e.f1 : null,
    gold_entities: e ? e.gold : null,
    predicted_entities: e ? e.predicted : null,
    correct_entities: e ? e.correct : null,
    types: e ? Object.fromEntries(Object.entries(e.types).map(([t, x]) => [t, counts(x)])) : null,
  };
}

/** One line for a progress or summary message: `accuracy 94.18%, entity F1 41.86 (P 57.54, R 32.90)`. */
export function shortScores(s: TagScores): string {
  const e = s.entities;
  const acc = `accuracy ${(100 * s.accuracy).toFixed(2)}%`;
  return e ? `${acc}, entity F1 ${(100 * e.f1).toFixed(2)} (P ${(100 * e.precision).toFixed(2)}, R ${(100 * e.recall).toFixed(2)})` : acc;
}
