import { readFileSync } from 'node:fs';
import { distributedStatus, getBackend, listBackends } from '@rnn/core';
import { useBackend } from '../backend.js';
import { action, withCommon } from '../command.js';
import { distributedLine } from '../distributed.js';
import { cpuPlanLines } from './info-cpu.js';
import { flag } from '../flags.js';
import { plainCommand } from './workflow-command.js';

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export const info = plainCommand('info', 'version, available backends and which one is picked, BLAS, threads, GPU', action({
  flags: withCommon({ json: flag.boolean('print as JSON') }),
  examples: ['rnn info', 'RNN_BACKEND=js rnn info --json'],
  async run(v, io) {
    let picked: string | null = null;
    let pickError: string | null = null;
    try {
      picked = (await useBackend(io, false)).name;
    } catch (err) {
      pickError = (err as Error).message;
    }
    const backends = listBackends().map((b) => {
      const inf = b.loaded ? (b.name === picked ? getBackend() : null)?.info() : undefined;
      return { ...b, ...(inf ? { info: inf } : {}) };
    });
    const data = {
      version: version(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      requested: process.env['RNN_BACKEND'] ?? null,
      picked,
      ...(pickError ? { error: pickError } : {}),
      backends,
      distributed: distributedStatus(),
    };
    if (v.json) {
      io.stdout.write(JSON.stringify(data, null, 2) + '\n');
      return;
    }
    const lines = [
      `rnn ${data.version} (Node ${data.node}, ${data.platform})`,
      `backend: ${picked ?? `none (${pickError})`}${data.requested ? ` (RNN_BACKEND=${data.requested})` : ' (RNN_BACKEND unset: fastest that loads)'}`,
      'available backends:',
      ...backends.map((b) => {
        const i = 'info' in b && b.info ? b.info : null;
        const details = i ? [i.blas, i.threads !== undefined ? `${i.threads} threads` : '', i.device ? `device ${i.device}` : ''].filter(Boolean).join(', ') : '';
        return `  ${b.name === picked ? '*' : ' '} ${b.name.padEnd(8)} priority ${String(b.priority).padStart(3)}  ${b.loaded ? 'loads' : `not available: ${b.error}`}${details ? `  (${details})` : ''}`;
      }),
      ...cpuPlanLines(backends.find((b) => b.name === 'native' && 'info' in b)?.info as Record<string, unknown> | undefined),
      distributedLine(),
    ];
    io.stdout.write(lines.join('\n') + '\n');
  },
}));
