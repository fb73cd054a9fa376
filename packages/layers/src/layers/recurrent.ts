import { z } from 'zod';
import {
  ConfigError,
  describeValue,
  parseOptions,
  schemas,
  GRUCell,
  LSTMCell,
  ShapeError,
  SimpleCell,
  cellConfig,
  concat,
  recurrence,
  reshape,
  slice,
  stack,
  tensor,
  type Cell,
  type CellParams,
  type InitName,
  type JsonValue,
  type LayerConfig,
  type Rng,
  type Tensor,
} from '@rnn/core';
import { isRegisteredCell } from '../cells/registry.js';
import { Layer, type CallContext, type LayerParameter, type SymbolicShape } from './layer.js';

const { bool, positiveInt, text } = schemas;

const recurrentShape = {
  name: text().optional(),
  /** Stacked layers, like PyTorch's `num_layers`. Default 1. */
  numLayers: positiveInt().optional(),
  bidirectional: bool().optional(),
  /** Output every step `[B, T, D*H]` (true) or the final state `[B, D*H]` (false, the default). */
  returnSequences: bool().optional(),
  init: z.enum(['pytorch', 'glorot', 'orthogonal']).optional(),
  /** Use the backend's fused kernel when it has one (default true); false forces the composed path. */
  fused: bool().optional(),
};
const recurrentOptions = z.strictObject(recurrentShape);
/**
 * A factory's options. `type` is there so that a layer config of the model file
 * (`model.config().layers[i]`) is accepted by its own factory; it must name that factory's layer.
 */
const builtinShape = {
  ...recurrentShape,
  /** Hidden units (Keras calls it `units`, PyTorch `hidden_size`). */
  hiddenSize: positiveInt().optional(),
  units: positiveInt().optional(),
};
const kindShape = { type: z.enum(['rnn', 'lstm', 'gru']).optional() };
const builtinOptions = z.strictObject({ ...builtinShape, ...kindShape });
const simpleRNNOptions = z.strictObject({ ...builtinShape, nonlinearity: z.enum(['tanh', 'relu']).optional(), ...kindShape });

export type RecurrentOptions = z.infer<typeof recurrentOptions>;
export type BuiltinRecurrentOptions = z.infer<typeof builtinOptions>;
export type SimpleRNNOptions = z.infer<typeof simpleRNNOptions>;

/** Initial or final states: `h` (and `c` for LSTM-like cells), each `[numLayers*D, B, H]`. */
export interface RecurrentState {
  h: Tensor;
  c?: Tensor;
}

/** Plain, JSON-serialisable state for streaming inference (`[numLayers*D][B][H]`). */
export interface StepState {
  h: number[][][];
  c?: number[][][];
}

/**
 * Runs any `Cell` over time with core's `recurrence` (the backend's fused kernel for a built-in
 * cell when it has one, else `scan` over `cell.step`): stacking, bidirectional, variable
 * `lengths`, caller-given initial states, final states. Parameter names follow PyTorch:
 * `<name>.<param>_l{k}` and `<name>.<param>_l{k}_reverse`.
 */
export class Recurrent extends Layer {
  readonly type: string;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly returnSequences: boolean;
  readonly init: InitName;
  readonly fused: boolean;
  private inputSize = 0;
  private localNames: string[] = [];
  /**
   * Final states of the last `call`, PyTorch `h_n`/`c_n` layout. After a training step of the
   * `Trainer` they are freed with the rest of the step (Sequential.tidySteps): read them from a
   * `call` or `forward` of your own.
   */
  lastState: RecurrentState | null = null;

  constructor(
    readonly cell: Cell,
    options: RecurrentOptions = {},
  ) {
    super(options.name ?? cell.kind);
    parseOptions(recurrentOptions, options, 'new Recurrent');
    this.type = cell.kind;
    this.numLayers = options.numLayers ?? 1;
    this.bidirectional = options.bidirectional ?? false;
    this.returnSequences = options.returnSequences ?? false;
    this.init = options.init ?? 'pytorch';
    this.fused = options.fused ?? true;
    if (!Number.isInteger(this.numLayers) || this.numLayers < 1) {
      throw new ConfigError(`${this.name}: numLayers must be a positive integer, found ${options.numLayers}`);
    }
    if (!Number.isInteger(cell.hiddenSize) || cell.hiddenSize < 1) {
      throw new ConfigError(`${this.name}: hiddenSize must be a positive integer, found ${cell.hiddenSize}`);
    }
  }

  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  get hiddenSize(): number {
    return this.cell.hiddenSize;
  }

  /** Width of the cell's per-step output (the hidden size for built-in cells). */
  get outputSize(): number {
    return this.cell.outputSize ?? this.cell.hiddenSize;
  }

  build(input: SymbolicShape): SymbolicShape {
    if (input.kind !== 'sequence') {
      throw new ShapeError(
        `${this.name}: a recurrent layer needs a sequence [batch, time, features]; its input is ${describe(input)}` +
          (input.kind === 'ids' ? ' (add an embedding layer first)' : ' (set returnSequences: true on the layer before)'),
      );
    }
    this.inputSize = input.features;
    const features = this.directions * this.outputSize;
    return { kind: this.returnSequences ? 'sequence' : 'vector', features };
  }

  private suffix(k: number, d: number): string {
    return `_l${k}${d === 1 ? '_reverse' : ''}`;
  }

  parameters(rng: Rng): LayerParameter[] {
    const out: LayerParameter[] = [];
    for (let k = 0; k < this.numLayers; k++) {
      const inK = k === 0 ? this.inputSize : this.directions * this.outputSize;
      for (let d = 0; d < this.directions; d++) {
        const specs = this.cell.parameters(inK, this.init, rng);
        this.localNames = specs.map((p) => p.name);
        for (const p of specs) {
          out.push({ ...p, name: `${this.name}.${p.name}${this.suffix(k, d)}` });
        }
      }
    }
    return out;
  }

  private cellParams(ctx: CallContext, k: number, d: number): CellParams {
    return Object.fromEntries(this.localNames.map((n) => [n, ctx.param(`${this.name}.${n}${this.suffix(k, d)}`)]));
  }

  call(x: Tensor, ctx: CallContext, initial?: RecurrentState): Tensor {
    if (x.rank !== 3 || x.shape[2] !== this.inputSize) {
      throw new ShapeError(
        `${this.name}: expected input [batch, time, ${this.inputSize}], found ${x.describe()}`,
      );
    }
    const B = x.shape[0]!;
    const H = this.hiddenSize;
    const D = this.directions;
    const carries = this.cell.initCarry(B, x).length;
    const initialCarry = (k: number, d: number): Tensor[] | null => {
      if (!initial) return null;
      const pick = (s: Tensor, what: string) => {
        const want = [this.numLayers * D, B, s.shape[2] ?? H];
        if (s.rank !== 3 || s.shape.some((v, i) => v !== want[i])) {
          throw new ShapeError(`${this.name}: initial ${what} must be [${want.join(', ')}], found ${s.describe()}`);
        }
        return reshape(slice(s, [k * D + d, 0, 0], [1, B, want[2]!]), [B, want[2]!]);
      };
      const list = [pick(initial.h, 'h')];
      if (carries > 1) {
        if (!initial.c) throw new ShapeError(`${this.name}: an initial state for this cell needs both h and c`);
        list.push(pick(initial.c, 'c'));
      }
      return list;
    };

    let input = x;
    const finalH: Tensor[] = [];
    const lastOut: Tensor[] = [];
    const finalC: Tensor[] = [];
    for (let k = 0; k < this.numLayers; k++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const params = this.cellParams(ctx, k, d);
        const init = initialCarry(k, d);
        const reverse = d === 1;
        const { y, carry, last, trace } = recurrence(
          { cell: this.cell, params, x: input, carry: init, lengths: ctx.lengths, reverse },
          { fused: this.fused, ...(ctx.record ? { record: true } : {}) },
        );
        if (ctx.record) {
          const kernel = this.cell.kernel;
          ctx.record({
            layer: this.name,
            depth: k,
            direction: reverse ? 'reverse' : 'forward',
            cell: this.cell.kind,
            gateNames: kernel === 'lstm' ? ['i', 'f', 'g', 'o'] : kernel === 'gru' ? ['r', 'z', 'n'] : kernel ? ['h'] : [],
            h: y,
            gates: trace?.gates ?? null,
            cells: trace?.cells ?? null,
          });
        }
        lastOut.push(last);
        outs.push(y);
        finalH.push(carry[0]!);
        if (carry[1]) finalC.push(carry[1]);
      }
      input = D === 1 ? outs[0]! : concat(outs, 2);
    }
    this.lastState = { h: stack(finalH, 0), ...(finalC.length ? { c: stack(finalC, 0) } : {}) };
    if (this.returnSequences) return input;
    // top layer: forward output after the last step, then backward output after step 0
    // (for built-in cells the output is the hidden state, as PyTorch's h_n)
    const top = lastOut.slice((this.numLayers - 1) * D);
    return D === 1 ? top[0]! : concat(top, 1);
  }

  /**
   * Streaming inference: one time step `x` `[B, I]` from a plain state (or zeros), returning the
   * output `[B, D*H]` and the next state. Unidirectional layers only.
   */
  step(x: Tensor, state: StepState | null, ctx: CallContext): [Tensor, StepState] {
    if (this.bidirectional) {
      throw new ConfigError(`${this.name}: step() needs a unidirectional layer (a bidirectional one reads the future)`);
    }
    if (x.rank !== 2) throw new ShapeError(`${this.name}: step() expects one time step [batch, ${this.inputSize}], found ${x.describe()}`);
    const B = x.shape[0]!;
    const init = state
      ? {
          h: tensor(state.h as number[][][], undefined, { dtype: x.dtype, backend: x.backend }),
          ...(state.c ? { c: tensor(state.c as number[][][], undefined, { dtype: x.dtype, backend: x.backend }) } : {}),
        }
      : undefined;
    const seq = reshape(x, [B, 1, x.shape[1]!]);
    const saved = this.returnSequences;
    let y: Tensor;
    try {
      (this as { returnSequences: boolean }).returnSequences = false;
      y = this.call(seq, { ...ctx, lengths: null }, init);
    } finally {
      (this as { returnSequences: boolean }).returnSequences = saved;
    }
    const s = this.lastState!;
    return [y, { h: s.h.toArray() as number[][][], ...(s.c ? { c: s.c.toArray() as number[][][] } : {}) }];
  }

  /**
   * The contract's `rnn`/`lstm`/`gru` layer for a built-in cell; a `custom` layer naming the
   * cell's kind for a registered custom cell; null (no model-file form) for an unregistered one.
   */
  config(): LayerConfig | null {
    const cell = this.cell;
    const [name, numLayers, bidirectional, returnSequences] = [this.name, this.numLayers, this.bidirectional, this.returnSequences];
    if (cell instanceof SimpleCell) {
      return { type: 'rnn', name, hiddenSize: cell.hiddenSize, numLayers, bidirectional, nonlinearity: cell.nonlinearity, returnSequences };
    }
    if (cell instanceof LSTMCell || cell instanceof GRUCell) return { type: cell.kind, name, hiddenSize: cell.hiddenSize, numLayers, bidirectional, returnSequences };
    if (!isRegisteredCell(cell.kind, 'sequence')) return null;
    const { hiddenSize, outputSize, ...options } = cellConfig(cell);
    return {
      type: 'custom',
      cell: cell.kind,
      name,
      hiddenSize,
      ...(outputSize !== undefined ? { outputSize } : {}),
      numLayers,
      bidirectional,
      returnSequences,
      options: options as Record<string, JsonValue>,
    };
  }

}

function describe(s: SymbolicShape): string {
  return s.kind === 'ids' ? '[batch, time] token ids' : s.kind === 'vector' ? `[batch, ${s.features}]` : `[batch, time, ${s.features}]`;
}

/** The hidden size under either name, and the options `Recurrent` takes. */
function sizeAndOptions(kind: string, type: string, o: SimpleRNNOptions): [number, RecurrentOptions] {
  const { hiddenSize, units, nonlinearity: _, type: given, ...rest } = o;
  if (given !== undefined && given !== type) {
    throw new ConfigError(`${kind}: type '${given}' names another layer (this factory makes '${type}'); use ${given === 'rnn' ? 'simpleRNN' : given}(…), or drop type`);
  }
  if (hiddenSize !== undefined && units !== undefined && hiddenSize !== units) {
    throw new ConfigError(`${kind}: hiddenSize ${hiddenSize} and units ${units} name the same size; give one of them`);
  }
  const h = hiddenSize ?? units;
  if (h === undefined) throw new ConfigError(`${kind}: hiddenSize (or units) is required, e.g. ${kind}({ hiddenSize: 32 })`);
  return [h, rest];
}

/** An LSTM layer: `lstm({ hiddenSize: 32 })` (or `units`, as Keras), with `numLayers`, `bidirectional`, `returnSequences`. */
export const lstm = (o: BuiltinRecurrentOptions): Recurrent => {
  const [h, rest] = sizeAndOptions('lstm', 'lstm', parseOptions(builtinOptions, o, 'lstm'));
  return new Recurrent(new LSTMCell(h), rest);
};
/** A GRU layer (PyTorch gate layout); options as `lstm`. */
export const gru = (o: BuiltinRecurrentOptions): Recurrent => {
  const [h, rest] = sizeAndOptions('gru', 'gru', parseOptions(builtinOptions, o, 'gru'));
  return new Recurrent(new GRUCell(h), rest);
};
/** An Elman RNN layer, `tanh` or `relu`; options as `lstm` plus `nonlinearity`. */
export const simpleRNN = (o: SimpleRNNOptions): Recurrent => {
  const parsed = parseOptions(simpleRNNOptions, o, 'simpleRNN');
  const [h, rest] = sizeAndOptions('simpleRNN', 'rnn', parsed);
  return new Recurrent(new SimpleCell(h, parsed.nonlinearity ?? 'tanh'), rest);
};
/** A recurrent layer over a custom cell. */
export const rnn = (cell: Cell, o: RecurrentOptions = {}): Recurrent => {
  if (typeof cell !== 'object' || cell === null || typeof (cell as Cell).step !== 'function') {
    throw new ConfigError(`rnn: the first argument must be a Cell (an object with initCarry and step), found ${describeValue(cell)}; for a built-in cell use lstm(), gru() or simpleRNN()`);
  }
  return new Recurrent(cell, parseOptions(recurrentOptions, o, 'rnn'));
};
