import { ConfigError, parseOptions } from '@rnn/core';
import { optimizerSpec, type OptimizerName, type OptimizerSpec } from './options.js';
import { Adagrad } from './adagrad.js';
import { Adam, AdamW } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

export * from './optimizer.js';
export * from './sgd.js';
export * from './adam.js';
export * from './rmsprop.js';
export * from './adagrad.js';
export * from './clip.js';

export { OPTIMIZER_NAMES, type OptimizerName, type OptimizerSpec, type OptimizerConfig } from './options.js';

const MAKERS: Record<OptimizerName, (o: object) => Optimizer> = {
  sgd: (o) => new SGD(o),
  adam: (o) => new Adam(o),
  adamw: (o) => new AdamW(o),
  rmsprop: (o) => new RMSprop(o),
  adagrad: (o) => new Adagrad(o),
};

/** The optimizer a spec names: an instance as is, a name with PyTorch's defaults, or `{ type, …options }`. */
export function getOptimizer(spec: OptimizerSpec, where = 'getOptimizer'): Optimizer {
  const checked = parseOptions(optimizerSpec, spec, where);
  if (typeof checked === 'object' && 'step' in checked) return checked;
  const { type, ...o } = typeof checked === 'string' ? { type: checked } : checked;
  const make = MAKERS[type];
  if (!make) throw new ConfigError(`unknown optimizer '${String(type)}'; expected sgd, adam, adamw, rmsprop or adagrad`);
  return make(o);
}
