/** Per-class scores of a classifier: what `rnn evaluate --sequences` reports. */
export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** How many sequences truly have the class. */
  support: number;
}

export interface ClassificationReport {
  sequences: number;
  accuracy: number;
  /** Unweighted mean of the per-class F1 (every class counts the same, however rare). */
  macroF1: number;
  perClass: ClassScores[];
  /** `confusion[true][predicted]`: counts. */
  confusion: number[][];
}

/**
 * Accuracy, precision/recall/F1 per class and the confusion matrix of predicted against true
 * class ids. A class never predicted has precision NaN (0/0), one never present recall NaN;
 * F1 is NaN when either is (sklearn's `zero_division` warns in those cases too).
 */
export function classificationReport(truth: readonly number[], predicted: readonly number[], classes: number): ClassificationReport {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  truth.forEach((t, i) => confusion[t]![predicted[i]!]!++);
  let right = 0;
  for (let k = 0; k < classes; k++) right += confusion[k]![k]!;
  const perClass = confusion.map((row, k) => {
    const tp = row[k]!;
    const support = row.reduce((a, b) => a + b, 0);
    const predictedK = confusion.reduce((a, r) => a + r[k]!, 0);
    const precision = tp / predictedK;
    const recall = tp / support;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : precision === 0 && recall === 0 ? 0 : NaN;
    return { precision, recall, f1, support };
  });
  const f1s = perClass.map((c) => c.f1);
  return { sequences: truth.length, accuracy: right / truth.length, macroF1: f1s.reduce((a, b) => a + b, 0) / classes, perClass, confusion };
}
