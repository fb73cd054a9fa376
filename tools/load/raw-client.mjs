/**
 * A cheap closed-loop HTTP/1.1 load client for tools/load/serve-bench.mjs: one keep-alive TCP
 * socket per client, each request written from bytes serialised once up front, each answer parsed
 * just enough to check it (status line, Content-Length, then the caller's `check` on the JSON
 * body). `fetch` (undici) costs more CPU per request than the server's own HTTP handling, so with
 * it a one-core client, not the server, capped the measured throughput.
 *
 * Only what the servers of serve-bench answer is understood: a status line, headers with a
 * Content-Length, a body of that length (no chunked transfer coding: refused as a failure).
 */
import { connect } from 'node:net';

/** `POST path` with `body` as one Buffer, headers included. */
export function requestBytes(url, path, body) {
  const u = new URL(url);
  const b = Buffer.from(body, 'utf8');
  const head = `POST ${path} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: ${b.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), b]);
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/**
 * One answer from `buf` starting at 0: `{status, body, used}` once complete, or null if more bytes
 * are needed. Throws on what it cannot read.
 */
function parseResponse(buf) {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) return null;
  const head = buf.toString('latin1', 0, end);
  const status = Number(head.slice(9, 12));
  const m = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (!m) throw new Error(`answer without Content-Length: ${head.slice(0, 200)}`);
  const len = Number(m[1]);
  const used = end + 4 + len;
  if (buf.length < used) return null;
  return { status, body: buf.toString('utf8', end + 4, used), used, close: /\r\nconnection: *close/i.test(head) };
}

/**
 * `concurrency` clients, each on its own socket, send `requests` requests in all (request i is
 * `payloads[i % payloads.length]`) and wait for each answer before the next. `check(i, status,
 * bodyText)` throws to count a failure. A socket the server closes is reopened. Resolves with
 * latencies (ms, in completion order), failures and the first failure's message.
 */
export function closedLoop({ url, payloads, requests, concurrency, check, onProgress }) {
  const u = new URL(url);
  const latencies = [];
  let nextIndex = 0;
  let failures = 0;
  let firstFailure = null;
  const fail = (msg) => {
    failures++;
    firstFailure ??= msg;
  };

  const client = () =>
    new Promise((resolve) => {
      let socket = null; // the current connection; handlers of an older one ignore their events
      let buf = Buffer.alloc(0);
      let i = -1;
      let sent = 0;
      let waiting = false; // request i is written and not yet answered
      const answered = () => {
        waiting = false;
        latencies.push(performance.now() - sent);
        onProgress?.(latencies.length);
      };
      const drop = () => {
        const s = socket;
        socket = null;
        s?.destroy();
      };
      const open = () => {
        const s = connect({ host: u.hostname, port: Number(u.port), noDelay: true });
        socket = s;
        buf = Buffer.alloc(0);
        s.on('data', (d) => {
          if (socket !== s || !waiting) return;
          buf = buf.length ? Buffer.concat([buf, d]) : d;
          let r;
          try {
            r = parseResponse(buf);
          } catch (e) {
            fail(`request ${i}: ${e.message}`);
            answered();
            drop();
            return next();
          }
          if (!r) return;
          buf = buf.subarray(r.used);
          answered();
          try {
            check(i, r.status, r.body);
          } catch (e) {
            fail(`request ${i}: ${e.message}`);
          }
          if (r.close) drop();
          next();
        });
        s.on('error', () => {}); // reported by 'close'
        s.on('close', () => {
          if (socket !== s) return; // replaced, or closed by us
          socket = null;
          if (waiting) {
            fail(`request ${i}: the server closed the connection before answering`);
            answered();
            next();
          }
        });
      };
      const next = () => {
        i = nextIndex++;
        if (i >= requests) {
          drop();
          return resolve();
        }
        if (!socket) open();
        sent = performance.now();
        waiting = true;
        socket.write(payloads[i % payloads.length]);
      };
      next();
    });

  const t0 = performance.now();
  return Promise.all(Array.from({ length: concurrency }, client)).then(() => ({
    seconds: (performance.now() - t0) / 1000,
    latencies,
    failures,
    firstFailure,
  }));
}
