import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModelFile } from '@rnn/core';
import { GOLDEN, run, tmp } from './helpers.js';

const golden = JSON.parse(readFileSync(join(GOLDEN, 'optimizers.json'), 'utf8')) as {
  train: { id: string; cli: string[]; finalParams: Record<string, { shape: number[]; data: number[] }> }[];
};

function close(a: ArrayLike<number>, b: ArrayLike<number>, rel: number, abs: number): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    const err = Math.abs(a[i]! - b[i]!) / (abs + rel * Math.abs(b[i]!));
    worst = Math.max(worst, err);
  }
  return worst;
}

describe('rnn train matches PyTorch exactly (contract)', () => {
  for (const c of golden.train) {
    it(c.id, async () => {
      const dir = tmp();
      const out = join(dir, 'out.safetensors');
      const args = c.cli.slice(1).map((a) => (a === 'OUT.safetensors' ? out : a.endsWith('.json') || a.endsWith('.safetensors') ? join(GOLDEN, a) : a));
      const r = await run(args);
      // stderr: one line per epoch (progress) and where the model went, nothing else
      expect(r.stderr.split('\n').filter((l) => l && !l.startsWith('rnn: warning:') && !/^train epoch \d+\/\d+ loss \S+ \(\d+\.\ds\)$/.test(l))).toEqual([`rnn: wrote ${out}`]);
      expect(r.code).toBe(0);
      const file = readModelFile(new Uint8Array(readFileSync(out)), out);
      for (const [name, t] of Object.entries(c.finalParams)) {
        const got = file.tensors.get(name)!;
        expect(got.shape).toEqual(t.shape);
        expect(close(got.data as Float32Array, t.data, 1e-3, 1e-5), name).toBeLessThanOrEqual(1);
      }
    });
  }
});

describe('rnn predict', () => {
  it('reproduces the PyTorch model output', async () => {
    const ref = JSON.parse(readFileSync(join(GOLDEN, 'pytorch-lstm-dense.json'), 'utf8')) as {
      input: { shape: number[]; data: number[] };
      output: { shape: number[]; data: number[] };
    };
    const dir = tmp();
    const nested = (d: number[], shape: number[]): unknown =>
      shape.length === 1 ? d.slice(0, shape[0]) : Array.from({ length: shape[0]! }, (_, i) => nested(d.slice(i * (d.length / shape[0]!), (i + 1) * (d.length / shape[0]!)), shape.slice(1)));
    writeFileSync(join(dir, 'x.json'), JSON.stringify(nested(ref.input.data, ref.input.shape)));
    const r = await run(['predict', '--model', join(GOLDEN, 'pytorch-lstm-dense.safetensors'), '--input', join(dir, 'x.json')]);
    expect(r.code).toBe(0);
    const got = (JSON.parse(r.stdout) as number[][][]).flat(3) as number[];
    expect(close(got, ref.output.data, 1e-4, 1e-6)).toBeLessThanOrEqual(1);
    // .npy output round trip
    const r2 = await run(['predict', '--model', join(GOLDEN, 'pytorch-lstm-dense.safetensors'), '--input', join(dir, 'x.json'), '--output', join(dir, 'y.npy')]);
    expect(r2.code).toBe(0);
    expect(existsSync(join(dir, 'y.npy'))).toBe(true);
  });
});

describe('bad input: one clear line, non-zero exit, no output file', () => {
  const model = join(GOLDEN, 'train-mse-adam.init.safetensors');
  const cases: [string, (dir: string) => string[], RegExp][] = [
    ['unknown flag with suggestion', () => ['predict', '--model', model, '--inptu', 'x.json'], /unknown flag --inptu \(did you mean --input\?\)/],
    ['missing model file', (d) => ['predict', '--model', join(d, 'nope.safetensors'), '--input', join(d, 'x.json')], /nope\.safetensors: no such file/],
    ['ragged input', (d) => (writeFileSync(join(d, 'x.json'), '[[[1,2,3]],[[1,2]]]'), ['predict', '--model', model, '--input', join(d, 'x.json'), '--output', join(d, 'out.json')]), /x\.json/],
    ['wrong feature count', (d) => (writeFileSync(join(d, 'x.json'), '[[[1,2]]]'), ['predict', '--model', model, '--input', join(d, 'x.json'), '--output', join(d, 'out.json')]), /expected .*found shape \[1, 1, 2\]/],
    ['NaN in npy', (d) => {
      const hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 4), }";
      const pad = 64 - ((10 + hdr.length + 1) % 64);
      const h = Buffer.from(hdr + ' '.repeat(pad) + '\n');
      const b = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0, h.length & 255, h.length >> 8]), h, Buffer.from(new Float32Array([1, NaN, 0, 0]).buffer)]);
      writeFileSync(join(d, 'x.npy'), b);
      return ['predict', '--model', model, '--input', join(d, 'x.npy'), '--output', join(d, 'out.json')];
    }, /x\.npy.*NaN/],
    ['truncated model', (d) => {
      writeFileSync(join(d, 'm.safetensors'), readFileSync(model).subarray(0, 100));
      writeFileSync(join(d, 'x.json'), '[[[1,2,3,4]]]');
      return ['predict', '--model', join(d, 'm.safetensors'), '--input', join(d, 'x.json'), '--output', join(d, 'out.json')];
    }, /m\.safetensors/],
    ['train y of the wrong shape', (d) => {
      writeFileSync(join(d, 'x.json'), '[[[1,2,3,4]],[[1,2,3,4]]]');
      writeFileSync(join(d, 'y.json'), '[[1,2],[3,4]]');
      return ['train', '--model', model, '--x', join(d, 'x.json'), '--y', join(d, 'y.json'), '--out', join(d, 'out.safetensors')];
    }, /--y .*y\.json.*\[2, 2\]/],
    ['bad number', (d) => ['train', '--model', model, '--x', 'a.json', '--y', 'b.json', '--out', join(d, 'out.safetensors'), '--lr', 'fast'], /--lr expects a number, found 'fast'/],
    ['unknown optimizer', (d) => ['train', '--model', model, '--x', 'a.json', '--y', 'b.json', '--out', join(d, 'out.safetensors'), '--optimizer', 'adamm'], /one of sgd, adam.*did you mean adam/],
  ];
  for (const [name, args, re] of cases) {
    it(name, async () => {
      const dir = tmp();
      const r = await run(args(dir));
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^rnn: /);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(readdirSync(dir).filter((f) => f.startsWith('out') || f.endsWith('.tmp'))).toEqual([]);
    });
  }
});
