import { NumericalError, type ParameterSet, type Tensor } from '@rnn/core';

/**
 * Why training diverged, in one message: where (epoch, batch), what (the loss, a gradient, a
 * parameter), the culprit — the first parameter holding a non-finite value, else the first
 * non-finite gradient, else a non-finite value in the batch itself, else the largest weight —
 * and what to try.
 */
export interface Divergence {
  params: ParameterSet;
  what: string;
  where: string;
  clipped: boolean;
  /** `model.describeParameter`: layer, gate and unit of an element. */
  describe?: (name: string, k: number) => string;
  batch?: Record<string, Tensor>;
}

export function divergence(d: Divergence): NumericalError {
  let culprit = findCulprit(d);
  const inData = culprit === '' && d.batch ? findInBatch(d.batch) : '';
  if (culprit === '' && inData === '') culprit = largestParam(d);
  const hint = inData
    ? ''
    : d.clipped
      ? ' Try a lower learning rate.'
      : ' Gradients are not clipped: try clipNorm (CLI: --clip-norm 1.0) or a lower learning rate.';
  return new NumericalError(`training diverged at ${d.where}: ${d.what}${culprit}${inData}.${hint}`);
}

/** The first parameter holding a non-finite value, else the first non-finite gradient; '' if none. */
export function findCulprit(d: Pick<Divergence, 'params' | 'describe'>): string {
  const { params } = d;
  const grads = params.grads.data();
  const values = params.values.data();
  for (const [i, t] of params.tensors.entries()) {
    const off = params.offsets[i]!;
    const at = (k: number) => d.describe?.(t.name!, k) ?? '';
    for (let k = 0; k < t.size; k++) {
      if (!Number.isFinite(values[off + k]!)) {
        return `; parameter '${t.name}'${at(k)} holds ${values[off + k]} at element ${k}`;
      }
      if (!Number.isFinite(grads[off + k]!)) {
        return `; the first non-finite gradient is in '${t.name}'${at(k)} (element ${k}: ${grads[off + k]})`;
      }
    }
  }
  return '';
}

/** A non-finite value in the batch itself (no amount of clipping helps then); '' if none. */
function findInBatch(batch: Record<string, Tensor>): string {
  for (const [label, t] of Object.entries(batch)) {
    if (t.dtype === 'int32' || t.size === 0) continue;
    const v = t.data();
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i]!)) {
        const row = Math.floor(i / (t.size / t.shape[0]!));
        return `; the batch's ${label} holds ${v[i]} in its row ${row} (flat index ${i}): the data is not finite, so clean it first`;
      }
    }
  }
  return '';
}

/** The parameter element of largest magnitude: what exploded when everything is still finite. */
function largestParam(d: Divergence): string {
  const { params } = d;
  const values = params.values.data();
  let best = -1;
  for (let k = 0; k < values.length; k++) if (best < 0 || Math.abs(values[k]!) > Math.abs(values[best]!)) best = k;
  if (best < 0) return '';
  let i = 0;
  while (i + 1 < params.tensors.length && params.offsets[i + 1]! <= best) i++;
  const t = params.tensors[i]!;
  const k = best - params.offsets[i]!;
  return `; the largest weight is parameter '${t.name}'${d.describe?.(t.name!, k) ?? ''} element ${k} = ${values[best]!.toExponential(2)}`;
}
