import { z } from 'zod';
import { parseOptions } from './options/parse.js';
import { bool } from './options/schemas.js';
import type { Backend } from './backend.js';
import { BackendError } from './errors.js';

/**
 * The backend registry. Backends register a factory with a priority (cuda 100, native 10, js 1);
 * `RNN_BACKEND` picks one by name, and when it is unset the highest priority that loads wins. A
 * factory that throws while auto-selecting only warns (once) and the next one is tried; a backend
 * requested by name that fails is an error saying why and how to fix it.
 */
export type BackendFactory = () => Backend;

const registerOptions = z.strictObject({
  /** Fall through silently when this backend cannot load while auto-selecting (e.g. a GPU backend
   * on a machine without a GPU: not a problem worth a warning). Asking for it by name still errors. */
  quiet: bool().optional(),
});

export type RegisterOptions = z.infer<typeof registerOptions>;

interface Entry {
  name: string;
  factory: BackendFactory;
  priority: number;
  quiet: boolean;
  instance?: Backend;
  error?: Error;
}

const entries = new Map<string, Entry>();
let current: Backend | null = null;
const warned = new Set<string>();

/** Packages `ready()` tries to import so that installed backends register themselves. */
export const KNOWN_BACKEND_PACKAGES = ['@rnn/backend-native', '@rnn/backend-js'];

export function registerBackend(name: string, factory: BackendFactory, priority = 0, options: RegisterOptions = {}): void {
  parseOptions(registerOptions, options, 'registerBackend');
  if (entries.has(name)) {
    throw new BackendError(
      `registerBackend: a backend named '${name}' is already registered; ` +
        `pick another name or call removeBackend('${name}') first`,
    );
  }
  entries.set(name, { name, factory, priority, quiet: options.quiet ?? false });
}

export function hasBackend(name: string): boolean {
  return entries.has(name);
}

export function removeBackend(name: string): void {
  const e = entries.get(name);
  if (e?.instance && current === e.instance) current = null;
  entries.delete(name);
}

export interface BackendStatus {
  name: string;
  priority: number;
  loaded: boolean;
  error?: string;
}

/** Every registered backend, highest priority first, with whether it loads here. */
export function listBackends(): BackendStatus[] {
  return sorted().map((e) => {
    tryLoad(e);
    return { name: e.name, priority: e.priority, loaded: !!e.instance, error: e.error?.message };
  });
}

function sorted(): Entry[] {
  return [...entries.values()].sort((a, b) => b.priority - a.priority);
}

function tryLoad(e: Entry): Backend | null {
  if (e.instance) return e.instance;
  if (e.error) return null;
  try {
    e.instance = e.factory();
    return e.instance;
  } catch (err) {
    e.error = err instanceof Error ? err : new Error(String(err));
    return null;
  }
}

function load(name: string): Backend {
  const e = entries.get(name);
  if (!e) {
    const names = [...entries.keys()];
    throw new BackendError(
      `unknown backend '${name}'; registered backends: ${names.length ? names.join(', ') : '(none)'}. ` +
        `Install and import its package (e.g. @rnn/backend-${name}) or call registerBackend('${name}', ...)`,
    );
  }
  const b = tryLoad(e);
  if (!b) {
    throw new BackendError(`backend '${name}' failed to load: ${e.error?.message ?? 'unknown error'}`);
  }
  return b;
}

/** The backend in use: `setBackend`'s choice, else `RNN_BACKEND`, else the best that loads. */
export function getBackend(): Backend {
  if (current) return current;
  discoverInstalled();
  const wanted = env('RNN_BACKEND')?.trim();
  if (wanted) {
    current = load(wanted);
    return current;
  }
  for (const e of sorted()) {
    const b = tryLoad(e);
    if (b) {
      current = b;
      return b;
    }
    if (!e.quiet && !warned.has(e.name)) {
      warned.add(e.name);
      warn(`rnn: backend '${e.name}' is not available, falling back: ${e.error?.message}`, 'RNN_BACKEND_FALLBACK');
    }
  }
  throw new BackendError(
    'no backend is available: install and import @rnn/backend-js (pure TypeScript, works everywhere), ' +
      'or, where packages cannot be found synchronously (a browser bundle), call `await ready()` from @rnn/core',
  );
}

/** Use the named backend from now on (tensors already created stay on theirs). */
export function setBackend(name: string): Backend {
  current = load(name);
  return current;
}

/** The backend with this name, loading it if needed (for tests and benchmarks). */
export function backendByName(name: string): Backend {
  return load(name);
}

let discovered = false;

function env(name: string): string | undefined {
  return typeof process === 'undefined' ? undefined : process.env?.[name];
}

function warnOnce(pkg: string, err: unknown): void {
  if (warned.has(pkg)) return;
  warned.add(pkg);
  const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  warn(`rnn: could not load ${pkg}: ${msg}`, 'RNN_BACKEND_IMPORT');
}

/** A process warning in Node; the console elsewhere (a browser has no `process`). */
function warn(message: string, code: string): void {
  if (typeof process !== 'undefined' && typeof process.emitWarning === 'function') process.emitWarning(message, { code });
  else console.warn(message);
}

/** Node (or a runtime that implements its module loader): where backend packages can be imported by name. */
const onNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/**
 * Load the installed backend packages synchronously, so that `RNN_BACKEND` (or the automatic
 * choice) sees them without the caller importing them or awaiting anything: library code runs on
 * the backend the environment names. Node 20.19+ can `require()` an ES module without top-level
 * await, which our backend packages are. Packages resolve from this module or the working
 * directory; one that is not installed is skipped silently, one that fails to load warns once.
 * Where `require` is not Node's own (tsx and vitest give it separate module copies, whose
 * registrations this registry never sees), `@rnn/layers` has already run `loadInstalledBackends()`
 * on import; in a browser bundle this does nothing and `await ready()` is the way.
 */
function discoverInstalled(): void {
  if (discovered) return;
  discovered = true;
  const getBuiltin = typeof process === 'undefined' ? undefined : (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const mod = getBuiltin?.call(process, 'node:module') as { createRequire?: (from: string) => NodeJS.Require } | undefined;
  if (!mod?.createRequire) return;
  const requirers = [mod.createRequire(import.meta.url)];
  try {
    requirers.push(mod.createRequire(`${process.cwd()}/`));
  } catch {
    // no working directory (deleted): resolve from this module only
  }
  for (const pkg of KNOWN_BACKEND_PACKAGES) {
    if (entries.has(pkg.replace('@rnn/backend-', ''))) continue;
    for (const req of requirers) {
      let path: string;
      try {
        path = req.resolve(pkg);
      } catch {
        continue; // not installed where this requirer looks
      }
      try {
        req(path);
      } catch (err) {
        warnOnce(pkg, err);
      }
      break;
    }
  }
}

/**
 * Import the installed backend packages (each registers itself). Missing packages are skipped;
 * one that is installed but fails to import warns once. `@rnn/layers` awaits this when it is
 * imported, so models pick up every installed backend under any module loader.
 */
export async function loadInstalledBackends(): Promise<void> {
  // A browser cannot import a bare package name at run time (and a bundle holds what it imported
  // statically), so there is nothing to find there: @rnn/backend-js, imported by @rnn/layers, is it.
  if (!onNode()) return;
  for (const pkg of KNOWN_BACKEND_PACKAGES) {
    if (entries.has(pkg.replace('@rnn/backend-', ''))) continue;
    try {
      await import(/* @vite-ignore */ pkg);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') warnOnce(pkg, err);
    }
  }
}

/** `loadInstalledBackends()`, then the backend choice (`getBackend()`). */
export async function ready(): Promise<Backend> {
  await loadInstalledBackends();
  return getBackend();
}
