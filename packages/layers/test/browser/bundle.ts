import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

export const PAGE = fileURLToPath(new URL('./page.js', import.meta.url));
/** The repository: bundle inputs are named relative to it (`packages/layers/dist/browser.js`). */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** `fs`, `node:fs`, `fs/promises`…: every module Node provides and a browser does not. */
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

export interface Bundle {
  /** The bundle, or null when it failed. */
  code: string | null;
  /** Every Node built-in the bundle asked for, as `spec (imported by file)`. */
  builtins: string[];
  errors: string[];
  /** The files that went in, relative to the repository. */
  inputs: string[];
}

/**
 * Bundle `entry` as a browser page bundles it (`--platform=browser`: the `browser` export
 * conditions), noting every import of a Node built-in instead of letting esbuild guess.
 */
export async function bundleForBrowser(entry: string | { contents: string }): Promise<Bundle> {
  const builtins: string[] = [];
  const detect: Plugin = {
    name: 'no-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!BUILTINS.has(args.path) && !args.path.startsWith('node:')) return undefined;
        builtins.push(`${args.path} (imported by ${args.importer.replace(ROOT, '')})`);
        return { path: args.path, external: true };
      });
    },
  };
  try {
    const r = await build({
      ...(typeof entry === 'string'
        ? { entryPoints: [entry] }
        : { stdin: { contents: entry.contents, resolveDir: fileURLToPath(new URL('.', import.meta.url)), sourcefile: 'entry.js' } }),
      absWorkingDir: ROOT,
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [detect],
    });
    return { code: r.outputFiles[0]!.text, builtins, errors: [], inputs: Object.keys(r.metafile.inputs) };
  } catch (err) {
    const errors = ((err as { errors?: { text: string }[] }).errors ?? [{ text: String(err) }]).map((e) => e.text);
    return { code: null, builtins, errors, inputs: [] };
  }
}
