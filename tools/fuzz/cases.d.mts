// Types for cases.mjs, so the TypeScript tests can import it.
import type { Arbitrary } from 'fast-check';

type ErrorClass = abstract new (...args: never[]) => Error;

export declare const FUZZ_SEED: number;

export declare class Violation extends Error {}

/** What `makeTargets` needs: core's io functions and error classes, and optionally the CLI's. */
export interface FuzzLibrary {
  parseSafetensors: (bytes: Uint8Array, source?: string) => unknown;
  serializeSafetensors: (tensors: Map<string, never>, metadata?: Record<string, string>) => Uint8Array;
  parseNpy: (bytes: Uint8Array, source?: string) => unknown;
  parseJsonArray: (text: string, source?: string) => unknown;
  parseStrictJson: (text: string, source: string, what?: string) => unknown;
  parseModelConfig: (json: unknown, source: string) => unknown;
  expectedTensors: (config: never) => { name: string; shape: number[] }[];
  checkModelTensors: (config: never, tensors: Map<string, never>, where: string) => unknown;
  readModelFile: (bytes: Uint8Array, source?: string) => unknown;
  FormatError: ErrorClass;
  ConfigError: ErrorClass;
  RnnError: ErrorClass;
  /** The PTB tree reader of @rnn/layers, when present. */
  parseTrees?: (text: string, source?: string) => unknown;
  cli?: {
    configArgs: (command: string, path: string, flags: never) => string[];
    parseArgs: (command: string, argv: readonly string[], flags: never) => unknown;
    UsageError: ErrorClass;
    /** Command name → its flags. */
    commands: Record<string, unknown>;
    /** Writes the config bytes to a file and returns its path. */
    writeConfig: (bytes: Uint8Array) => string;
  };
}

export interface FuzzTarget {
  name: string;
  allowed: ErrorClass[];
  arb: Arbitrary<unknown>;
  run(input: unknown): void;
  show(input: unknown): Uint8Array | string;
}

export interface FuzzStats {
  reader: string;
  tried: number;
  ok: number;
  refused: number;
  maxMs: number;
  maxJumpBytes: number;
}

export interface FuzzLimits {
  seed?: number;
  numRuns: number;
  /** Longest one input may take (default 2000 ms). */
  maxMs?: number;
  /** Largest `arrayBuffers` growth one input may cause (default 64 MB). */
  maxJumpBytes?: number;
  onCase?: (input: unknown) => void;
}

export declare function makeTargets(lib: FuzzLibrary): FuzzTarget[];
export declare function runCase(
  target: FuzzTarget,
  input: unknown,
  limits: { maxMs: number; maxJumpBytes: number },
): { outcome: 'ok' | 'refused'; ms: number; jump: number };
export declare function fuzzTarget(target: FuzzTarget, limits: FuzzLimits): FuzzStats;
export declare function formatStats(stats: FuzzStats): string;
