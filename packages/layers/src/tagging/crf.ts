import { z } from 'zod';
import { crfDecode, crfNll, div, initialise, parseOptions, schemas, sum, type Rng, type Tensor } from '@rnn/core';
import type { LayerParameter } from '../layers/layer.js';

const crfOptions = z.strictObject({
  numTags: schemas.positiveInt(),
  /** Tensor-name prefix (default 'crf'): `<name>.transitions`, `<name>.start_transitions`, `<name>.end_transitions`. */
  name: schemas.text().optional(),
  /** Use the backend's fused CRF kernels when it has them (default true); false forces the composed ops. */
  fused: schemas.bool().optional(),
});

export type CRFOptions = z.infer<typeof crfOptions>;

/**
 * A linear-chain CRF over `K` tags with pytorch-crf's parameters and names: `transitions [K, K]`
 * (`[i][j]` scores tag i followed by tag j), `start_transitions [K]`, `end_transitions [K]`, each
 * uniform(−0.1, 0.1) at first. A sentence's score is
 *
 *   s(y) = start[y_0] + Σ_t e[t, y_t] + Σ_{t>0} transitions[y_{t−1}, y_t] + end[y_{L−1}]
 *
 * and its loss −log p(y) = log Σ_y' exp s(y') − s(y), by the forward algorithm in log space. Rows
 * of a padded batch use their first `lengths[b]` steps only: padding changes neither the loss
 * nor the decoded path. The math runs in core's `crfNll`/`crfDecode` (a native kernel where the
 * backend has one, the composed ops otherwise).
 */
export class CRF {
  readonly numTags: number;
  readonly name: string;
  readonly fused: boolean;

  constructor(options: CRFOptions) {
    const o = parseOptions(crfOptions, options, 'new CRF');
    this.numTags = o.numTags;
    this.name = o.name ?? 'crf';
    this.fused = o.fused ?? true;
  }

  parameters(rng: Rng): LayerParameter[] {
    const K = this.numTags;
    const u = { kind: 'uniform', bound: 0.1 } as const;
    return [
      { name: `${this.name}.transitions`, shape: [K, K], init: initialise(u, [K, K], rng) },
      { name: `${this.name}.start_transitions`, shape: [K], init: initialise(u, [K], rng) },
      { name: `${this.name}.end_transitions`, shape: [K], init: initialise(u, [K], rng) },
    ];
  }

  private args(emissions: Tensor, lengths: readonly number[], param: (name: string) => Tensor) {
    return {
      emissions,
      lengths,
      transitions: param(`${this.name}.transitions`),
      start: param(`${this.name}.start_transitions`),
      end: param(`${this.name}.end_transitions`),
    };
  }

  /** Negative log-likelihood of each row's gold tags (`[B*T]` row-major, padding ignored): `[B]`. */
  nll(emissions: Tensor, tags: Int32Array, lengths: readonly number[], param: (name: string) => Tensor): Tensor {
    return crfNll({ ...this.args(emissions, lengths, param), tags }, { fused: this.fused });
  }

  /** The mean over rows of `nll`: the training loss. */
  loss(emissions: Tensor, tags: Int32Array, lengths: readonly number[], param: (name: string) => Tensor): Tensor {
    return div(sum(this.nll(emissions, tags, lengths, param)), lengths.length);
  }

  /** Viterbi: each row's best tag path (`lengths[b]` long) and its score. */
  decode(emissions: Tensor, lengths: readonly number[], param: (name: string) => Tensor): { tags: number[][]; scores: number[] } {
    return crfDecode(this.args(emissions, lengths, param), { fused: this.fused });
  }
}
