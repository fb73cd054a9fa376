import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng, tensor } from '@rnn/core';
import { Seq2Seq, SeqVocab, Tagger, TreeNet, parseTrees, TaggingVocab, Vocab, conv1d, dense, dropout, embedding, gru, lstm, rnn, sequential, simpleRNN, GRUCell, type Sequential } from '@rnn/layers';
import { NotExportableError, exportOnnx } from '../src/onnx/index.js';
import { run, tmp } from './helpers.js';
import { checkModel, onnxChecker, relError, runOnnx } from './onnx-helpers.js';

/** Every layer kind and option `rnn predict` runs, each model built with its own seed. */
const MODELS: [string, () => Sequential, number | null][] = [
  ['rnn tanh, last', () => sequential([simpleRNN({ units: 6 }), dense({ units: 2 })]), 3],
  ['rnn relu, sequences', () => sequential([simpleRNN({ units: 5, nonlinearity: 'relu', returnSequences: true }), dense({ units: 3, activation: 'tanh' })]), 4],
  ['lstm, last', () => sequential([lstm({ units: 7 }), dense({ units: 1 })]), 3],
  ['lstm, sequences', () => sequential([lstm({ units: 4, returnSequences: true })]), 2],
  ['gru, last', () => sequential([gru({ units: 5 }), dense({ units: 2, activation: 'sigmoid' })]), 3],
  ['gru, sequences', () => sequential([gru({ units: 4, returnSequences: true }), dense({ units: 3, activation: 'softmax' })]), 5],
  ['stacked lstm (3 layers)', () => sequential([lstm({ units: 5, numLayers: 3 }), dense({ units: 2 })]), 4],
  ['bidirectional lstm, last', () => sequential([lstm({ units: 4, bidirectional: true }), dense({ units: 2 })]), 3],
  ['bidirectional gru, 2 layers, sequences', () => sequential([gru({ units: 3, numLayers: 2, bidirectional: true, returnSequences: true }), dense({ units: 2, activation: 'relu' })]), 4],
  ['bidirectional rnn relu, 2 layers, last', () => sequential([simpleRNN({ units: 4, numLayers: 2, bidirectional: true, nonlinearity: 'relu' })]), 3],
  ['lstm → dropout → bi-gru → dropout → dense', () => sequential([lstm({ units: 6, returnSequences: true }), dropout(0.3, 'drop1'), gru({ units: 3, bidirectional: true }), dropout(0.2, 'drop2'), dense({ units: 2 })]), 4],
  ['embedding → lstm 2 layers → dense per step', () => sequential([embedding({ numEmbeddings: 13, embeddingDim: 4 }), lstm({ units: 5, numLayers: 2, returnSequences: true }), dense({ units: 13 })]), null],
  ['embedding → bi-gru last', () => sequential([embedding({ numEmbeddings: 9, embeddingDim: 3 }), gru({ units: 4, bidirectional: true })]), null],
  ['conv1d → lstm', () => sequential([conv1d({ outChannels: 4, kernelSize: 3, padding: 1, activation: 'relu' }), lstm({ units: 3 }), dense({ units: 1 })]), 2],
  ['dense only, per step', () => sequential([dense({ units: 3, activation: 'softmax' })]), 4],
];

function build(make: () => Sequential, features: number | null, seed: number): Sequential {
  return make().build({ ...(features === null ? {} : { inputSize: features }), seed });
}

/** A random batch: floats in [-2, 2), or ids below the vocabulary size. */
function batch(model: Sequential, features: number | null, B: number, T: number, rng: Rng) {
  if (features === null) {
    const vocab = (model.layers[0] as unknown as { numEmbeddings: number }).numEmbeddings;
    return { data: Array.from({ length: B * T }, () => Math.floor(rng.next() * vocab)), shape: [B, T], ids: true };
  }
  return { data: Array.from({ length: B * T * features }, () => rng.next() * 4 - 2), shape: [B, T, features] };
}

function predictLocal(model: Sequential, x: { data: number[]; shape: number[]; ids?: boolean }, lengths?: number[]) {
  const t = tensor(x.ids ? Int32Array.from(x.data) : Float32Array.from(x.data), x.shape, x.ids ? { dtype: 'int32' } : {});
  const y = model.predict(t, lengths ? { lengths } : {});
  return { data: y.data(), shape: y.shape };
}

const SIZES = [
  [1, 1],
  [3, 7],
  [8, 17],
  [2, 40],
];

describe('rnn export --onnx: onnxruntime gives what rnn predict gives (rel. error < 1e-4)', () => {
  it.each(MODELS.map(([name, make, f], i) => ({ name, make, f, i })))('$name', async ({ make, f, i }) => {
    const model = build(make, f, 10 + i);
    const bytes = exportOnnx(model);
    const rng = new Rng(100 + i);
    for (const [B, T] of SIZES) {
      const x = batch(model, f, B!, T!, rng);
      const want = predictLocal(model, x);
      const got = await runOnnx(bytes, x);
      expect(got.dims, `dims at B=${B} T=${T}`).toEqual(want.shape);
      expect(relError(got.data, want.data), `B=${B} T=${T}`).toBeLessThan(1e-4);
    }
  });

  it.each(MODELS.filter(([name]) => !name.startsWith('dense') && !name.startsWith('conv')).map(([name, make, f], i) => ({ name, make, f, i })))(
    'with sequence_lens: $name',
    async ({ make, f, i }) => {
      const model = build(make, f, 30 + i);
      const bytes = exportOnnx(model, { sequenceLens: true });
      const rng = new Rng(200 + i);
      for (const [B, T] of [[4, 9], [6, 3]] as const) {
        const x = batch(model, f, B, T, rng);
        const lens = Array.from({ length: B }, (_, b) => (b === 0 ? T : 1 + Math.floor(rng.next() * T)));
        const want = predictLocal(model, x, lens);
        const got = await runOnnx(bytes, x, lens);
        expect(got.dims).toEqual(want.shape);
        expect(relError(got.data, want.data), `B=${B} T=${T} lens=${lens}`).toBeLessThan(1e-4);
      }
    },
  );

  it('refuses what ONNX cannot express, naming the layer and why', () => {
    class MyGRU extends GRUCell {
      override readonly kind = 'my-gru' as never;
    }
    const custom = sequential([rnn(new MyGRU(3), { name: 'gru' })]).build({ inputSize: 2 });
    expect(() => exportOnnx(custom)).toThrow(NotExportableError);
    expect(() => exportOnnx(custom)).toThrow(/layer 'gru' uses the custom cell 'my-gru', which has no ONNX operator/);
    expect(() => exportOnnx(sequential([dense({ units: 2 })]).build({ inputSize: 3 }), { sequenceLens: true })).toThrow(/sequence_lens needs a recurrent layer/);
    expect(() => exportOnnx(sequential([lstm({ units: 2 })]))).toThrow(/no weights yet/);
    expect(() => exportOnnx(sequential([lstm({ units: 2 })]).build({ inputSize: 1 }), { opset: 13 } as never)).toThrow(/opset/);
  });
});

describe('rnn export (command)', () => {
  it('writes a file onnxruntime runs, equal to rnn predict on the same input', async () => {
    const dir = tmp();
    const model = build(() => sequential([lstm({ units: 6, bidirectional: true, returnSequences: true }), dense({ units: 2 })]), 3, 7);
    const path = join(dir, 'm.safetensors');
    writeFileSync(path, model.toBytes());
    const r = await run(['export', '--model', path, '--onnx', join(dir, 'out', 'm.onnx')]);
    expect(r.stderr).toMatch(/^wrote .*m\.onnx \(\d+ bytes, opset 17\): input x float32 \[batch, time, 3\], output y\n$/);
    expect(r.code).toBe(0);
    const x = batch(model, 3, 5, 11, new Rng(5));
    const nested = Array.from({ length: 5 }, (_, b) => Array.from({ length: 11 }, (_, t) => x.data.slice((b * 11 + t) * 3, (b * 11 + t + 1) * 3)));
    writeFileSync(join(dir, 'x.json'), JSON.stringify(nested));
    const p = await run(['predict', '--model', path, '--input', join(dir, 'x.json')]);
    expect(p.code).toBe(0);
    const want = (JSON.parse(p.stdout) as number[][][]).flat(2);
    const got = await runOnnx(readFileSync(join(dir, 'out', 'm.onnx')), x);
    expect(got.dims).toEqual([5, 11, 2]);
    expect(relError(got.data, want)).toBeLessThan(1e-4);
  });

  it('says which model kinds are not exportable and why (exit 1); usage errors exit 2', async () => {
    const dir = tmp();
    const v = SeqVocab.build([['a', 'b']]);
    const s2s = new Seq2Seq({ sourceVocab: v, targetVocab: v, embeddingDim: 3, encoder: { hiddenSize: 3 }, decoder: { hiddenSize: 3 } });
    writeFileSync(join(dir, 's2s.safetensors'), s2s.toBytes());
    const r1 = await run(['export', '--model', join(dir, 's2s.safetensors'), '--onnx', join(dir, 'x.onnx')]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/^rnn: --model .*s2s\.safetensors: an encoder-decoder model \(rnn train --pairs\) is not exportable to ONNX: .*Loop/);
    const tagger = new Tagger({ vocab: new TaggingVocab(new Vocab(['<unk>', 'w']), new Vocab(['<unk>', 'c']), ['O', 'B']), wordDim: 3, charDim: 2, charFilters: 2, charKernel: 3, hiddenSize: 3, numLayers: 1, crf: true, dropout: 0 });
    writeFileSync(join(dir, 'tag.safetensors'), tagger.toBytes());
    const r2 = await run(['export', '--model', join(dir, 'tag.safetensors'), '--onnx', join(dir, 'x.onnx')]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/^rnn: --model .*tag\.safetensors: a sequence tagger \(rnn train --tagging\) is not exportable to ONNX: .*Viterbi/);
    const [tree] = parseTrees('(1 (0 a) (1 b))', 'x.txt');
    writeFileSync(join(dir, 'tree.safetensors'), new TreeNet({ cell: 'tree-lstm', hiddenSize: 3, embeddingDim: 2, vocab: Vocab.build([tree!]) }).toBytes());
    const r6 = await run(['export', '--model', join(dir, 'tree.safetensors'), '--onnx', join(dir, 'x.onnx')]);
    expect(r6.code).toBe(1);
    expect(r6.stderr).toMatch(/^rnn: --model .*tree\.safetensors: a tree model \(rnn train --trees\) is not exportable to ONNX: /);
    const dense3 = join(dir, 'dense.safetensors');
    writeFileSync(dense3, sequential([dense({ units: 2 })]).build({ inputSize: 3 }).toBytes());
    const r7 = await run(['export', '--model', dense3, '--onnx', join(dir, 'x.onnx'), '--sequence-lens']);
    expect([r7.code, r7.stderr]).toEqual([1, `rnn: --model ${dense3}: sequence_lens needs a recurrent layer to pass the lengths to; this model has none (drop --sequence-lens, or the sequenceLens option)\n`]);
    const r8 = await run(['export', '--model', dense3, '--onnx', dir]);
    expect([r8.code, r8.stderr]).toEqual([1, `rnn: --onnx ${dir}: is a folder; give a file path in it, e.g. ${join(dir, 'model.onnx')}; choose a path that can be written\n`]);
    const r3 = await run(['export', '--model', join(dir, 'missing.safetensors'), '--onnx', join(dir, 'x.onnx')]);
    expect([r3.code, r3.stderr]).toEqual([1, `rnn: --model ${join(dir, 'missing.safetensors')}: no such file\n`]);
    const r4 = await run(['export', '--model', join(dir, 's2s.safetensors')]);
    expect(r4.code).toBe(2);
    expect(r4.stderr).toMatch(/--onnx/);
    const r5 = await run(['export', '--model', join(dir, 's2s.safetensors'), '--onnx', 'x.onnx', '--opset', '13']);
    expect(r5.code).toBe(2);
    expect(r5.stderr).toMatch(/unknown flag --opset/);
  });
});

const checker = onnxChecker();
describe('onnx.checker (python3-onnx) accepts every exported model', () => {
  if ('absent' in checker) {
    console.warn(checker.absent);
    it.skip(checker.absent, () => {});
    return;
  }
  it('full_check, with and without sequence_lens', () => {
    const dir = tmp();
    MODELS.forEach(([name, make, f], i) => {
      const model = build(make, f, i);
      const variants = name.startsWith('dense') || name.startsWith('conv') ? [false] : [false, true];
      for (const sequenceLens of variants) {
        const path = join(dir, `m${i}-${sequenceLens}.onnx`);
        writeFileSync(path, exportOnnx(model, { sequenceLens }));
        expect(checkModel(checker.python, path), `${name}${sequenceLens ? ' with sequence_lens' : ''}`).toBeNull();
      }
    });
  });
});
