import { z } from 'zod';
import { parseOptions } from '../options/parse.js';
import { bool, lengthsSchema, tensorSchema } from '../options/schemas.js';
import { GATES, type BTensor, type SequenceForwardArgs } from '../backend.js';
import type { Cell } from '../cells/cell.js';
import { scan } from '../cells/scan.js';
import { traceOnHost } from '../cells/trace.js';
import { tensor } from './creation.js';
import { isGradEnabled, needsGrad, recordFused, wrap } from '../engine.js';
import { ConfigError, DTypeError, ShapeError } from '../errors.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, requireFloat } from './util.js';

/**
 * `recurrence`: one recurrent layer direction over a whole sequence. A cell with a `kernel` runs
 * the backend's fused whole-sequence kernel when the backend has it; every other case runs `scan`
 * over `cell.step` — the path custom cells take, and the reference the conformance suite checks
 * every fused kernel against. Either way the arguments are checked here first, with the messages
 * users see.
 */
const recurrenceArgs = z.strictObject({
  cell: z.custom<Cell>((v) => typeof v === 'object' && v !== null && typeof (v as Cell).step === 'function' && typeof (v as Cell).initCarry === 'function', {
    error: 'a Cell (an object with initCarry and step)',
  }),
  /** The cell's parameters by local name (`weight_ih`, …). */
  params: z.record(z.string(), tensorSchema(), { error: 'an object of Tensors by local parameter name' }),
  /** `[B, T, I]` */
  x: tensorSchema(),
  /** The carry at step 0, in `cell.initCarry`'s layout; zeros when omitted. */
  carry: z.array(tensorSchema(), { error: 'an array of Tensors' }).readonly().nullish(),
  /** Valid steps per row (1..T); padded steps keep the carry and output zeros. */
  lengths: lengthsSchema().nullish(),
  reverse: bool().optional(),
});

const recurrenceOptions = z.strictObject({
  /** Use the backend's fused kernel when the cell has one (default true); false forces `scan`. */
  fused: bool().optional(),
  /** Also return `trace`: every step's gate activations (and lstm's c_t), for `rnn explain`. */
  record: bool().optional(),
});

export type RecurrenceArgs = z.infer<typeof recurrenceArgs>;
export type RecurrenceOptions = z.infer<typeof recurrenceOptions>;

export interface RecurrenceResult {
  /** `[B, T, outputSize]`, zeros at padded steps. */
  y: Tensor;
  /** The final carry (`[h]`, or `[h, c]` for an LSTM), each `[B, width]`; after step 0 when reverse. */
  carry: Tensor[];
  /** `[B, outputSize]`: each row's output at its last valid step (step 0 when reverse). */
  last: Tensor;
  /** With `record`: `gates` `[B, T, G*H]` and `cells` `[B, T, H]` (lstm, else null), data (no
   *  gradient), zeros at padded steps. Null for a custom cell (no gate layout to record). */
  trace?: { gates: Tensor; cells: Tensor | null } | null;
}

interface Checked {
  carry: Tensor[];
  lengths: Int32Array | null;
}

function check(args: RecurrenceArgs): Checked {
  const { cell, params, x } = args;
  const op = `recurrence(${cell.kind})`;
  requireFloat(op, x, 'x');
  if (x.rank !== 3) throw new ShapeError(`${op}: x must be [batch, time, features], found ${x.describe()}`);
  // every backend computes in one dtype per call: a mixed call is the user's to fix, here
  const carryNames = ['h0', 'c0'];
  const mixed: [Tensor | undefined, string][] = [
    ...Object.entries(params).map(([name, t]) => [t, name] as [Tensor, string]),
    ...(args.carry ?? []).map((t, i) => [t, carryNames[i] ?? `carry[${i}]`] as [Tensor, string]),
  ];
  for (const [t, what] of mixed) {
    if (t && t.dtype !== x.dtype) throw new DTypeError(`${op}: ${what} is ${t.describe()} but x is ${x.describe()}; cast it to ${x.dtype} with cast() first`);
  }
  const [B, T, I] = x.shape as [number, number, number];
  const expect = (t: Tensor, shape: readonly number[], what: string) => {
    if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ShapeError(`${op}: ${what} must have shape ${fmt(shape)}, found ${t.describe()}`);
    }
  };
  if (cell.kernel) {
    // the fused kernel reads PyTorch's layout; scan over step would fail later and less clearly
    const G = GATES[cell.kernel];
    const H = cell.hiddenSize;
    const want: [string, number[], string][] = [
      ['weight_hh', [G * H, H], 'weight_hh'],
      ['weight_ih', [G * H, I], 'weight_ih (its columns must equal the input features)'],
      ['bias_ih', [G * H], 'bias_ih'],
      ['bias_hh', [G * H], 'bias_hh'],
    ];
    for (const [name, shape, what] of want) {
      const t = params[name];
      if (!t) {
        throw new ConfigError(
          `${op}: parameter '${name}' is missing (found ${Object.keys(params).join(', ') || 'none'}); ` +
            `the '${cell.kernel}' kernel reads weight_ih, weight_hh, bias_ih and bias_hh`,
        );
      }
      expect(t, shape, what);
    }
  }
  // A given carry is checked against the cell's carry shapes; zeros are allocated only when none
  // is given (a decoding loop passes its carry at every step).
  let carry: Tensor[];
  if (args.carry) {
    const shapes = cell.carryShapes?.(B) ?? cell.initCarry(B, x).map((t) => t.shape);
    if (args.carry.length !== shapes.length) {
      throw new ShapeError(`${op}: the initial carry has ${args.carry.length} entries, expected ${shapes.length} (as initCarry gives)`);
    }
    const names = shapes.length <= 2 ? ['h0', 'c0'] : shapes.map((_, i) => `carry[${i}]`);
    args.carry.forEach((t, i) => expect(t, shapes[i]!, names[i]!));
    carry = [...args.carry];
  } else {
    carry = cell.initCarry(B, x);
  }
  let lengths: Int32Array | null = null;
  if (args.lengths) {
    if (args.lengths.length !== B) {
      throw new ShapeError(`${op}: lengths has ${args.lengths.length} entries, expected one per batch row (${B})`);
    }
    lengths = Int32Array.from(args.lengths);
    for (let b = 0; b < B; b++) {
      const l = args.lengths[b]!;
      if (!Number.isInteger(l) || l < 1 || l > T) {
        throw new ShapeError(`${op}: lengths[${b}] = ${l}, expected an integer in 1..${T} (the time axis of x)`);
      }
    }
    if (lengths.every((l) => l === T)) lengths = null;
  }
  backendOf(op, x, ...carry, ...Object.values(params));
  return { carry, lengths };
}

/** Run one recurrent layer direction over a whole sequence (fused when the cell and backend can). */
export function recurrence(args: RecurrenceArgs, options: RecurrenceOptions = {}): RecurrenceResult {
  parseOptions(recurrenceArgs, args, 'recurrence');
  parseOptions(recurrenceOptions, options, 'recurrence options');
  const c = check(args);
  const { cell, x } = args;
  const backend = x.backend;
  const record = options.record ?? false;
  if (options.fused === false || !cell.kernel || !backend.sequenceForward || !backend.sequenceBackward) {
    const res: RecurrenceResult = scan(cell, args.params, x, c.carry, c.lengths, args.reverse ?? false);
    return record ? { ...res, trace: hostTrace(args, c) } : res;
  }
  const p = args.params;
  const [h0, c0] = c.carry as [Tensor, Tensor | undefined];
  const weights = [p['weight_ih']!, p['weight_hh']!, p['bias_ih']!, p['bias_hh']!];
  const inputs: Tensor[] = [x, h0, ...(c0 ? [c0] : []), ...weights];
  const fargs: SequenceForwardArgs = {
    cell: cell.kernel,
    x,
    h0,
    c0: c0 ?? null,
    weightIh: weights[0]!,
    weightHh: weights[1]!,
    biasIh: weights[2]!,
    biasHh: weights[3]!,
    lengths: c.lengths,
    reverse: args.reverse ?? false,
    training: isGradEnabled() && inputs.some(needsGrad),
    ...(record ? { record } : {}),
  };
  const res = backend.sequenceForward(fargs);
  const [B, T] = x.shape as [number, number];
  const H = cell.hiddenSize;
  const dt = x.dtype;
  const y = wrap(backend, res.y, [B, T, H], dt);
  const hN = wrap(backend, res.hN, [B, H], dt);
  const cN = res.cN === null ? null : wrap(backend, res.cN, [B, H], dt);
  const carry = cN ? [hN, cN] : [hN];
  recordFused(
    `sequence_${cell.kernel}`,
    inputs,
    [y, ...carry],
    (grads) => {
      const [dy, dhN, dcN] = grads as [Tensor | null, Tensor | null, Tensor | null];
      const r = backend.sequenceBackward!({ ...fargs, forward: res, dy, dhN, dcN: dcN ?? null, needDx: needsGrad(x) });
      const w = (s: unknown, t: BTensor) => wrap(backend, s, t.shape, dt);
      return [
        r.dx === null ? null : w(r.dx, x),
        w(r.dh0, h0),
        ...(c0 ? [w(r.dc0, c0)] : []),
        w(r.dWeightIh, weights[0]!),
        w(r.dWeightHh, weights[1]!),
        w(r.dBiasIh, weights[2]!),
        w(r.dBiasHh, weights[3]!),
      ];
    },
    () => backend.disposeReserve?.(res.reserve),
  );
  // a built-in cell's output is its hidden state, so the last valid output is h_N
  if (!record) return { y, carry, last: hN };
  const trace = res.trace
    ? { gates: wrap(backend, res.trace.gates, [B, T, GATES[cell.kernel] * H], dt), cells: res.trace.cells === null ? null : wrap(backend, res.trace.cells, [B, T, H], dt) }
    : hostTrace(args, c);
  return { y, carry, last: hN, trace };
}

/** The trace computed on the host from the cell's equations (a built-in cell only). */
function hostTrace(args: RecurrenceArgs, c: Checked): RecurrenceResult['trace'] {
  const { cell, params: p, x } = args;
  if (!cell.kernel) return null;
  const [B, T, I] = x.shape as [number, number, number];
  const H = cell.hiddenSize;
  const t = traceOnHost({
    kernel: cell.kernel,
    B, T, I, H,
    x: x.data(),
    h0: c.carry[0]!.data(),
    c0: c.carry[1]?.data() ?? null,
    weightIh: p['weight_ih']!.data(),
    weightHh: p['weight_hh']!.data(),
    biasIh: p['bias_ih']!.data(),
    biasHh: p['bias_hh']!.data(),
    lengths: c.lengths,
    reverse: args.reverse ?? false,
  });
  const make = (d: Float64Array, shape: number[]) => tensor(d, shape, { dtype: x.dtype, backend: x.backend });
  return { gates: make(t.gates, [B, T, GATES[cell.kernel] * H]), cells: t.cells ? make(t.cells, [B, T, H]) : null };
}
