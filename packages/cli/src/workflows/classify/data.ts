import { FormatError, Rng, ValueError, tensor, type Tensor } from '@rnn/core';
import { readCsvFile, type CsvTable } from '../timeseries/csv.js';
import { fitScaler, type Scaler } from '@rnn/timeseries';

/**
 * Labelled variable-length sequences, as in the indoor-movement data:
 *   sequences.csv  `seq_id,step,ch1,ch2,…`  one row per time step (any row order; `step` orders them)
 *   labels.csv     `seq_id,label[,…]`       one row per sequence
 * The id is the first column of each file; the step column is one named step/t/time/timestep
 * (without one, file order); every other column of the sequences file is a numeric channel.
 */
export interface SequenceSet {
  ids: string[];
  channels: string[];
  /** Per sequence, `length × channels` values, row-major. */
  data: Float64Array[];
  lengths: number[];
  /** Class index of each sequence into `classes`. */
  labels: number[];
  /** The label strings, sorted (numerically when all are numbers). */
  classes: string[];
}

const STEP_NAMES = ['step', 't', 'time', 'timestep', 'time_step'];
const LABEL_NAMES = ['label', 'class', 'target', 'y'];

function numberAt(t: CsvTable, i: number, k: number): number {
  const s = t.rows[i]![k]!.trim();
  const v = Number(s);
  if (s === '' || !Number.isFinite(v)) {
    throw new FormatError(`${t.source}: line ${t.lines[i]}, column '${t.header[k]}': expected a number, found '${s}'`);
  }
  return v;
}

/** Sequences without labels (what `rnn predict --sequences` reads): ids, channels and each one's steps. */
export interface Sequences {
  ids: string[];
  /** The id column's name in the file (predict writes it back under the same name). */
  idColumn: string;
  channels: string[];
  /** Per sequence, `length × channels` values, row-major. */
  data: Float64Array[];
  lengths: number[];
  /** Where the sequences came from, for messages: `--sequences FILE`. */
  source: string;
}

export function readSequences(sequencesPath: string): Sequences {
  const st = readCsvFile(sequencesPath, '--sequences');
  const stepCol = st.header.findIndex((h) => STEP_NAMES.includes(h.toLowerCase()));
  const chanCols = st.header.map((_, k) => k).filter((k) => k !== 0 && k !== stepCol);
  if (chanCols.length === 0) {
    throw new FormatError(`${st.source}: no channel columns; expected an id column, an optional step column, then one column per channel (found ${st.header.join(',')})`);
  }
  const rowsOf = new Map<string, number[]>();
  st.rows.forEach((r, i) => {
    const id = r[0]!.trim();
    const list = rowsOf.get(id);
    if (list) list.push(i);
    else rowsOf.set(id, [i]);
  });
  const ids = [...rowsOf.keys()];
  const data: Float64Array[] = [];
  const lengths: number[] = [];
  for (const id of ids) {
    let rows = rowsOf.get(id)!;
    if (stepCol >= 0) {
      const step = new Map(rows.map((i) => [i, numberAt(st, i, stepCol)]));
      rows = [...rows].sort((a, b) => step.get(a)! - step.get(b)!);
      for (let j = 1; j < rows.length; j++) {
        if (step.get(rows[j]!) === step.get(rows[j - 1]!)) {
          throw new FormatError(`${st.source}: sequence '${id}' has step ${step.get(rows[j]!)} twice (lines ${st.lines[rows[j - 1]!]} and ${st.lines[rows[j]!]})`);
        }
      }
    }
    const d = new Float64Array(rows.length * chanCols.length);
    rows.forEach((i, t) => chanCols.forEach((k, c) => (d[t * chanCols.length + c] = numberAt(st, i, k))));
    data.push(d);
    lengths.push(rows.length);
  }
  return { ids, idColumn: st.header[0]!, channels: chanCols.map((k) => st.header[k]!), data, lengths, source: st.source };
}

/** Each sequence's label string, from a labels file (`id,label[,…]`); every sequence needs one. */
export function readLabels(labelsPath: string, s: Sequences): string[] {
  const lt = readCsvFile(labelsPath, '--labels');
  const labelCol = Math.max(1, lt.header.findIndex((h) => LABEL_NAMES.includes(h.toLowerCase())));
  if (lt.header.length < 2) throw new FormatError(`${lt.source}: expected an id column and a label column, found ${lt.header.join(',')}`);
  const known = new Set(s.ids);
  const labelOf = new Map<string, string>();
  lt.rows.forEach((r, i) => {
    const id = r[0]!.trim();
    if (labelOf.has(id)) throw new FormatError(`${lt.source}: line ${lt.lines[i]}: sequence '${id}' is labelled twice`);
    if (!known.has(id)) throw new FormatError(`${lt.source}: line ${lt.lines[i]}: sequence '${id}' has a label but no rows in ${s.source.replace(/^--sequences /, '')}`);
    labelOf.set(id, r[labelCol]!.trim());
  });
  const unlabelled = s.ids.filter((id) => !labelOf.has(id));
  if (unlabelled.length) {
    throw new FormatError(`${lt.source}: no label for ${unlabelled.length} sequence(s): ${unlabelled.slice(0, 5).join(', ')}${unlabelled.length > 5 ? ', …' : ''}`);
  }
  return s.ids.map((id) => labelOf.get(id)!);
}

export function readSequenceSet(sequencesPath: string, labelsPath: string): SequenceSet {
  const s = readSequences(sequencesPath);
  const raw = readLabels(labelsPath, s);
  const distinct = [...new Set(raw)];
  const numeric = distinct.every((l) => l !== '' && Number.isFinite(Number(l)));
  const classes = distinct.sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
  if (classes.length < 2) throw new ValueError(`--labels ${labelsPath}: every sequence has label '${classes[0]}'; a classifier needs at least two classes`);
  const index = new Map(classes.map((c, i) => [c, i]));
  return { ids: s.ids, channels: s.channels, data: s.data, lengths: s.lengths, labels: raw.map((l) => index.get(l)!), classes };
}

/**
 * A seeded stratified split: within each class, a shuffled `fraction` of the sequences (rounded,
 * at least one when the class has two or more) is held out for testing.
 */
export function stratifiedSplit(labels: readonly number[], fraction: number, seed: number): { train: number[]; test: number[] } {
  const rng = new Rng(seed);
  const byClass = new Map<number, number[]>();
  labels.forEach((c, i) => (byClass.get(c) ?? byClass.set(c, []).get(c)!).push(i));
  const train: number[] = [];
  const test: number[] = [];
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(c)!;
    const order = rng.permutation(members.length);
    const nTest = fraction > 0 && members.length >= 2 ? Math.min(members.length - 1, Math.max(1, Math.round(members.length * fraction))) : 0;
    order.forEach((j, k) => (k < nTest ? test : train).push(members[j]!));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

/** Per-channel mean and std over every time step of the training sequences. */
export function channelScaler(s: SequenceSet, train: readonly number[]): Scaler {
  const C = s.channels.length;
  const total = train.reduce((n, i) => n + s.lengths[i]!, 0);
  const cols = s.channels.map(() => new Float64Array(total));
  let t = 0;
  for (const i of train) {
    for (let k = 0; k < s.lengths[i]!; k++, t++) for (let c = 0; c < C; c++) cols[c]![t] = s.data[i]![k * C + c]!;
  }
  return fitScaler(cols, 0, total, s.channels);
}

/**
 * Standardised sequences `idx` as one `[n, T, C]` tensor padded with zeros to the longest of
 * them, and their lengths (the recurrent layer keeps its state over the padding).
 */
export function padded(s: Pick<SequenceSet, 'channels' | 'data' | 'lengths'>, idx: readonly number[], scaler: Scaler): { x: Tensor; lengths: number[] } {
  const C = s.channels.length;
  const lengths = idx.map((i) => s.lengths[i]!);
  const T = Math.max(...lengths);
  const out = new Float32Array(idx.length * T * C);
  idx.forEach((i, r) => {
    const d = s.data[i]!;
    for (let k = 0; k < lengths[r]! * C; k++) out[r * T * C + k] = (d[k]! - scaler.mean[k % C]!) / scaler.std[k % C]!;
  });
  return { x: tensor(out, [idx.length, T, C]), lengths };
}
