import { ConfigError, Rng, noGrad, reshape, tensor, type Tensor } from '@rnn/core';
import { Dense, Dropout, Embedding, Recurrent, type CallContext, type Sequential, type StepState } from '@rnn/layers';
import { Vocabulary } from './corpus.js';

/**
 * A character model run one step at a time, carrying each recurrent layer's state:
 * embedding → `Recurrent.step` for each recurrent layer → dense. Dropout does nothing at inference.
 */
export class Stepper {
  private states: (StepState | null)[];
  private readonly ctx: CallContext;

  constructor(readonly model: Sequential) {
    const params = model.params;
    if (!params) throw new ConfigError('generate: the model has no weights');
    const [first, ...rest] = model.layers;
    if (!(first instanceof Embedding)) throw new ConfigError(`generate: a character model starts with an embedding layer; this one starts with ${first!.type} '${first!.name}'`);
    for (const l of rest) {
      if (!(l instanceof Recurrent || l instanceof Dense || l instanceof Dropout)) {
        throw new ConfigError(`generate: cannot step layer '${l.name}' (${l.type}); a character model is embedding → recurrent layers → dense`);
      }
      if (l instanceof Recurrent && l.bidirectional) {
        throw new ConfigError(`generate: layer '${l.name}' is bidirectional, so it reads the future; a generator needs unidirectional layers`);
      }
    }
    this.states = model.layers.map(() => null);
    this.ctx = { training: false, lengths: null, rng: new Rng(0), param: (n) => params.get(n) };
  }

  /** Feed one character id; returns the logits for the next one. */
  step(id: number): Float64Array {
    return noGrad(() => {
      let h: Tensor = tensor(Int32Array.of(id), [1, 1], { dtype: 'int32', backend: this.model.params!.backend });
      this.model.layers.forEach((l, i) => {
        if (l instanceof Embedding) h = reshape(l.call(h, this.ctx), [1, l.embeddingDim]);
        else if (l instanceof Recurrent) [h, this.states[i]] = l.step(h, this.states[i]!, this.ctx);
        else if (l instanceof Dense) h = l.call(h, this.ctx);
      });
      return Float64Array.from(h.data());
    });
  }
}

/**
 * Draw an id from softmax(logits / temperature); temperature 0 takes the most likely one.
 * One uniform draw per call, so a seed fixes the whole text.
 */
export function sample(logits: Float64Array, temperature: number, rng: Rng): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  if (temperature === 0) return best;
  const p = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    p[i] = Math.exp((logits[i]! - logits[best]!) / temperature);
    sum += p[i]!;
  }
  let u = rng.next() * sum;
  for (let i = 0; i < p.length; i++) {
    u -= p[i]!;
    if (u < 0) return i;
  }
  return best;
}

export interface GenerateOptions {
  prime: string;
  length: number;
  temperature: number;
  seed: number;
}

/**
 * `length` characters after `prime`, each drawn from the model's prediction given everything
 * before it. An empty prime starts from a character drawn uniformly from the vocabulary.
 */
export function generate(model: Sequential, vocab: Vocabulary, o: GenerateOptions, onChar?: (c: string) => void): string {
  const rng = new Rng(o.seed);
  const stepper = new Stepper(model);
  const prime = vocab.encode(o.prime, '--prime');
  const out: number[] = [];
  let logits: Float64Array | null = null;
  for (const id of prime) logits = stepper.step(id);
  let next = logits ? sample(logits, o.temperature, rng) : rng.int(vocab.size);
  for (let i = 0; i < o.length; i++) {
    out.push(next);
    onChar?.(vocab.chars[next]!);
    if (i + 1 < o.length) next = sample(stepper.step(next), o.temperature, rng);
  }
  return vocab.decode(out);
}
