// `esbuild --platform=browser` bundles @rnn/core, @rnn/backend-js and @rnn/layers (their published
// `dist`, through the packages' `browser` export conditions): no Node built-in, no native backend.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PAGE, bundleForBrowser } from './browser/bundle.js';


describe('browser bundles', () => {
  it('the packages are built (these tests bundle dist, as a user does)', () => {
    for (const p of ['core', 'backend-js', 'layers']) {
      expect(existsSync(new URL(`../../${p}/dist/index.js`, import.meta.url)), `packages/${p}/dist: run npm run build first`).toBe(true);
    }
  });

  it.each([
    ['@rnn/core', "import { tensor } from '@rnn/core'; console.log(tensor([1, 2]));"],
    ['@rnn/backend-js', "import { JsBackend } from '@rnn/backend-js'; console.log(new JsBackend());"],
  ])('%s bundles for the browser without a Node built-in', async (_name, contents) => {
    const b = await bundleForBrowser({ contents });
    expect(b.errors).toEqual([]);
    expect(b.builtins).toEqual([]);
  });

  it('a training page with @rnn/layers bundles without a Node built-in or the native backend', async () => {
    const b = await bundleForBrowser(PAGE);
    expect(b.errors).toEqual([]);
    expect(b.builtins).toEqual([]);
    expect(b.inputs).toContain('packages/layers/dist/browser.js');
    expect(b.inputs.filter((p) => /backend-native|platform\/node|model\/files/.test(p))).toEqual([]);
    // the installed-backend loader's import() of a variable is left alone, and pulls nothing in
    expect(b.code).not.toMatch(/from\s*["']node:|require\(["']node:/);
  });

  it("the check sees a Node built-in: @rnn/layers' Node entry imports node:fs", async () => {
    const b = await bundleForBrowser(fileURLToPath(new URL('../dist/index.js', import.meta.url)));
    expect(b.builtins.some((s) => s.startsWith('node:fs'))).toBe(true);
  });
});
