import { z } from 'zod';
import { parseOptions } from './options/parse.js';
import { bool, fn, tensorSchema } from './options/schemas.js';
import { needsGrad, noGrad } from './engine.js';
import { RnnError } from './errors.js';
import { onesLike } from './ops/creation.js';
import { add } from './ops/elementwise.js';
import { GRADS } from './ops/grads.js';
import type { GradNode, Tensor } from './tensor.js';

/**
 * The backward half of reverse-mode autodiff: `backward()` visits the graph that `engine.ts`
 * recorded in reverse topological order, asking each node's op for its gradient (the table in
 * `ops/grads.ts`, or a fused kernel's own). The graph lives only through the tensors that
 * reference it, and `backward()` cuts it afterwards, so a training loop's memory does not grow
 * from step to step.
 */

const backwardOptions = z.strictObject({
  /** Gradient of the output (default: ones, which requires a one-element output). */
  grad: tensorSchema().optional(),
  /** Keep the graph so backward can run again through it. */
  retainGraph: bool().optional(),
  /**
   * Called with each leaf (a parameter) as soon as its gradient is final, in the order backward
   * finishes them (the last layer's first), while backward goes on; `grad` is null when the leaf
   * got none. A data-parallel trainer starts the all-reduce of a gradient bucket here, so
   * communication overlaps the rest of backward (as PyTorch DDP's hooks do).
   */
  onLeafGrad: fn<(leaf: Tensor, grad: Tensor | null) => void>('a function (leaf, grad) => void').optional(),
});

export type BackwardOptions = z.infer<typeof backwardOptions>;
const NO_OPTIONS: BackwardOptions = Object.freeze({});
/** Frozen options objects backward has already checked: they cannot have changed since (issue 22). */
const checkedOptions = new WeakSet<BackwardOptions>();

/**
 * Compute gradients of `output` and accumulate them into `.grad` of every leaf with
 * `requiresGrad` (adding to an existing `.grad` in place, so flat gradient buffers stay shared).
 */
export function backward(output: Tensor, options?: BackwardOptions): void {
  // no options, nothing to check: backward(loss) runs once per training batch; a frozen options
  // object (the data-parallel Trainer's `{ onLeafGrad }`, one per run) is checked on first use only
  if (options !== undefined && !checkedOptions.has(options)) {
    parseOptions(backwardOptions, options, 'backward');
    if (Object.isFrozen(options)) checkedOptions.add(options);
  }
  const grads = gradients(output, null, options ?? NO_OPTIONS);
  for (const [leaf, g] of grads) accumulate(leaf, g);
}

/** Gradients of `output` w.r.t. each of `wrt` (null where it does not depend on them). */
export function grad(output: Tensor, wrt: Tensor[], options: BackwardOptions = {}): (Tensor | null)[] {
  parseOptions(backwardOptions, options, 'grad');
  const grads = gradients(output, new Set(wrt), options);
  return wrt.map((t) => grads.get(t) ?? null);
}

function accumulate(leaf: Tensor, g: Tensor): void {
  if (!leaf.grad) {
    leaf.grad = g;
    return;
  }
  const b = leaf.backend;
  const dst = leaf.grad;
  if (b.addInPlace && g.backend === b && g.dtype === dst.dtype && g.size === dst.size && g.shape.every((d, i) => d === dst.shape[i]) && g.rank === dst.rank) {
    b.addInPlace(dst, g); // one pass, no new storage: the same sums as add + assign
    return;
  }
  const sum = noGrad(() => add(leaf.grad!, g));
  leaf.backend.assign(leaf.grad, sum);
  sum.dispose();
}

/** Counts down the uses of `inputs`' leaves; a leaf whose last use is done gets `onLeaf`. */
function leafDone(inputs: readonly Tensor[], uses: Map<Tensor, number>, grads: Map<Tensor, Tensor>, onLeaf: (leaf: Tensor, grad: Tensor | null) => void): void {
  for (const inp of inputs) {
    const left = uses.get(inp);
    if (left === undefined) continue;
    if (left > 1) uses.set(inp, left - 1);
    else {
      uses.delete(inp);
      onLeaf(inp, grads.get(inp) ?? null);
    }
  }
}

function backwardOf(node: GradNode): (grads: (Tensor | null)[]) => (Tensor | null)[] {
  if (node.backward) return (grads) => node.backward!(grads);
  const rule = GRADS[node.op];
  if (!rule) throw new RnnError('E_INTERNAL', `autodiff: op '${node.op}' was recorded but has no gradient in ops/grads.ts`);
  return (grads) => rule(grads, node);
}

function gradients(output: Tensor, wrt: Set<Tensor> | null, options: BackwardOptions): Map<Tensor, Tensor> {
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
    seed = onesLike(output);
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

  // With onLeafGrad: how many recorded inputs still refer to each leaf; at 0 its gradient is final.
  const onLeaf = wrt ? undefined : options.onLeafGrad;
  const uses = new Map<Tensor, number>();
  if (onLeaf) {
    for (const node of order) for (const inp of node.inputs) if (inp.requiresGrad && inp.node === null) uses.set(inp, (uses.get(inp) ?? 0) + 1);
  }
  const grads = new Map<Tensor, Tensor>();
  grads.set(output, seed);
  const leaves = new Map<Tensor, Tensor>();
  const sum = (t: Tensor, g: Tensor) => {
    const prev = grads.get(t);
    grads.set(t, prev ? add(prev, g) : g);
  };
  noGrad(() => {
    for (let k = order.length - 1; k >= 0; k--) {
      const node = order[k]!;
      // plain loops, no `map`: an array `map` returns has another hidden class once its caller is
      // optimized, and this loop deoptimized on it and was compiled again (issue 22)
      const outputs = node.outputs;
      const outGrads: (Tensor | null)[] = [];
      let live = false;
      for (let j = 0; j < outputs.length; j++) {
        const g = grads.get(outputs[j]!) ?? null;
        outGrads.push(g);
        if (g !== null) live = true;
      }
      for (const o of outputs) if (o !== output && !wrt?.has(o)) grads.delete(o);
      const inputs = node.inputs;
      if (live) {
        const inGrads = backwardOf(node)(outGrads);
        inputs.forEach((inp, j) => {
          const g = inGrads[j];
          if (!g || !needsGrad(inp) || inp.dtype === 'int32') return;
          sum(inp, g);
        });
      }
      if (onLeaf) leafDone(inputs, uses, grads, onLeaf);
      if (!live) continue;
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
