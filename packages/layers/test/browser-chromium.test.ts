// A tiny training page runs in headless Chromium: @rnn/layers' browser build trains an LSTM a few
// epochs on the js backend, the loss falls, and the model round-trips through bytes. Needs Debian's
// `chromium` (.ci/run and tools/setup.sh install it); without it this one test is skipped, loudly.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE, bundleForBrowser } from './browser/bundle.js';

const CHROMIUM = [process.env['RNN_CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));
if (!CHROMIUM) {
  console.warn(
    '\n*** SKIPPED: the headless-Chromium browser test (browser-chromium.test.ts) needs Chromium, and none was found at ' +
      '/usr/bin/chromium: install it with `apt-get install -y chromium` (tools/setup.sh does), or set RNN_CHROMIUM ***\n',
  );
}

const HTML = '<!doctype html><meta charset="utf-8"><title>rnn</title><link rel="icon" href="data:,"><pre id="result"></pre><script type="module" src="/page.js"></script>';

describe.skipIf(!CHROMIUM)('in headless Chromium', () => {
  let server: Server;
  let url = '';
  let bundle = '';

  beforeAll(async () => {
    const b = await bundleForBrowser(PAGE);
    expect(b.errors).toEqual([]);
    bundle = b.code!;
    server = createServer((req, res) => {
      const [type, body] = req.url === '/page.js' ? ['text/javascript', bundle] : req.url === '/' ? ['text/html', HTML] : [null, ''];
      res.writeHead(type ? 200 : 404, { 'content-type': type ?? 'text/plain' }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
  });

  it('trains a few epochs on js: the loss goes down, and the model survives toBytes/fromBytes', async () => {
    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(join(tmpdir(), 'rnn-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync',
      ],
    });
    const problems: string[] = [];
    try {
      const page = await context.newPage();
      // an error while the bundle loads (before the page's code runs) fails at once, not at the timeout
      const crashed = new Promise<never>((_, reject) =>
        page.on('pageerror', (e) => {
          problems.push(`page error: ${e.message}`);
          reject(new Error(`the page threw: ${e.stack ?? e.message}`));
        }),
      );
      crashed.catch(() => {}); // also after the race: `problems` reports it
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
      });
      await page.goto(url);
      await Promise.race([page.waitForSelector('#result[data-done="1"]', { timeout: 90_000 }), crashed]);
      const result = JSON.parse((await page.textContent('#result')) ?? '{}');
      expect(result.error, result.error).toBeUndefined();
      expect(problems).toEqual([]);
      expect(result.hasProcess).toBe(false);
      expect(result.backend).toBe('js');
      const losses: number[] = result.losses;
      expect(losses).toHaveLength(12);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.5);
      expect(result.sameAfterBytes).toBe(true);
      expect(result.saveError).toMatchObject({ platformError: true, code: 'E_PLATFORM' });
      expect(result.saveError.message).toContain('use model.toBytes()');
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 120_000);
});
