/**
 * The model file both ways: a model trained and saved by PyTorch loads here and predicts what
 * PyTorch predicted; a model we save re-loads with identical predictions, parses with core's
 * `readModelFile`, and (when PyTorch is installed) loads into torch modules with
 * `tools/golden/check_load.py`, which predicts what we predict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Rng, readModelFile, tensor, type ModelConfig, type Tensor } from '@rnn/core';
import { Sequential } from '../src/index.js';
import { GOLDEN_DIR, expectClose, f32, loadGolden, report, type GT, type Tol } from './golden-helpers.js';
import './setup.js';

const run = promisify(execFile);
const ROOT = resolve(GOLDEN_DIR, '../../../..');
const CHECK_LOAD = join(ROOT, 'tools/golden/check_load.py');
const PYTHON = '/usr/bin/python3';

const ref = loadGolden<{ dtype: string; file: string; config: ModelConfig; input: GT; output: GT }>('pytorch-lstm-dense.json');
const models = loadGolden<{ cases: { id: string; config: ModelConfig; input: GT }[] }>('models.json');
/** float32 PyTorch vs float32 here. */
const F32: Tol = { rtol: 1e-4, atol: 1e-6 };
const EXACT: Tol = { rtol: 0, atol: 0 };

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnn-golden-modelfile-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  report('model file');
});

/** A random input batch for a config, as a tensor and as the nested arrays the CLI reads. */
function randomInput(config: ModelConfig, rng: Rng): { x: Tensor; json: unknown } {
  const B = 3;
  const T = 6;
  const first = config.layers[0]!;
  if (first.type === 'embedding') {
    const ids = Array.from({ length: B }, () => Array.from({ length: T }, () => Math.floor(rng.next() * first.numEmbeddings)));
    return { x: tensor(ids, undefined, { dtype: 'int32' }), json: ids };
  }
  const F = config.inputSize!;
  const v = Array.from({ length: B }, () => Array.from({ length: T }, () => Array.from({ length: F }, () => Math.fround(rng.uniform(-2, 2)))));
  return { x: tensor(v, undefined, { dtype: 'float32' }), json: v };
}

describe('golden: model files (pytorch-lstm-dense.safetensors)', () => {
  const path = join(GOLDEN_DIR, ref.file);

  it("PyTorch's file loads and predicts PyTorch's output", async () => {
    expect(ref.dtype).toBe('float32');
    const model = await Sequential.load(path);
    expect(model.config()).toEqual(ref.config);
    expectClose(model.predict(f32(ref.input)), ref.output, F32, 'Sequential.load: prediction', 'pytorch file prediction');
    const same = Sequential.fromBytes(new Uint8Array(readFileSync(path)), ref.file);
    expectClose(same.predict(f32(ref.input)), ref.output, F32, 'Sequential.fromBytes: prediction', 'pytorch file prediction');
  });

  it('a model we save re-loads with identical predictions, and parses with readModelFile', async () => {
    const model = await Sequential.load(path);
    model.metadata = { 'app.scaler': '{"mean":[0,1]}' };
    const want = model.predict(f32(ref.input)).data();
    const bytes = model.toBytes({ 'app.note': 'golden test' });

    const file = readModelFile(bytes, 'ours.safetensors');
    expect(file.config).toEqual(ref.config);
    expect(file.metadata['rnn.format']).toBe('1');
    expect(JSON.parse(file.metadata['rnn.config']!)).toEqual(ref.config);
    expect(file.metadata['app.scaler']).toBe('{"mean":[0,1]}');
    expect(file.metadata['app.note']).toBe('golden test');
    // the same tensors as PyTorch's file, names, shapes and F32 values bit for bit
    const theirs = readModelFile(new Uint8Array(readFileSync(path)), ref.file);
    expect([...file.tensors.keys()].sort()).toEqual([...theirs.tensors.keys()].sort());
    for (const [name, t] of theirs.tensors) {
      const ours = file.tensors.get(name)!;
      expect(ours.dtype).toBe('F32');
      expect(ours.shape).toEqual(t.shape);
      expect(Array.from(ours.data)).toEqual(Array.from(t.data));
    }
    // safetensors layout: 8-byte little-endian header length, header padded to 8 bytes
    const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);

    const again = Sequential.fromBytes(bytes);
    expect(again.metadata).toEqual({ 'app.scaler': '{"mean":[0,1]}', 'app.note': 'golden test' });
    expectClose(again.predict(f32(ref.input)), want, EXACT, 'fromBytes(toBytes()): prediction', 'our file round trip');
    expect(again.toBytes()).toEqual(bytes);

    const out = join(dir, 'ours.safetensors');
    await model.save(out);
    const loaded = await Sequential.load(out);
    expectClose(loaded.predict(f32(ref.input)), want, EXACT, 'load(save()): prediction', 'our file round trip');
    expect(new Uint8Array(readFileSync(out))).toEqual(model.toBytes());
  });

  it('every models.json config round-trips through our file with identical predictions', () => {
    const rng = new Rng(7);
    for (const c of models.cases) {
      const model = Sequential.fromConfig(c.config).build({ seed: 11 });
      const { x } = randomInput(c.config, rng);
      const again = Sequential.fromBytes(model.toBytes(), c.id);
      expect(again.config()).toEqual(c.config);
      expectClose(again.predict(x), model.predict(x).data(), EXACT, `${c.id}: reloaded prediction`, 'our file round trip');
    }
  });
});

describe('golden: PyTorch loads the files we write (tools/golden/check_load.py)', () => {
  it('PyTorch predicts what we predict, for files we wrote', async (ctx) => {
    // PyTorch's own model after a trip through our writer, and fresh models of several configs
    // (embedding + stacked lstm; lstm→bi-gru with names that are not types; 2-layer bi-rnn relu)
    const jobs: { label: string; model: Sequential; x: Tensor; json: unknown; want?: GT }[] = [];
    const pt = await Sequential.load(join(GOLDEN_DIR, ref.file));
    jobs.push({ label: 'pytorch-lstm-dense re-saved', model: pt, x: f32(ref.input), json: ref.input, want: ref.output });
    const rng = new Rng(3);
    for (const id of ['char-embedding-lstm2-dense', 'lstm-gru-stack-named', 'birnn-relu-l2-last-dense']) {
      const c = models.cases.find((m) => m.id === id)!;
      const model = Sequential.fromConfig(c.config).build({ seed: 5 });
      jobs.push({ label: id, model, ...randomInput(c.config, rng) });
    }
    // an extra: without PyTorch (check_load.py cannot import torch) it is skipped
    let torchMissing = false;
    const results = await Promise.all(
      jobs.map(async (j, i) => {
        const file = join(dir, `check-${i}.safetensors`);
        const input = join(dir, `check-${i}.json`);
        await j.model.save(file);
        writeFileSync(input, JSON.stringify(j.json));
        try {
          const { stdout } = await run(PYTHON, [CHECK_LOAD, file, input], { cwd: ROOT, timeout: 60_000 });
          return JSON.parse(stdout) as unknown[];
        } catch (err) {
          const e = err as { code?: string; stderr?: string };
          if (e.code === 'ENOENT' || /No module named '?torch/.test(e.stderr ?? '')) {
            torchMissing = true;
            return null;
          }
          throw err;
        }
      }),
    );
    if (torchMissing) {
      console.log(`golden-modelfile: ${PYTHON} cannot import torch; skipping the check_load.py cross-check (the committed fixtures are the real test)`);
      ctx.skip();
      return;
    }
    jobs.forEach((j, i) => {
      const theirs = tensor(results[i] as never, undefined, { dtype: 'float64' });
      const ours = j.model.predict(j.x);
      expect(theirs.shape).toEqual(ours.shape);
      expectClose(ours, theirs.data(), F32, `${j.label}: ours vs check_load.py`, 'check_load.py vs ours');
      if (j.want) expectClose(theirs.data(), j.want, F32, `${j.label}: check_load.py vs the reference output`, 'check_load.py vs ours');
    });
  });
});
