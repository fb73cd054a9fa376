import type { Backend, Storage } from './backend.js';
import type { DType } from './dtype.js';
import { RnnError } from './errors.js';
import type { Shape } from './shape.js';
import { DataRef, Tensor, type GradNode } from './tensor.js';

/**
 * Reverse-mode autodiff on a dynamic (define-by-run) graph, as in micrograd: each op records its
 * inputs and a backward function; `backward()` visits the graph in reverse topological order. The
 * graph lives only through the tensors that reference it, and `backward()` cuts it afterwards, so
 * a training loop's memory does not grow from step to step.
 */

let gradEnabled = true;
const scopes: Tensor[][] = [];

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run `fn` without recording the graph (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** @internal wrap backend storage in a tensor and track it in the current `tidy` scope */
export function wrap(backend: Backend, storage: Storage, shape: Shape, dtype: DType): Tensor {
  const t = new Tensor(new DataRef(backend, storage), shape, dtype);
  scopes[scopes.length - 1]?.push(t);
  return t;
}

/** @internal a tensor sharing `src`'s storage under another shape (reshape) */
export function alias(src: Tensor, shape: Shape): Tensor {
  src.ref.refs++;
  const t = new Tensor(src.ref, shape, src.dtype);
  scopes[scopes.length - 1]?.push(t);
  return t;
}

/**
 * Run `fn` and dispose every tensor it created except those it returns (in an array or object,
 * one level deep) and those passed to `keep()`. For backends with device memory this is how a
 * loop frees its intermediates deterministically.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Tensor[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const kept = new Set<Tensor>();
  const collect = (v: unknown) => {
    if (v instanceof Tensor) kept.add(v);
  };
  if (Array.isArray(result)) result.forEach(collect);
  else if (result && typeof result === 'object' && !(result instanceof Tensor)) Object.values(result).forEach(collect);
  else collect(result);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (kept.has(t) || keptForever.has(t)) {
      parent?.push(t);
      continue;
    }
    t.dispose();
  }
  return result;
}

const keptForever = new WeakSet<Tensor>();

/** Exempt a tensor from disposal by enclosing `tidy` scopes. */
export function keep<T extends Tensor>(t: T): T {
  keptForever.add(t);
  return t;
}

/**
 * @internal record that `outputs` came from `inputs` via `op`. Nothing is recorded when gradients
 * are off or no input needs a gradient.
 */
export function record(
  op: string,
  inputs: Tensor[],
  outputs: Tensor[],
  backward: (grads: (Tensor | null)[]) => (Tensor | null)[],
  release?: () => void,
): void {
  if (!gradEnabled || !inputs.some(needsGrad)) {
    release?.();
    return;
  }
  const node: GradNode = { op, inputs, outputs, backward, release };
  for (const o of outputs) o.node = node;
}

export function needsGrad(t: Tensor): boolean {
  return t.requiresGrad || t.node !== null;
}

export interface BackwardOptions {
  /** Gradient of the output (default: ones, which requires a one-element output). */
  grad?: Tensor;
  /** Keep the graph so backward can run again through it. */
  retainGraph?: boolean;
}

/**
 * Compute gradients of `output` and accumulate them into `.grad` of every leaf with
 * `requiresGrad` (adding to an existing `.grad` in place, so flat gradient buffers stay shared).
 */
export function backward(output: Tensor, options: BackwardOptions = {}): void {
  const grads = gradients(output, null, options);
  for (const [leaf, g] of grads) accumulate(leaf, g);
}

/** Gradients of `output` w.r.t. each of `wrt` (null where it does not depend on them). */
export function grad(output: Tensor, wrt: Tensor[], options: BackwardOptions = {}): (Tensor | null)[] {
  const grads = gradients(output, new Set(wrt), options);
  return wrt.map((t) => grads.get(t) ?? null);
}

function accumulate(leaf: Tensor, g: Tensor): void {
  if (!leaf.grad) {
    leaf.grad = g;
    return;
  }
  const ops = opsHook;
  if (!ops) throw new RnnError('E_INTERNAL', 'autodiff: ops are not initialised');
  const sum = noGrad(() => ops.add(leaf.grad!, g));
  leaf.backend.assign(leaf.grad, sum);
  sum.dispose();
}

/** @internal set by ops/index to break the import cycle engine <-> ops */
export let opsHook: { add(a: Tensor, b: Tensor): Tensor; onesLike(t: Tensor): Tensor } | null = null;
export function setOpsHook(h: NonNullable<typeof opsHook>): void {
  opsHook = h;
}

function gradients(output: Tensor, wrt: Set<Tensor> | null, options: BackwardOptions): Map<Tensor, Tensor> {
  const ops = opsHook!;
  if (!needsGrad(output)) {
    throw new RnnError(
      'E_AUTODIFF',
      `backward: ${output.describe()} does not depend on any tensor with requiresGrad ` +
        `(was it computed inside noGrad(), or are the parameters not marked requiresGrad?)`,
    );
  }
  let seed = options.grad;
  if (!seed) {
    if (output.size !== 1) {
      throw new RnnError(
        'E_AUTODIFF',
        `backward: output ${output.describe()} is not a scalar; pass { grad } of the same shape or reduce it first (e.g. mean())`,
      );
    }
    seed = ops.onesLike(output);
  }
  // Topological order of nodes by iterative DFS (deep graphs such as T=10,000 must not overflow).
  const order: GradNode[] = [];
  const seen = new Set<GradNode>();
  const stack: [GradNode, number][] = [];
  if (output.node) stack.push([output.node, 0]);
  if (output.node) seen.add(output.node);
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const [node, i] = top;
    if (i < node.inputs.length) {
      top[1]++;
      const child = node.inputs[i]!.node;
      if (child && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }

  const grads = new Map<Tensor, Tensor>();
  grads.set(output, seed);
  const leaves = new Map<Tensor, Tensor>();
  const add = (t: Tensor, g: Tensor) => {
    const prev = grads.get(t);
    grads.set(t, prev ? ops.add(prev, g) : g);
  };
  noGrad(() => {
    for (let k = order.length - 1; k >= 0; k--) {
      const node = order[k]!;
      const outGrads = node.outputs.map((o) => grads.get(o) ?? null);
      for (const o of node.outputs) if (o !== output && !wrt?.has(o)) grads.delete(o);
      if (outGrads.every((g) => g === null)) continue;
      const inGrads = node.backward(outGrads);
      node.inputs.forEach((inp, j) => {
        const g = inGrads[j];
        if (!g || !needsGrad(inp) || inp.dtype === 'int32') return;
        add(inp, g);
      });
      if (!options.retainGraph) {
        node.release?.();
        for (const o of node.outputs) o.node = null;
        node.inputs = [];
      }
    }
  });
  for (const [t, g] of grads) {
    if (wrt ? wrt.has(t) : t.requiresGrad && t.node === null) leaves.set(t, g);
  }
  return leaves;
}
