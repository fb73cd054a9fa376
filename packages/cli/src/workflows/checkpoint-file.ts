import { ConfigError, RnnError, decodeFloats, encodeFloats, type ParameterSet, type TypedArray } from '@rnn/core';
import { writeFileAtomic, type Sequential } from '@rnn/layers';
import { z } from 'zod';
import { loadModel, metadataJson } from '../model-io.js';

/**
 * The checkpoint file: ONE model file of the workflow (weights, config, its metadata such as the
 * vocabulary), so `rnn generate`/`predict`/`evaluate` read it like any model, whose metadata also
 * holds `rnn.checkpoint` (`CheckpointState`). Training with checkpoints is in checkpoint.ts.
 */

export const CHECKPOINT_KEY = 'rnn.checkpoint';

const rngState = z.array(z.number().nullable()).length(5);
/** Checkpoints written before the word "workflow" name it "mode". */
function legacy(json: unknown): unknown {
  if (json === null || typeof json !== 'object' || !('mode' in json) || 'workflow' in json) return json;
  const { mode, ...rest } = json as Record<string, unknown>;
  return { ...rest, workflow: mode };
}

const stateObject = z.object({
  version: z.literal(1),
  /** The trigger flag of the workflow that wrote it (`text` for `rnn train --text`). */
  workflow: z.string(),
  /** The next epoch to run (0-based) and the next batch in it. */
  epoch: z.number().int().min(0),
  batch: z.number().int().min(0),
  batches: z.number().int().min(1),
  /** The generator at the start of `epoch` (the epoch's shuffle is drawn from it). */
  rngEpochStart: rngState,
  /** The generator just before batch `batch` (null at batch 0: it follows from the shuffle). */
  rng: rngState.nullable(),
  settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  /** A workflow's own training state (an early-stopping callback's best loss and weights, …). */
  extra: z.string().nullable().default(null),
  optimizer: z.object({
    name: z.string(),
    lr: z.number(),
    steps: z.number().int().min(0),
    slots: z.record(z.string(), z.object({ dtype: z.enum(['F32', 'F64']), base64: z.string() })),
  }),
});
const stateSchema = z.preprocess(legacy, stateObject);

export type CheckpointState = z.infer<typeof stateObject>;
/** What must be the same to resume exactly: data fingerprint, architecture, batch size, seed, … */
export type Settings = CheckpointState['settings'];

/** What a checkpoint holds besides its state: a model with one flat parameter set (a `Sequential`, a `TreeNet`). */
export interface CheckpointModel {
  readonly params: ParameterSet | null;
  config(): unknown;
}

export interface Checkpoint<M extends CheckpointModel = Sequential> {
  path: string;
  model: M;
  state: CheckpointState;
}

/** Reads a workflow's model file: the model and the file's metadata (which holds `rnn.checkpoint`). */
export type CheckpointLoader<M extends CheckpointModel> = (path: string) => Promise<{ model: M; metadata: Record<string, string> }>;

export const loadSequential: CheckpointLoader<Sequential> = async (path) => {
  const model = await loadModel(path);
  return { model, metadata: model.metadata };
};

export function encodeRng(s: number[]): (number | null)[] {
  return s.map((v) => (Number.isNaN(v) ? null : v));
}

export function decodeRng(s: readonly (number | null)[]): number[] {
  return s.map((v) => (v === null ? NaN : v));
}

/** A typed array as JSON-safe base64 (optimizer slots, a callback's saved weights). */
/** A float array as base64 in a checkpoint's JSON (see `encodeFloats`). */
export const encodeSlot = (a: TypedArray) => encodeFloats(a as Float32Array | Float64Array);
export const decodeSlot = decodeFloats;

/** The checkpoint file's bytes: the model file plus `rnn.checkpoint`. */
export function checkpointBytes(model: Sequential, state: CheckpointState): Uint8Array {
  return model.toBytes({ [CHECKPOINT_KEY]: JSON.stringify(state) });
}

export function writeCheckpoint(path: string, model: Sequential, state: CheckpointState): void {
  writeFileAtomic(path, checkpointBytes(model, state));
}

/** Read `--resume FILE`: the model (its `rnn.checkpoint` key removed from its metadata) and the state. */
export async function readCheckpoint(path: string): Promise<Checkpoint>;
export async function readCheckpoint<M extends CheckpointModel>(path: string, load: CheckpointLoader<M>): Promise<Checkpoint<M>>;
export async function readCheckpoint(path: string, load: CheckpointLoader<CheckpointModel> = loadSequential): Promise<Checkpoint<CheckpointModel>> {
  const { model, metadata } = await load(path).catch((err: unknown) => {
    if (err instanceof RnnError) throw new RnnError(err.code, err.message.replace(/^--model /, '--resume '));
    throw err;
  });
  const text = metadata[CHECKPOINT_KEY];
  if (text === undefined) {
    throw new ConfigError(
      `--resume ${path}: a model file but not a checkpoint (no "${CHECKPOINT_KEY}" in its metadata); checkpoints are written by rnn train --checkpoint FILE`,
    );
  }
  const state = metadataJson(text, CHECKPOINT_KEY, stateSchema, `--resume ${path}`);
  delete metadata[CHECKPOINT_KEY];
  return { path, model, state };
}
