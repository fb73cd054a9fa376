// Train both custom cells on a real series (Nile annual flow) to predict the next value from the
// previous 10: `npx tsx examples/custom-cells/train.ts` (or through the test that runs it).
import { readFileSync } from 'node:fs';
import { dense, rnn, sequential } from '@rnn/layers';
import { ElmanCell } from './elman.js';
import { PeepholeLSTMCell } from './peephole-lstm.js';

export async function trainCustomCells(epochs = 30): Promise<Record<string, { first: number; last: number }>> {
  const csv = readFileSync(new URL('../../data/nile/nile.csv', import.meta.url), 'utf8').trim().split('\n').slice(1);
  const flow = csv.map((l) => Number(l.split(',').at(-1)));
  const mean = flow.reduce((a, b) => a + b, 0) / flow.length;
  const std = Math.sqrt(flow.reduce((a, b) => a + (b - mean) ** 2, 0) / flow.length);
  const z = flow.map((v) => (v - mean) / std);
  const W = 10;
  const x: number[][][] = [];
  const y: number[][] = [];
  for (let i = 0; i + W < z.length; i++) {
    x.push(z.slice(i, i + W).map((v) => [v]));
    y.push([z[i + W]!]);
  }
  const out: Record<string, { first: number; last: number }> = {};
  for (const [name, cell] of [
    ['elman', new ElmanCell(16, 8)],
    ['peephole-lstm', new PeepholeLSTMCell(16)],
  ] as const) {
    const model = sequential([rnn(cell, { name }), dense({ units: 1 })]);
    model.compile({ optimizer: { type: 'adam', lr: 0.01 }, loss: 'mse' });
    const h = await model.fit(x, y, { epochs, batchSize: 16, seed: 1 });
    out[name] = { first: h.epochs[0]!.loss, last: h.epochs.at(-1)!.loss };
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await trainCustomCells());
}
