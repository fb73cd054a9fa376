import type { Backend, BTensor, Storage } from './backend.js';
import { dtypeOf, type DType, type TypedArray } from './dtype.js';
import { RnnError } from './errors.js';
import { fmt, sizeOf, type Shape } from './shape.js';

/** Shared, reference-counted storage: `reshape` and flat-buffer views share one of these. */
export class DataRef {
  refs = 1;
  constructor(
    readonly backend: Backend,
    readonly storage: Storage,
  ) {}
  release(): void {
    if (--this.refs === 0) this.backend.dispose(this.storage);
  }
}

/**
 * A record in the autodiff graph: the op that produced `outputs` from `inputs`. The gradient of a
 * primitive op is its entry in the table of `ops/grads.ts` (written in ops, so it is
 * differentiable and backend-independent); a fused kernel brings its own `backward`.
 */
export interface GradNode {
  readonly op: string;
  inputs: Tensor[];
  outputs: Tensor[];
  /** What the op's gradient needs besides inputs and outputs (axes, a permutation, …). */
  readonly attrs: Readonly<Record<string, unknown>>;
  /** A fused kernel's own gradient; primitive ops leave it unset. */
  backward?(grads: (Tensor | null)[]): (Tensor | null)[];
  /** Free saved state (e.g. a fused kernel's reserve) once backward has run. */
  release?(): void;
}

let nextId = 1;

/**
 * An n-dimensional array owned by a backend. Contiguous and row-major; float32, float64 or int32.
 * Create tensors with `tensor()`, `zeros()` etc.; compute with the functions in `ops`.
 */
export class Tensor implements BTensor {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  /** Set on leaves whose gradient `backward()` should keep in `.grad`. */
  requiresGrad = false;
  grad: Tensor | null = null;
  /** @internal the op that made this tensor, while its graph is alive */
  node: GradNode | null = null;
  /** @internal */
  ref: DataRef;
  /** Optional label used in error messages (e.g. a parameter name). */
  name?: string;
  private disposed = false;

  constructor(ref: DataRef, shape: Shape, dtype: DType) {
    this.ref = ref;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeOf(shape);
  }

  get backend(): Backend {
    return this.ref.backend;
  }

  get storage(): Storage {
    if (this.disposed) throw new RnnError('E_DISPOSED', `tensor ${this.describe()} was used after dispose()`);
    return this.ref.storage;
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** A copy of the values as a flat typed array (synchronous; copies off the device if needed). */
  data(): TypedArray {
    return this.backend.read(this);
  }

  /**
   * The values copied into `out` (a host array of this dtype with `size` elements, e.g. a
   * subarray of a larger buffer) instead of a new array: a loop that reads every step (a
   * data-parallel gradient copy) then makes no garbage.
   */
  dataInto(out: TypedArray): void {
    if (out.length !== this.size || dtypeOf(out) !== this.dtype) {
      throw new RnnError('E_SHAPE', `dataInto(): expected a ${this.dtype} array of ${this.size} elements for ${this.describe()}, found ${dtypeOf(out)} of ${out.length}; pass a typed array (or subarray) of exactly that dtype and length`);
    }
    const b = this.backend;
    if (b.readInto) b.readInto(this, out);
    else out.set(b.read(this));
  }

  /** Values as nested arrays (a number for a scalar). */
  toArray(): unknown {
    const d = this.data();
    if (this.shape.length === 0) return d[0];
    const build = (dim: number, offset: number): unknown[] => {
      const n = this.shape[dim]!;
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        out[i] = dim === this.shape.length - 1 ? d[offset + i] : build(dim + 1, offset + i * stride);
      }
      return out;
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new RnnError('E_SHAPE', `item(): expected a tensor with one element, found shape ${fmt(this.shape)}`);
    }
    return this.data()[0]!;
  }

  describe(): string {
    return `${this.name ? `'${this.name}' ` : ''}${this.dtype}${fmt(this.shape)}`;
  }

  toString(): string {
    const d = this.data();
    const limit = 6;
    const num = (v: number) => (this.dtype === 'int32' ? String(v) : Number(v.toPrecision(5)).toString());
    const render = (dim: number, offset: number, indent: string): string => {
      if (this.shape.length === 0) return num(d[0]!);
      const n = this.shape[dim]!;
      const stride = sizeOf(this.shape.slice(dim + 1));
      const idx = n > limit ? [0, 1, 2, -1, n - 3, n - 2, n - 1] : Array.from({ length: n }, (_, i) => i);
      const last = dim === this.shape.length - 1;
      const parts = idx.map((i) =>
        i < 0 ? '...' : last ? num(d[offset + i]!) : render(dim + 1, offset + i * stride, indent + ' '),
      );
      return `[${parts.join(last ? ', ' : `,\n${indent} `)}]`;
    };
    return `Tensor(${this.dtype}${fmt(this.shape)}, ${this.backend.name})\n${render(0, 0, '')}`;
  }

  /** Release the storage now (GC-managed backends also free it when unreachable). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.node = null;
    this.ref.release();
  }
}
