import { z } from 'zod';
import { parseOptions } from '../options/parse.js';
import { bool, nonNegativeInt, tensorSchema } from '../options/schemas.js';
import { DTypeError, ShapeError } from '../errors.js';
import { fmt } from '../shape.js';
import { needsGrad, recordFused, wrap } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { linear } from './nn.js';
import { concat, pad, reshape, slice, transpose } from './shape-ops.js';
import { backendOf, requireFloat } from './util.js';

/**
 * 1-D convolution over time, batch-first with channels last like the rest of rnn, and PyTorch's
 * `nn.Conv1d` weight layout (so model files keep PyTorch names):
 *
 *   y[b, t, o] = bias[o] + Σ_{c, k} weight[o, c, k] · xpad[b, t + k, c]
 *
 * with `xpad` = x zero-padded by `padding` steps on both sides; `T' = T + 2·padding − K + 1`.
 * (Cross-correlation, as every framework's "convolution".) Only stride 1.
 */
const conv1dOptions = z.strictObject({
  /** Zero steps added on each side of the time axis (default 0). */
  padding: nonNegativeInt().optional(),
  /** Only 1 is supported; any other value is refused rather than ignored. */
  stride: z.literal(1, { error: '1 (only stride 1 is supported)' }).optional(),
  /** Use the backend's fused conv1d kernel when it has one (default true); false forces the composed ops. */
  fused: bool().optional(),
});

export type Conv1dOptions = z.infer<typeof conv1dOptions>;

/** Checked sizes of a conv1d call. */
export interface Conv1dChecked {
  B: number;
  T: number;
  Cin: number;
  Cout: number;
  K: number;
  padding: number;
  /** Output steps `T + 2·padding − K + 1`. */
  Tout: number;
}

/** @internal the one place a user's conv1d arguments are checked. */
export function checkConv1d(x: Tensor, weight: Tensor, bias: Tensor | null, padding: number): Conv1dChecked {
  const op = 'conv1d';
  requireFloat(op, x, 'x');
  if (x.rank !== 3) throw new ShapeError(`${op}: x must be [batch, time, channels], found ${x.describe()}`);
  if (weight.rank !== 3) {
    throw new ShapeError(`${op}: weight must be [outChannels, inChannels, kernelSize] (PyTorch's Conv1d layout), found ${weight.describe()}`);
  }
  const [B, T, Cin] = x.shape as [number, number, number];
  const [Cout, wCin, K] = weight.shape as [number, number, number];
  if (wCin !== Cin) {
    throw new ShapeError(`${op}: weight ${weight.describe()} has ${wCin} input channels but x ${x.describe()} has ${Cin} (its last axis)`);
  }
  if (K < 1) throw new ShapeError(`${op}: weight ${weight.describe()} has kernel size 0; expected at least 1`);
  const checks: [Tensor, string][] = [[weight, 'weight']];
  if (bias) {
    if (bias.rank !== 1 || bias.shape[0] !== Cout) {
      throw new ShapeError(`${op}: bias must have shape ${fmt([Cout])} (one per output channel), found ${bias.describe()}`);
    }
    checks.push([bias, 'bias']);
  }
  for (const [t, what] of checks) {
    if (t.dtype !== x.dtype) throw new DTypeError(`${op}: ${what} is ${t.describe()} but x is ${x.describe()}; cast it to ${x.dtype} with cast() first`);
  }
  backendOf(op, x, weight, ...(bias ? [bias] : []));
  const Tout = T + 2 * padding - K + 1;
  if (Tout < 1) {
    throw new ShapeError(
      `${op}: x has ${T} steps but the kernel spans ${K} (with padding ${padding}), so no output step fits; ` +
        `pad the input to at least ${K - 2 * padding} steps or raise padding to ${Math.ceil((K - T) / 2)}`,
    );
  }
  return { B, T, Cin, Cout, K, padding, Tout };
}

/** `[B, T, Cin]` ⊛ `[Cout, Cin, K]` (+ `[Cout]`) → `[B, T', Cout]`. Differentiable in x, weight, bias. */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv1dOptions = {}): Tensor {
  parseOptions(tensorSchema(), x, 'conv1d x');
  parseOptions(tensorSchema(), weight, 'conv1d weight');
  if (bias !== null) parseOptions(tensorSchema(), bias, 'conv1d bias');
  const o = parseOptions(conv1dOptions, options, 'conv1d');
  const c = checkConv1d(x, weight, bias, o.padding ?? 0);
  const backend = x.backend;
  if (o.fused === false || !backend.conv1dForward || !backend.conv1dBackward) return conv1dComposed(x, weight, bias, c);
  const kargs = { x, weight, bias, padding: c.padding };
  const y = wrap(backend, backend.conv1dForward(kargs), [c.B, c.Tout, c.Cout], x.dtype);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  recordFused('conv1d', inputs, [y], ([dy]) => {
    const r = backend.conv1dBackward!({ ...kargs, dy: dy!, needDx: needsGrad(x) });
    return [
      r.dx === null ? null : wrap(backend, r.dx, x.shape, x.dtype),
      wrap(backend, r.dWeight, weight.shape, x.dtype),
      ...(bias ? [wrap(backend, r.dBias, bias.shape, x.dtype)] : []),
    ];
  });
  return y;
}

/**
 * The composed reference, by im2col: the K shifted windows of the padded input side by side
 * (`[B, T', K·Cin]`, column `k·Cin + c`), times the weight laid out to match, in one matmul.
 */
export function conv1dComposed(x: Tensor, weight: Tensor, bias: Tensor | null, checked?: Conv1dChecked): Tensor {
  const c = checked ?? checkConv1d(x, weight, bias, 0);
  const { B, Cin, Cout, K, padding, Tout } = c;
  const xp = padding > 0 ? pad(x, [0, padding, 0], [0, padding, 0]) : x;
  const cols = K === 1 ? slice(xp, [0, 0, 0], [B, Tout, Cin]) : concat(Array.from({ length: K }, (_, k) => slice(xp, [0, k, 0], [B, Tout, Cin])), 2);
  const w = reshape(transpose(weight, [0, 2, 1]), [Cout, K * Cin]);
  return linear(cols, w, bias);
}
