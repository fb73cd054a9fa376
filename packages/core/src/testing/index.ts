import { describe, it } from 'vitest';
import type { Backend } from '../backend.js';
import { describeArgumentErrors } from './argument-errors.js';
import { describeAttention } from './attention.js';
import { describeBroadcasting } from './broadcasting.js';
import { describeConv1d } from './conv1d.js';
import { describeCrf } from './crf.js';
import { makeContext } from './context.js';
import { describeDTypes } from './dtypes.js';
import { describeErrors } from './errors.js';
import { describeFused } from './fused.js';
import { describeTrace } from './trace.js';
import { describeGradients } from './gradients.js';
import { describeMatmul } from './matmul.js';
import { describeMemory } from './memory.js';
import { describeParity } from './parity.js';
import { describeShapeOps } from './shape-ops.js';
import { describeValues } from './values.js';

/**
 * `@rnn/core/testing`: the one conformance suite every backend runs under Vitest (STYLE.md habit 3).
 *
 * ```ts
 * import { describeBackend } from '@rnn/core/testing';
 * describeBackend('js', () => new JsBackend());
 * ```
 *
 * Values of every primitive are checked against plain float64 JavaScript, gradients of every
 * differentiable op against finite differences (float64 when the backend has it), fused kernels
 * against the composed ops they replace, and — with `options.reference` — whole programs against
 * another backend. Every tensor is created on the backend under test explicitly; the global
 * registry is never consulted.
 */
export interface DescribeBackendOptions {
  /** A second backend to compare whole programs and fused kernels against (float32 parity). */
  reference?: () => Backend;
}

export function describeBackend(name: string, makeBackend: () => Backend, options: DescribeBackendOptions = {}): void {
  describe(`backend conformance: ${name}`, () => {
    let backend: Backend;
    let reference: Backend | null;
    try {
      backend = makeBackend();
      reference = options.reference ? options.reference() : null;
    } catch (err) {
      it('constructs the backend', () => {
        throw err;
      });
      return;
    }
    const ctx = makeContext(name, backend, reference);

    it('declares float32 and int32 and describes itself', () => {
      if (!backend.dtypes.includes('float32') || !backend.dtypes.includes('int32')) {
        throw new Error(`backend '${backend.name}' lists dtypes [${backend.dtypes}]; every backend must support float32 and int32`);
      }
      const info = backend.info();
      if (typeof info !== 'object' || info === null) throw new Error('info() must return an object');
    });

    describeValues(ctx);
    describeDTypes(ctx);
    describeMatmul(ctx);
    describeShapeOps(ctx);
    describeBroadcasting(ctx);
    describeErrors(ctx, makeBackend);
    describeArgumentErrors(ctx);
    describeGradients(ctx);
    describeFused(ctx);
    describeTrace(ctx);
    describeAttention(ctx);
    describeCrf(ctx);
    describeConv1d(ctx);
    if (ctx.reference) describeParity(ctx);
    describeMemory(ctx);
  });
}

export { checkGradients, GRAD_CHECK, type GradCheckOptions, type GradCheckSettings, type GradFn } from './gradcheck.js';
export { expectClose, type Tolerance } from './context.js';
/** Scalar reference definitions of the elementwise primitives (what every backend must compute). */
export { UNARY, BINARY } from './reference.js';
