// What tools/wnut/run.mjs and table.mjs share: where the data is, the seven 2017 systems, running
// the CLI, and the markdown table of their test F1 beside ours.
import { spawnSync } from 'node:child_process';
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scoreConllFiles } from '@rnn/layers';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The bundled copy of the whole WNUT17 set (data/wnut17), or $RNN_WNUT17_DIR (e.g. ../shared/datasets/wnut17). */
export const DATA = process.env.RNN_WNUT17_DIR ?? join(ROOT, 'data', 'wnut17');

/** The seven systems of the 2017 shared task, as named in its results (file: submissions/FILE.conll.gz). */
export const SYSTEMS = [
  ['UH-RiTUAL', 'uh_ritual'],
  ['SpinningBytes', 'spinningbytes'],
  ['SJTU-Adapt', 'sjtu_adapt'],
  ['Arcada', 'arcada'],
  ['FLYTXT', 'flytxt'],
  ['MIC-CIS', 'mic-cis'],
  ['Drexel-CCI', 'drexel_cci'],
];

export function dataFile(name) {
  const p = join(DATA, name);
  if (!existsSync(p)) throw new Error(`${p}: missing; set RNN_WNUT17_DIR to a folder holding the WNUT17 files (train/dev/test.conll.gz, submissions/)`);
  return p;
}

/** conlleval's scores of each 2017 system on the test set, best first. */
export function scoreSystems() {
  const test = dataFile('test.conll.gz');
  return SYSTEMS.map(([name, file]) => {
    const s = scoreConllFiles(test, dataFile(`submissions/${file}.conll.gz`));
    return { name, accuracy: s.accuracy, precision: s.entities.precision, recall: s.entities.recall, f1: s.entities.f1, types: s.entities.types };
  }).sort((a, b) => b.f1 - a.f1);
}

/** `rnn ARGS…` with the repository's built CLI; stdout, or an Error with stderr's last lines. */
export function rnn(args, env = {}) {
  const r = spawnSync(process.execPath, [join(ROOT, 'packages', 'cli', 'bin', 'rnn.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 256 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`rnn ${args.join(' ')} exited ${r.status}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** `rnn evaluate --tagging TEST --json` of a model. */
export function evaluateModel(model) {
  const j = JSON.parse(rnn(['evaluate', '--model', model, '--tagging', dataFile('test.conll.gz'), '--json']).stdout);
  return { accuracy: j.accuracy, precision: j.precision, recall: j.recall, f1: j.f1, types: j.types };
}

const pct = (x) => (100 * x).toFixed(2);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export function cpuModel() {
  try {
    return execSync("lscpu | grep 'Model name'", { encoding: 'utf8' }).replace(/^Model name:\s*/, '').trim();
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

/**
 * The markdown table: the seven systems and our rows (`{ name, f1, precision, recall, accuracy,
 * note }`), sorted by F1, with the median 2017 system marked.
 */
export function markdownTable(systems, ours) {
  const med = median(systems.map((s) => s.f1));
  const rows = [...systems.map((s) => ({ ...s, note: '2017 shared task' })), ...ours].sort((a, b) => b.f1 - a.f1);
  const lines = [
    '| system | entity F1 | precision | recall | token accuracy | notes |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.ours ? `**${r.name}**` : r.name} | ${r.ours ? `**${pct(r.f1)}**` : pct(r.f1)} | ${pct(r.precision)} | ${pct(r.recall)} | ${pct(r.accuracy)} | ${r.note ?? ''} |`),
  ];
  return { table: lines.join('\n'), median: med };
}

/**
 * Entity F1 (precision/recall) per type, one column per system: where the gap to the 2017 systems
 * lies. `rows`: `{ name, types: { type: { precision, recall, f1 } } }`.
 */
export function typeTable(rows) {
  const types = [...new Set(rows.flatMap((r) => Object.keys(r.types ?? {})))].sort();
  const cell = (t) => (t ? `${pct(t.f1)} (${pct(t.precision)}/${pct(t.recall)})` : '–');
  return [
    `| type | ${rows.map((r) => r.name).join(' | ')} |`,
    `| --- | ${rows.map(() => '---:').join(' | ')} |`,
    ...types.map((ty) => `| ${ty} | ${rows.map((r) => cell(r.types?.[ty])).join(' | ')} |`),
  ].join('\n');
}

/**
 * WNUT17's dev set split in two by alternate sentences (so both halves hold every source): the
 * odd ones (1st, 3rd, …) join the training data, the even ones choose the epoch. Dev and test come
 * from other sources than train (Reddit, YouTube, StackExchange besides Twitter), and the 2017
 * systems could train on dev; a held-out half keeps the epoch choice honest. Returns the two paths.
 */
export function splitDev(work) {
  const text = (f) => gunzipSync(readFileSync(dataFile(f))).toString('utf8');
  const sentences = text('dev.conll.gz').split(/\n\s*\n/).map((s) => s.trim()).filter(Boolean);
  const train = join(work, 'train+dev-odd.conll');
  const dev = join(work, 'dev-even.conll');
  writeFileSync(train, `${text('train.conll.gz').trim()}\n\n${sentences.filter((_, i) => i % 2 === 0).join('\n\n')}\n`);
  writeFileSync(dev, `${sentences.filter((_, i) => i % 2 === 1).join('\n\n')}\n`);
  return { train, dev, joined: Math.ceil(sentences.length / 2), held: Math.floor(sentences.length / 2) };
}

export { pct, median };
