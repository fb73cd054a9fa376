// The adding problem (Hochreiter & Schmidhuber 1997; the T=100 set-up of Le, Jaitly & Hinton 2015):
// each step carries a random value in [0, 1] and a marker; exactly two steps are marked, one in
// each half of the sequence, and the target is the sum of the two marked values. Predicting the
// mean scores MSE ≈ 0.167; solving the task means MSE < 0.01. A simple RNN cannot carry the first
// value across ~50 steps (its gradient vanishes); LSTM and GRU can.
//
//   npx tsx examples/adding-problem/run.ts [--steps 3000] [--T 100] [--cells lstm,gru,rnn]
// (RNN_BACKEND=native makes it several times faster.)
import { Rng, noGrad, ready, tensor } from '@rnn/core';
import { dense, gru, lstm, sequential, simpleRNN, trainStep, type Sequential } from '@rnn/layers';

export function addingBatch(rng: Rng, batch: number, T: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(batch * T * 2);
  const y = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    const half = Math.floor(T / 2);
    const i = rng.int(half);
    const j = half + rng.int(T - half);
    for (let t = 0; t < T; t++) {
      const v = rng.next();
      x[(b * T + t) * 2] = v;
      if (t === i || t === j) {
        x[(b * T + t) * 2 + 1] = 1;
        y[b] += v;
      }
    }
  }
  return { x, y };
}

export interface AddingResult {
  cell: string;
  steps: number;
  finalMse: number;
  solvedAtStep: number | null;
  seconds: number;
  curve: [number, number][];
}

export async function addingProblem(cell: 'lstm' | 'gru' | 'rnn', o: { steps: number; T: number; batch?: number; hidden?: number; seed?: number; lr?: number }): Promise<AddingResult> {
  await ready();
  const batch = o.batch ?? 64;
  const hidden = o.hidden ?? 64;
  const rng = new Rng(o.seed ?? 1);
  const make = { lstm, gru, rnn: simpleRNN }[cell];
  const model: Sequential = sequential([make({ units: hidden }), dense({ units: 1 })]).build({ inputSize: 2, seed: o.seed ?? 1 });
  model.compile({ optimizer: { type: 'adam', lr: o.lr ?? 2e-3 }, loss: 'mse', clipNorm: 1 });
  const test = addingBatch(new Rng(999), 512, o.T);
  const xTest = tensor(test.x, [512, o.T, 2]);
  const yTest = tensor(test.y, [512, 1]);
  const evalMse = () => noGrad(() => model.evaluate(xTest, yTest, { batchSize: 512 })['loss']!);
  const curve: [number, number][] = [];
  let solvedAtStep: number | null = null;
  const t0 = performance.now();
  for (let s = 1; s <= o.steps; s++) {
    const { x, y } = addingBatch(rng, batch, o.T);
    trainStep(model, model.training, tensor(x, [batch, o.T, 2]), tensor(y, [batch, 1]), { rng, lengths: null, where: `step ${s}`, check: true });
    if (s % 100 === 0 || s === o.steps) {
      const mse = evalMse();
      curve.push([s, mse]);
      if (solvedAtStep === null && mse < 0.01) solvedAtStep = s;
    }
  }
  return { cell, steps: o.steps, finalMse: curve.at(-1)![1], solvedAtStep, seconds: (performance.now() - t0) / 1000, curve };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const opt = (n: string, d: string) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1]! : d);
  const steps = Number(opt('steps', '3000'));
  const T = Number(opt('T', '100'));
  for (const cell of opt('cells', 'lstm,gru,rnn').split(',') as ('lstm' | 'gru' | 'rnn')[]) {
    const r = await addingProblem(cell, { steps, T });
    console.log(
      `${cell.padEnd(5)} T=${T} steps=${steps} final test MSE ${r.finalMse.toFixed(4)} ` +
        `${r.solvedAtStep ? `(< 0.01 from step ${r.solvedAtStep})` : '(never < 0.01)'} in ${r.seconds.toFixed(0)} s`,
    );
    console.log(`  curve: ${r.curve.filter((_, i) => i % 5 === 4).map(([s, m]) => `${s}:${m.toFixed(3)}`).join(' ')}`);
  }
}
