// Shared by the options fuzz tests: a table of public functions, each called with unknown keys
// (random names and Keras/PyTorch ones) and with each key it documents.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@rnn/core';

export type Options = Record<string, unknown>;
export interface Entry {
  /** How the message names the function. */
  where: string;
  call(o: Options): unknown;
  /** The least a call needs. */
  base: Options;
  /** Every other key the function takes, each with a value it accepts. */
  valid: Options;
  /** Where the options sit in the message (`optimizer.` inside compile). */
  prefix?: string;
}

/** The names people bring from Keras, PyTorch and snake_case habits. */
const FOREIGN = [
  'return_sequences', 'returnSequence', 'hidden_size', 'num_layers', 'units', 'dropout', 'recurrent_dropout', 'activation', 'batch_first',
  'return_state', 'kernel_initializer', 'use_bias', 'input_size', 'input_shape', 'learningRate', 'learning_rate', 'betas', 'epsilon',
  'weight_decay', 'batch_size', 'num_epochs', 'epoch', 'validation_split', 'verbose', 'min_delta', 'restore_best_weights', 'step_size',
  'T_max', 'eta_min', 'input_dim', 'output_dim', 'out_features', 'dtype', 'device', 'lr', 'optimizer', 'loss', 'metric', 'seed', 'name',
];

export async function caught(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (err) {
    return err;
  }
  return null;
}

const accepted = (e: Entry) => new Set([...Object.keys(e.base), ...Object.keys(e.valid)]);

async function expectRefused(e: Entry, key: string, value: unknown): Promise<void> {
  const err = await caught(() => e.call({ ...e.base, [key]: value }));
  expect(err, `${e.where} accepted unknown option '${key}'`).toBeInstanceOf(ConfigError);
  const msg = (err as Error).message;
  expect(msg.startsWith(`${e.where}: `), msg).toBe(true);
  expect(msg).toContain(`unknown option '${e.prefix ?? ''}${key}'`);
  expect(msg).toContain(' takes ');
}

const keyArb = fc.stringMatching(/^[A-Za-z_$][\w$-]{0,24}$/);
const valueArb = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.string(), fc.constant(null), fc.constant({}), fc.constant([1, 2]));


/** For each function: random unknown keys, the foreign names, and every documented key. */
export function describeOptions(pkg: string, entries: readonly Entry[]): void {
  describe(`unknown option keys are refused by every public function of ${pkg}`, () => {
    for (const e of entries) {
      const label = `${e.where}${e.prefix ? ` (${e.prefix.slice(0, -1)} ${String(e.base['type'] ?? e.base['name'])})` : ''}`;
      it(`${label}: random keys`, async () => {
        const ok = accepted(e);
        await fc.assert(
          fc.asyncProperty(keyArb.filter((k) => !ok.has(k)), valueArb, async (key, value) => expectRefused(e, key, value)),
          { numRuns: 25, seed: 15 },
        );
      });
      it(`${label}: Keras/PyTorch names`, async () => {
        const ok = accepted(e);
        for (const key of FOREIGN.filter((k) => !ok.has(k))) await expectRefused(e, key, 1);
      });
      it(`${label}: every documented key is accepted`, async () => {
        expect(await caught(() => e.call({ ...e.base }))).toBeNull();
        for (const [key, value] of Object.entries(e.valid)) {
          const err = await caught(() => e.call({ ...e.base, [key]: value }));
          expect(err, `${e.where} refused its own option '${key}': ${(err as Error | null)?.message}`).toBeNull();
        }
      });
    }
  });
}
