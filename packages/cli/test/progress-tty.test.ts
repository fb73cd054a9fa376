import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tmp } from './helpers.js';

/**
 * Progress as a user sees it: in a real terminal (a tmux pane, read back with capture-pane) and
 * through a pipe, from a real process. tmux is a test dependency (.ci/run installs it); where it
 * is missing the terminal tests are skipped, saying so.
 */

const root = new URL('../../../', import.meta.url).pathname;
const tsx = join(root, 'node_modules/.bin/tsx');
const rnnCli = new URL('./fixtures/rnn.ts', import.meta.url).pathname;
const fitScript = new URL('./fixtures/fit-verbose.ts', import.meta.url).pathname;
const dir = tmp();
const text = join(dir, 'small.txt');
writeFileSync(text, readFileSync(join(root, 'data/tinyshakespeare/first-50k.txt'), 'utf8').slice(0, 6000));
const bigText = join(dir, 'big.txt');
writeFileSync(bigText, readFileSync(join(root, 'data/tinyshakespeare/first-50k.txt'), 'utf8').slice(0, 40000));
// a small model on the TypeScript backend: epochs of about a second, long enough to see a bar
const TEXT_ARGS = ['--hidden', '32', '--layers', '1', '--seq-len', '40', '--batch-size', '16'];

const hasTmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
if (!hasTmux) {
  console.warn('\n*** progress-tty.test.ts: tmux is not installed, so the terminal tests are SKIPPED (apt-get install tmux; .ci/run installs it) ***\n');
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const sockets: string[] = [];
afterAll(() => {
  for (const s of sockets) {
    spawnSync('tmux', ['-L', s, 'kill-server']);
    // tmux can leave the socket file of a server that has exited
    rmSync(join(process.env['TMUX_TMPDIR'] ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, s), { force: true });
  }
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Run `argv` in a detached tmux pane of `cols` columns (not in CI, which turns the bar off), take
 * a capture every 50 ms while it runs, and return those and the pane at the end.
 */
async function inTerminal(argv: string[], cols: number): Promise<{ during: string[][]; end: string[] }> {
  const socket = `rnn-progress-${process.pid}-${sockets.length}`;
  sockets.push(socket);
  const cmd = `cd ${quote(dir)} && env -u CI RNN_BACKEND=js ${argv.map(quote).join(' ')}; echo "[exit $?]"; sleep 600`;
  const tmux = (...a: string[]) => spawnSync('tmux', ['-u', '-L', socket, '-f', '/dev/null', ...a], { encoding: 'utf8' });
  const started = tmux('new-session', '-d', '-s', 't', '-x', String(cols), '-y', '50', cmd);
  expect(started.status, started.stderr).toBe(0);
  const capture = () => tmux('capture-pane', '-p', '-t', 't').stdout.replace(/\n+$/, '').split('\n');
  const during: string[][] = [];
  const t0 = Date.now();
  for (;;) {
    const rows = capture();
    if (rows.some((r) => r.startsWith('[exit '))) {
      tmux('kill-server');
      return { during, end: rows };
    }
    during.push(rows);
    if (Date.now() - t0 > 90_000) throw new Error(`no exit after 90 s; the pane shows:\n${rows.join('\n')}`);
    await sleep(50);
  }
}

/** The row holding the bar in a capture, and the row after it. */
function barRow(rows: string[]): { row: string; next: string | undefined } | null {
  const i = rows.findIndex((r) => /[█░]/.test(r));
  return i < 0 ? null : { row: rows[i]!, next: rows[i + 1] };
}

const LEFTOVERS = /[█░]|samples\/s|ETA/;

describe.skipIf(!hasTmux)('progress in a real terminal (tmux)', () => {
  it('draws a bar that fits the row, and replaces it by clean epoch lines, even on a narrow terminal', async () => {
    const cols = 60;
    const { during, end } = await inTerminal([tsx, '--conditions=source', rnnCli, 'train', '--text', text, '--out', 'm.safetensors', '--epochs', '3', ...TEXT_ARGS], cols);
    const bars = during.map(barRow).filter((b) => b !== null);
    expect(bars.length, 'a bar was on screen while training').toBeGreaterThan(0);
    for (const b of bars) {
      // one row, never wrapped: \r could not reach the start of a wrapped bar
      expect(b.row.length).toBeLessThan(cols);
      expect(b.row).toMatch(/^text epoch [123]\/3 [█░]+ \d+\/\d+ loss \S+ \d+ samples\/s ETA \d:\d\d$/);
      expect(b.next ?? '').toBe('');
    }
    // the final screen: three epoch lines, the summary (wrapped by the terminal), the exit status
    const epochLines = end.filter((r) => r.startsWith('text epoch'));
    expect(epochLines).toHaveLength(3);
    for (const [i, l] of epochLines.entries()) expect(l).toMatch(new RegExp(`^text epoch ${i + 1}/3 loss \\S+ val_loss \\S+ \\(\\d+\\.\\ds\\)$`));
    expect(end.join('\n')).not.toMatch(LEFTOVERS);
    const rest = end.slice(end.indexOf(epochLines[2]!) + 1);
    expect(rest.join('')).toMatch(/^rnn: trained to epoch 3 in \d+\.\ds; validation loss [\d.]+ nats\/char \([\d.]+ bits\/char\); wrote m\.safetensors\[exit 0\]$/);
  });

  it('with --minutes and no --epochs: no epoch total, elapsed/budget and a known ETA; a clean line where time ran out', async () => {
    const { during, end } = await inTerminal([tsx, '--conditions=source', rnnCli, 'train', '--text', bigText, '--out', 'm.safetensors', '--minutes', '0.1', ...TEXT_ARGS], 80);
    const bars = during.map(barRow).filter((b) => b !== null);
    expect(bars.length).toBeGreaterThan(0);
    for (const b of bars) {
      expect(b.row).not.toMatch(/Infinity|--:--/);
      expect(b.row).toMatch(/^text epoch \d+ [█░]+ \d+\/\d+ loss \S+ \d+ samples\/s 0:0\d\/0:06 ETA 0:0\d$/);
    }
    const screen = end.join('\n');
    expect(screen).not.toMatch(LEFTOVERS);
    expect(screen).not.toMatch(/Infinity/);
    const lines = end.filter((r) => r.startsWith('text epoch'));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l).toMatch(/^text epoch \d+ (loss \S+ val_loss \S+|stopped after \d+\/\d+ batches, loss \S+) \(\d+\.\ds, 0:0\d\/0:06\)$/);
    }
    // the epoch cut short by the budget ends in its own line, and the summary starts on a fresh row;
    // when the budget runs out just as an epoch ends (its validation takes the last moments: seen once
    // in a full test run on a loaded machine) no epoch is cut short, and the summary names the epoch alone
    const last = lines.at(-1)!;
    const next = end[end.indexOf(last) + 1];
    if (/stopped after/.test(last)) expect(next).toMatch(/^rnn: time budget reached at epoch \d+ \(\d+\/\d+ batches\)/);
    else expect(next).toMatch(/^rnn: time budget reached at epoch \d+ in /);
  });

  it("library fit({ verbose: 1 }): a bar on a terminal, then one clean line per epoch", async () => {
    const { during, end } = await inTerminal([tsx, '--conditions=source', fitScript, '1'], 80);
    const bars = during.map(barRow).filter((b) => b !== null);
    expect(bars.length).toBeGreaterThan(0);
    for (const b of bars) expect(b.row).toMatch(/^train epoch [123]\/3 [█░]+ \d+\/32 loss \S+ \d+ samples\/s ETA \d:\d\d$/);
    expect(end.join('\n')).not.toMatch(LEFTOVERS);
    expect(end.filter((r) => r.trim())).toEqual([
      expect.stringMatching(/^train epoch 1\/3 loss \S+ \(\d+\.\ds\)$/),
      expect.stringMatching(/^train epoch 2\/3 loss \S+ \(\d+\.\ds\)$/),
      expect.stringMatching(/^train epoch 3\/3 loss \S+ \(\d+\.\ds\)$/),
      'done',
      '[exit 0]',
    ]);
  });
});

/** Run `argv` with stderr on a pipe; each stderr line with the time it arrived (ms), and the exit time. */
function throughPipe(argv: string[]): Promise<{ lines: { at: number; text: string }[]; exitAt: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, RNN_BACKEND: 'js' };
    const child = spawn(argv[0]!, argv.slice(1), { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: { at: number; text: string }[] = [];
    let partial = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      const at = performance.now();
      const parts = (partial + d).split('\n');
      partial = parts.pop()!;
      for (const text of parts) lines.push({ at, text });
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ lines, exitAt: performance.now(), code }));
  });
}

/** Each epoch line arrives as its epoch ends: after the previous one by about the epoch's own time. */
function expectArrivingPerEpoch(lines: { at: number; text: string }[], exitAt: number, pattern: RegExp): void {
  const epochs = lines.filter((l) => pattern.test(l.text));
  expect(epochs.length).toBe(3);
  for (let i = 1; i < epochs.length; i++) {
    const seconds = Number(/\((\d+\.\d)s/.exec(epochs[i]!.text)![1]);
    // if the lines were held back to the end they would all arrive at once (gap ~0)
    expect(epochs[i]!.at - epochs[i - 1]!.at, epochs[i]!.text).toBeGreaterThan(Math.max(50, 0.5 * (seconds - 0.05) * 1000));
  }
  expect(exitAt - epochs[0]!.at).toBeGreaterThan(100);
}

describe('progress through a pipe', () => {
  it('rnn train prints one line per epoch on stderr, each as its epoch ends', async () => {
    const r = await throughPipe([tsx, '--conditions=source', rnnCli, 'train', '--text', text, '--out', 'm.safetensors', '--epochs', '3', ...TEXT_ARGS]);
    expect(r.code).toBe(0);
    const shown = r.lines.map((l) => l.text).filter((l) => !l.startsWith('rnn: warning:'));
    expect(shown).toEqual([
      expect.stringMatching(/^text epoch 1\/3 loss \S+ val_loss \S+ \(\d+\.\ds\)$/),
      expect.stringMatching(/^text epoch 2\/3 loss \S+ val_loss \S+ \(\d+\.\ds\)$/),
      expect.stringMatching(/^text epoch 3\/3 loss \S+ val_loss \S+ \(\d+\.\ds\)$/),
      expect.stringMatching(/^rnn: trained to epoch 3 in .*; wrote m\.safetensors$/),
    ]);
    expectArrivingPerEpoch(r.lines, r.exitAt, /^text epoch/);
  });

  it('library fit({ verbose: 2 }) prints one line per epoch as it ends', async () => {
    const r = await throughPipe([tsx, '--conditions=source', fitScript, '2']);
    expect(r.code).toBe(0);
    expect(r.lines.map((l) => l.text)).toEqual([1, 2, 3].map((e) => expect.stringMatching(new RegExp(`^train epoch ${e}/3 loss \\S+ \\(\\d+\\.\\ds\\)$`))));
    expectArrivingPerEpoch(r.lines, r.exitAt, /^train epoch/);
  });
});
