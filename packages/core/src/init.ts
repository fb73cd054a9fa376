import { Rng, defaultRng } from './random.js';
import { sizeOf, type Shape } from './shape.js';

/**
 * Weight initialisers. The default everywhere is PyTorch's, so a fresh model matches a fresh
 * PyTorch model in distribution: recurrent weights and biases uniform(±1/√hidden), `nn.Linear`
 * uniform(±1/√in), embeddings N(0, 1).
 */
export type Initializer =
  | { kind: 'uniform'; bound: number }
  | { kind: 'normal'; std: number }
  | { kind: 'glorot' }
  | { kind: 'orthogonal'; gain?: number }
  | { kind: 'zeros' };

export type InitName = 'pytorch' | 'glorot' | 'orthogonal';

export function initialise(init: Initializer, shape: Shape, rng: Rng = defaultRng()): Float64Array {
  const n = sizeOf(shape);
  const out = new Float64Array(n);
  switch (init.kind) {
    case 'zeros':
      return out;
    case 'uniform':
      for (let i = 0; i < n; i++) out[i] = rng.uniform(-init.bound, init.bound);
      return out;
    case 'normal':
      for (let i = 0; i < n; i++) out[i] = init.std * rng.normal();
      return out;
    case 'glorot': {
      const fanOut = shape[0] ?? 1;
      const fanIn = shape.length > 1 ? n / fanOut : fanOut;
      const bound = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < n; i++) out[i] = rng.uniform(-bound, bound);
      return out;
    }
    case 'orthogonal':
      return orthogonal(shape, init.gain ?? 1, rng);
  }
}

/**
 * A (semi-)orthogonal matrix via Gram–Schmidt on a Gaussian matrix. For a stacked gate matrix
 * `[G*H, H]` each `[H, H]` block is made orthogonal, as Keras does for recurrent kernels.
 */
function orthogonal(shape: Shape, gain: number, rng: Rng): Float64Array {
  const rows = shape[0] ?? 1;
  const cols = sizeOf(shape) / rows;
  const out = new Float64Array(rows * cols);
  const block = rows > cols && rows % cols === 0 ? cols : rows;
  for (let b0 = 0; b0 < rows; b0 += block) {
    const r = Math.min(block, rows - b0);
    // orthonormalise the longer side
    const tall = r >= cols;
    const m = tall ? cols : r;
    const len = tall ? r : cols;
    const vecs: Float64Array[] = [];
    for (let i = 0; i < m; i++) {
      const v = new Float64Array(len);
      for (let j = 0; j < len; j++) v[j] = rng.normal();
      for (const u of vecs) {
        let dot = 0;
        for (let j = 0; j < len; j++) dot += v[j]! * u[j]!;
        for (let j = 0; j < len; j++) v[j]! -= dot * u[j]!;
      }
      let norm = 0;
      for (let j = 0; j < len; j++) norm += v[j]! * v[j]!;
      norm = Math.sqrt(norm) || 1;
      for (let j = 0; j < len; j++) v[j]! /= norm;
      vecs.push(v);
    }
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < cols; j++) {
        out[(b0 + i) * cols + j] = gain * (tall ? vecs[j]![i]! : vecs[i]![j]!);
      }
    }
  }
  return out;
}
