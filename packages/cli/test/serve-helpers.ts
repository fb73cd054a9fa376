import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';

const BIN = new URL('../bin/rnn.js', import.meta.url).pathname;

export interface Served {
  url: string;
  child: ChildProcess;
  stderr(): string;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** `rnn serve --port 0 …` as a child process (the built CLI), once it prints `listening URL`. */
export async function serve(model: string, flags: string[] = [], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--model', model, '--port', '0', ...flags], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`rnn serve did not start in 60 s: ${err}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^listening (http:\/\/\S+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`rnn serve exited (${code}) before listening: ${err}`));
    });
  });
  return {
    url,
    child,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export async function post(url: string, body: unknown): Promise<{ status: number; json: { outputs?: unknown; error?: string } }> {
  const r = await fetch(`${url}/predict`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: r.status, json: (await r.json()) as { outputs?: unknown; error?: string } };
}

/**
 * A raw request whose body is written by `write` (so a test can send 100 MB, or dribble bytes);
 * resolves with the status the server answered (even if it then cut the upload short), or
 * `error CODE` if it cut the connection before answering.
 */
export function rawPost(url: string, headers: Record<string, string | number>, write: (req: ReturnType<typeof request>) => void): Promise<{ status: number | string; body: string }> {
  return new Promise((resolve) => {
    // the status counts once its head has arrived, even if the server then cuts the upload short
    let status: number | null = null;
    let body = '';
    const req = request(`${url}/predict`, { method: 'POST', headers }, (res) => {
      status = res.statusCode!;
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: status!, body }));
      res.on('error', () => resolve({ status: status!, body }));
    });
    req.on('error', (e) => setTimeout(() => resolve(status !== null ? { status, body } : { status: `error ${(e as { code?: string }).code}`, body: '' }), 50));
    write(req);
  });
}
