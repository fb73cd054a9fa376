#!/usr/bin/env node
// The WNUT 2017 proof: BiLSTM-CRF taggers trained from scratch on one thread within a time budget
// (`RNN_NUM_THREADS=1 rnn train --tagging … --minutes M --seed S`), scored on the test set beside
// the seven 2017 shared-task systems, written as a markdown table (and printed).
//
// Runs: the CRF recipe with each of --seeds, the same without the CRF (--no-crf, first seed), and
// the CRF with --word-vectors built from the training text by tools/wnut/vectors.mjs (first seed;
// --no-vectors skips it). The training data is train plus every other dev sentence, the epoch is
// chosen on the other dev half (tools/wnut/lib.mjs splitDev); --train-only trains on train alone
// and chooses on all of dev (the protocol of the first figures). --jobs runs that many trainings at once (each on one thread: give it no
// more than the machine's free cores, or the budget buys fewer epochs). Needs the built CLI
// (npx nx run-many -t build). Data: data/wnut17, or $RNN_WNUT17_DIR.
//
//   node tools/wnut/run.mjs --minutes 20 --seeds 1,2,3 --jobs 1 --out docs/results/wnut17.md
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { toolArgs } from '../lib/args.mjs';
import { DATA, ROOT, cpuModel, dataFile, evaluateModel, markdownTable, pct, rnn, scoreSystems, splitDev, typeTable } from './lib.mjs';

/** The training recipe every run shares (tuned with short runs, see docs/results/wnut17.md). */
export const RECIPE = ['--lowercase', '--min-count', '2', '--lr', '0.002', '--batch-size', '10', '--hidden', '100', '--dropout', '0.6', '--reduce-lr-on-plateau', '3', '--reduce-lr-factor', '0.5', '--shape', '20'];

const args = toolArgs(
  'node tools/wnut/run.mjs [--minutes 20 | --epochs N] [--seeds 1,2,3] [--jobs 1] [--work DIR] [--out docs/results/wnut17.md] [--pictures docs/results] [--no-vectors] [--softmax-seeds] [--train-only] [--note TEXT]',
  {
    minutes: { type: 'string' },
    /** Train each model for N epochs instead of --minutes: the same work whatever the machine's load. */
    epochs: { type: 'string' },
    seeds: { type: 'string', default: '1,2,3' },
    jobs: { type: 'string', default: '1' },
    work: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'docs', 'results', 'wnut17.md') },
    pictures: { type: 'string', default: join(ROOT, 'docs', 'results') },
    'no-vectors': { type: 'boolean', default: false },
    /** The softmax tagger (--no-crf) with every seed, not only the first. */
    'softmax-seeds': { type: 'boolean', default: false },
    'train-only': { type: 'boolean', default: false },
    /** A sentence for the page about the conditions of the run (e.g. the machine's load). */
    note: { type: 'string' },
  },
);
if (args.values.minutes !== undefined && args.values.epochs !== undefined) args.fail('give --minutes or --epochs, not both');
const minutes = args.values.minutes === undefined ? 20 : args.number('minutes');
const epochs = args.values.epochs === undefined ? null : args.number('epochs');
if (epochs !== null && !(Number.isInteger(epochs) && epochs > 0)) args.fail(`--epochs expects a positive integer, found '${args.values.epochs}'`);
const budget = epochs === null ? ['--minutes', String(minutes)] : ['--epochs', String(epochs)];
const budgetText = epochs === null ? `--minutes ${minutes}` : `--epochs ${epochs}`;
const jobs = args.number('jobs');
const seeds = args.values.seeds.split(',').map(Number);
if (!seeds.length || seeds.some((s) => !Number.isInteger(s))) args.fail(`--seeds expects integers separated by commas, found '${args.values.seeds}'`);
const work = args.values.work ?? mkdtempSync(join(tmpdir(), 'wnut17-'));
mkdirSync(work, { recursive: true });

const trainOnly = args.values['train-only'];
const split = trainOnly ? null : splitDev(work);
const train = split ? split.train : dataFile('train.conll.gz');
const dev = split ? split.dev : dataFile('dev.conll.gz');
const vectors = join(work, 'train-vectors.txt');

/** One training run: its name, note and flags besides the shared ones. */
const runs = [
  ...seeds.map((s) => ({ name: `BiLSTM-CRF, seed ${s}`, key: `crf-${s}`, seed: s, flags: [], note: 'CRF' })),
  ...(args.values['softmax-seeds'] ? seeds : seeds.slice(0, 1)).map((s) => ({ name: `BiLSTM + softmax, seed ${s}`, key: `softmax-${s}`, seed: s, flags: ['--no-crf'], note: 'no CRF (--no-crf)' })),
  ...(args.values['no-vectors']
    ? []
    : [{ name: `BiLSTM-CRF + vectors, seed ${seeds[0]}`, key: `vectors-${seeds[0]}`, seed: seeds[0], flags: ['--word-vectors', vectors], note: '--word-vectors built from the training text' }]),
];

function trainOne(r) {
  const model = join(work, `${r.key}.safetensors`);
  const argv = ['train', '--tagging', train, '--dev', dev, '--out', model, ...budget, '--seed', String(r.seed), ...RECIPE, ...r.flags, '--json'];
  r.command = `RNN_NUM_THREADS=1 rnn ${argv.map((a) => (a.startsWith(ROOT) ? relative(ROOT, a) : a.startsWith(work) ? a.replace(work, '$WORK') : a)).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'packages', 'cli', 'bin', 'rnn.js'), ...argv], { env: { ...process.env, RNN_NUM_THREADS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${r.name}: rnn train exited ${code}: ${stderr.trim().split('\n').slice(-2).join(' | ')}`));
      const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
      const done = lines.at(-1);
      // CPU seconds of the last epoch line: on a loaded machine the wall-clock budget buys far less
      done.cpu = Math.max(0, ...lines.map((l) => l.cpu_elapsed ?? 0));
      process.stderr.write(`wnut: ${r.name}: ${done.epochs} epochs${done.stopped === 'time' ? ' (time budget)' : ''}, best epoch ${done.best_epoch}, dev F1 ${pct(done.dev.f1)}\n`);
      resolve({ ...r, model, done });
    });
  });
}

async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

if (!args.values['no-vectors']) {
  const r = await new Promise((resolve) => {
    const c = spawn(process.execPath, [join(ROOT, 'tools', 'wnut', 'vectors.mjs'), '--conll', train, '--out', vectors], { stdio: 'inherit' });
    c.on('close', resolve);
  });
  if (r !== 0) throw new Error('tools/wnut/vectors.mjs failed');
}
const t0 = Date.now();
process.stderr.write(`wnut: ${runs.length} runs of ${epochs === null ? `${minutes} minutes` : `${epochs} epochs`}, ${jobs} at a time, one thread each; models in ${work}\n`);
const trained = await pool(runs, jobs, trainOne);
const ours = trained.map((r) => ({ name: r.name, ...evaluateModel(r.model), ours: true, note: `${r.note}; ${r.done.epochs} epochs, kept ${r.done.best_epoch}; dev F1 ${pct(r.done.dev.f1)}; ${Math.round(r.done.cpu)} CPU s` }));
const systems = scoreSystems();
const { table, median } = markdownTable(systems, ours);

// the pictures of the first CRF model: a test sentence with its entities, the transition scores
const report = join(work, 'report');
rnn(['evaluate', '--model', trained[0].model, '--tagging', dataFile('test.conll.gz'), '--report', report]);
mkdirSync(args.values.pictures, { recursive: true });
for (const f of ['sentence.svg', 'transitions.svg']) copyFileSync(join(report, f), join(args.values.pictures, `wnut17-${f}`));

const crf = ours.slice(0, seeds.length).map((r) => r.f1);
const mean = crf.reduce((a, b) => a + b, 0) / crf.length;
const sd = Math.sqrt(crf.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, crf.length - 1));
const soft = ours.filter((r) => r.name.startsWith('BiLSTM + softmax')).map((r) => r.f1);
const softMean = soft.reduce((a, b) => a + b, 0) / soft.length;
const winner = systems[0];
const rel = (p) => relative(dirname(args.values.out), p);
const md = [
  '# WNUT 2017 emerging entities: rnn from scratch beside the 2017 systems',
  '',
  ...(epochs !== null
    ? [`**Runs of ${epochs} epochs a model (a fixed amount of work, whatever the load), not the 20-minute proof:** \`node tools/wnut/run.mjs --minutes 20\` makes that.`, '']
    : minutes < 20
      ? [`**A short run (${minutes} minutes a model), not the 20-minute proof:** \`node tools/wnut/run.mjs --minutes 20\` makes that.`, '']
      : []),
  `Written by \`node tools/wnut/run.mjs ${budgetText} --seeds ${seeds.join(',')} --jobs ${jobs}${args.values['no-vectors'] ? ' --no-vectors' : ''}${args.values['softmax-seeds'] ? ' --softmax-seeds' : ''}${trainOnly ? ' --train-only' : ''}\` on ${new Date().toISOString().slice(0, 10)}`,
  `(${cpuModel()}, Node ${process.version}; ${((Date.now() - t0) / 60000).toFixed(0)} minutes in all). Data: ${relative(ROOT, DATA) || DATA}`,
  ...(split
    ? [
        `(train 3,394 sentences plus the ${split.joined} odd-numbered dev sentences; the ${split.held} even-numbered ones choose the epoch; test 1,287:`,
        'dev and test come from other sources than train, see tools/wnut/lib.mjs splitDev). Every F1 is entity F1 on the test set by',
      ]
    : ['(train 3,394 sentences, dev 1,009 for choosing the epoch, test 1,287). Every F1 is entity F1 on the test set by']),
  "conlleval's rule (exact span and type), computed by `scoreTags` of `@rnn/layers`, which gives the seven systems",
  'exactly their published figures. Our taggers start from nothing: no pretrained embeddings, no gazetteers, no',
  'unlabelled tweets (the 2017 systems used all three).',
  ...(args.values.note ? ['', args.values.note] : []),
  '',
  table,
  '',
  `BiLSTM-CRF over ${crf.length} seed${crf.length === 1 ? '' : 's'}: mean entity F1 **${pct(mean)}** (sd ${pct(sd)}); the median 2017 system: ${pct(median)};` +
    ` the winner (${winner.name}): ${pct(winner.f1)}.` +
    (soft.length > 1 ? ` BiLSTM + softmax over ${soft.length} seeds: mean ${pct(softMean)}.` : ''),
  '',
  'Entity F1 per type on test, (precision/recall), our first CRF and softmax runs beside the winner and the median system:',
  '',
  typeTable([
    { name: ours[0].name, types: ours[0].types },
    { name: ours[seeds.length].name, types: ours[seeds.length].types },
    { name: winner.name, types: winner.types },
    { name: systems[3].name, types: systems[3].types },
  ]),
  '',
  'Each run, on one thread, from scratch:',
  '',
  ...trained.map((r) => `- ${r.name}: \`${r.command}\``),
  '',
  `Shared recipe (\`RECIPE\` in tools/wnut/run.mjs): \`${RECIPE.join(' ')}\`; defaults otherwise (word embedding ⊕ char CNN 30→50 ⊕ word shape,`,
  'one BiLSTM layer, CRF, Adam, clip-norm 5). The kept weights are those of the epoch (or the part-epoch when the time ran out) with',
  'the best dev F1.',
  ...(args.values['no-vectors']
    ? []
    : [
        `\`$WORK/train-vectors.txt\` is made by \`node tools/wnut/vectors.mjs --conll ${split ? '$WORK/train+dev-odd.conll' : 'data/wnut17/train.conll.gz'}\``,
        '(PPMI of ±2-token contexts in the training text, randomly projected to 50 numbers).',
      ]),
  '',
  'How the recipe was chosen (short runs, one change at a time), what did not help, and where the gap to the 2017',
  'systems lies: [wnut17-experiments.md](wnut17-experiments.md).',
  '',
  `![a test sentence with its predicted entities](${rel(join(args.values.pictures, 'wnut17-sentence.svg'))})`,
  '',
  `![the learned CRF transition scores](${rel(join(args.values.pictures, 'wnut17-transitions.svg'))})`,
  '',
];
mkdirSync(dirname(args.values.out), { recursive: true });
writeFileSync(args.values.out, md.join('\n'));
process.stdout.write(`${table}\n\nBiLSTM-CRF mean over seeds ${pct(mean)} (sd ${pct(sd)}); median 2017 ${pct(median)}; winner ${pct(winner.f1)}\nwrote ${args.values.out}\n`);
