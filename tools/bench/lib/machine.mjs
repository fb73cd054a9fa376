// What the figures were measured on: CPU, cores, OS, runtimes, and the load while measuring.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';

const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};

export function machine() {
  const lscpu = sh('lscpu', []) ?? '';
  const field = (name) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(lscpu)?.[1]?.trim() ?? null;
  const os = sh('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"']);
  return {
    cpu: field('Model name'),
    cpus: Number(field('CPU\\(s\\)')),
    threadsPerCore: Number(field('Thread\\(s\\) per core')),
    caches: ['L1d cache', 'L2 cache', 'L3 cache'].map((k) => `${k.split(' ')[0]} ${field(k) ?? '?'}`).join(', '),
    hypervisor: field('Hypervisor vendor'),
    os,
    kernel: sh('uname', ['-r']),
    node: process.version,
    gcc: sh('gcc', ['-dumpfullversion']),
    env: Object.fromEntries(['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'].map((k) => [k, process.env[k] ?? null])),
  };
}

export const load1 = () => loadavg()[0];
