import { z } from 'zod';
import { parseOptions } from './options/parse.js';
import { backendSchema, floatDtypeSchema } from './options/schemas.js';
import type { Backend } from './backend.js';
import type { FloatDType, TypedArray } from './dtype.js';
import { wrap } from './engine.js';
import { RnnError, ShapeError } from './errors.js';
import { getBackend } from './registry.js';
import { fmt, sizeOf, type Shape } from './shape.js';
import type { Tensor } from './tensor.js';

const parameterSetOptions = z.strictObject({ dtype: floatDtypeSchema().optional(), backend: backendSchema().optional() });

export interface ParameterSpec {
  name: string;
  shape: Shape;
  /** Initial values (row-major), `size` of them. Zeros when omitted. */
  init?: TypedArray | readonly number[];
}

/**
 * A model's parameters and their gradients, each in ONE flat buffer. Every parameter tensor is a
 * view into `values` and its `.grad` a view into `grads`, so an optimizer updates the whole model
 * with one fused op and a data-parallel trainer all-reduces `grads` in a few large buckets.
 */
export class ParameterSet {
  readonly values: Tensor;
  readonly grads: Tensor;
  readonly names: readonly string[];
  readonly tensors: readonly Tensor[];
  readonly offsets: readonly number[];
  private readonly byName = new Map<string, Tensor>();

  constructor(
    specs: readonly ParameterSpec[],
    options: { dtype?: FloatDType; backend?: Backend } = {},
  ) {
    parseOptions(parameterSetOptions, options, 'new ParameterSet');
    const backend = options.backend ?? getBackend();
    const dtype = options.dtype ?? 'float32';
    const total = specs.reduce((s, p) => s + sizeOf(p.shape), 0);
    const host = dtype === 'float32' ? new Float32Array(total) : new Float64Array(total);
    const offsets: number[] = [];
    let off = 0;
    const seen = new Set<string>();
    for (const p of specs) {
      if (seen.has(p.name)) throw new RnnError('E_CONFIG', `parameter name '${p.name}' is used twice`);
      const n = sizeOf(p.shape);
      if (p.init) {
        if (p.init.length !== n) {
          throw new ShapeError(`parameter '${p.name}' ${fmt(p.shape)} needs ${n} initial values, found ${p.init.length}`);
        }
        host.set(p.init as ArrayLike<number>, off);
      }
      offsets.push(off);
      seen.add(p.name);
      off += n;
    }
    this.values = wrap(backend, backend.write(host), [total], dtype);
    this.grads = wrap(backend, backend.fill(total, dtype, 0), [total], dtype);
    this.names = specs.map((p) => p.name);
    this.offsets = offsets;
    this.tensors = specs.map((p, i) => {
      const n = sizeOf(p.shape);
      const t = wrap(backend, backend.view(this.values, offsets[i]!, n), p.shape, dtype);
      t.name = p.name;
      t.requiresGrad = true;
      t.grad = wrap(backend, backend.view(this.grads, offsets[i]!, n), p.shape, dtype);
      this.byName.set(p.name, t);
      return t;
    });
  }

  get size(): number {
    return this.values.size;
  }

  get backend(): Backend {
    return this.values.backend;
  }

  get(name: string): Tensor {
    const t = this.byName.get(name);
    if (!t) throw new RnnError('E_CONFIG', `no parameter named '${name}'; parameters: ${this.names.join(', ')}`);
    return t;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  zeroGrad(): void {
    const b = this.backend;
    if (b.fillInPlace) return b.fillInPlace(this.grads, 0);
    const z = b.fill(this.grads.size, this.grads.dtype, 0);
    b.assign(this.grads, { storage: z, shape: this.grads.shape, dtype: this.grads.dtype });
    b.dispose(z);
  }

  /** Overwrite one parameter's values in place. */
  set(name: string, values: TypedArray | readonly number[]): void {
    const t = this.get(name);
    if (values.length !== t.size) {
      throw new ShapeError(`parameter '${name}' ${fmt(t.shape)} needs ${t.size} values, found ${values.length}`);
    }
    const host = t.dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
    const s = this.backend.write(host);
    this.backend.assign(t, { storage: s, shape: t.shape, dtype: t.dtype });
    this.backend.dispose(s);
  }

  /** Host copies of every parameter by name. */
  toHost(): Map<string, TypedArray> {
    const all = this.values.data();
    const out = new Map<string, TypedArray>();
    this.tensors.forEach((t, i) => out.set(t.name!, all.slice(this.offsets[i]!, this.offsets[i]! + t.size)));
    return out;
  }
}
