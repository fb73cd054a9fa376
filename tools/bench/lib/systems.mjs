// The systems under comparison: a table from system id to how its worker is started, what it can
// run, and how to tell whether it is installed. Adding a library means adding a row here and a
// worker in ../workers/.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('..', import.meta.url));
export const workerPath = (f) => join(here, 'workers', f);

function peerVersion(peers, pkg) {
  const require = createRequire(join(peers, 'package.json'));
  return require(`${pkg}/package.json`).version;
}

function probePeer(pkgs) {
  return (ctx) => {
    try {
      return { ok: true, version: pkgs.map((p) => `${p} ${peerVersion(ctx.peers, p)}`).join(', ') };
    } catch {
      return { ok: false, why: `${pkgs.join(' + ')} not installed in ${ctx.peers} (run tools/bench/install-peers.sh)` };
    }
  };
}

function probePython(ctx) {
  try {
    const v = execFileSync(ctx.python, ['-c', 'import torch, sys; print(torch.__version__, sys.version.split()[0])'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    const [torch, py] = v.split(' ');
    return { ok: true, version: `torch ${torch} (Python ${py})` };
  } catch (e) {
    return { ok: false, why: `${ctx.python} cannot import torch: ${String(e.stderr || e.message).trim().split('\n').pop()}` };
  }
}

function probeRnn(name, simd) {
  return async () => {
    try {
      const core = await import('@rnn/core');
      await core.ready();
      const b = core.backendByName(name);
      const i = b.info();
      const kernels = simd ?? i.simd;
      // the native backend's CPU probe and kernel plan (the baseline system's workers force RNN_SIMD=baseline)
      const plan = simd === 'baseline' ? { name: 'baseline', variant: 'baseline', why: 'RNN_SIMD=baseline' } : i.plan;
      return {
        ok: true,
        version: [`@rnn/backend-${name}`, i.version, i.blas ? `(${i.blas})` : null, kernels ? `kernels: ${kernels}` : null, plan ? `plan: ${plan.name}` : null].filter(Boolean).join(' '),
        ...(i.cpu ? { cpu: i.cpu } : {}),
        ...(plan ? { plan } : {}),
      };
    } catch (e) {
      return { ok: false, why: e.message.split('\n')[0] };
    }
  };
}

const node = (file, extra = {}) => (spec) => ({ cmd: process.execPath, args: [workerPath(file), JSON.stringify({ ...spec, ...extra })] });
const python = (extra = {}) => (spec, ctx) => ({ cmd: ctx.python, args: [workerPath('torch_worker.py'), JSON.stringify({ ...spec, ...extra })] });

/**
 * `threaded`: whether the library can use more than one thread here (single-threaded ones run
 * once and their 1-thread figure stands in the 2-thread table); `multiOnly`: a configuration
 * that only differs with more than one thread. `workloads`: what it can run. `env`: extra
 * environment for its worker.
 */
export const SYSTEMS = [
  { id: 'rnn-native', label: 'rnn-native', ours: true, threaded: true, workloads: 'ABCDEF', modes: ['train', 'forward', 'beam'], start: node('rnn.mjs', { backend: 'native' }), probe: probeRnn('native') },
  { id: 'rnn-js', label: 'rnn-js', ours: true, threaded: false, workloads: 'ABCD', modes: ['train', 'forward'], start: node('rnn.mjs', { backend: 'js' }), probe: probeRnn('js') },
  { id: 'rnn-cuda', label: 'rnn-cuda', ours: true, threaded: true, workloads: 'ABCD', modes: ['train', 'forward'], start: node('rnn.mjs', { backend: 'cuda' }), probe: probeRnn('cuda') },
  // The portable path of the same addon (what a CPU without AVX-512 runs): OpenBLAS per step and
  // compiler-vectorised gate loops.
  { id: 'rnn-native-baseline', label: 'rnn-native RNN_SIMD=baseline', ours: true, threaded: true, env: { RNN_SIMD: 'baseline' }, workloads: 'ABC', modes: ['train', 'forward'], start: node('rnn.mjs', { backend: 'native' }), probe: probeRnn('native', 'baseline') },
  { id: 'rnn-native-nodes', label: 'rnn-native node-by-node', ours: true, threaded: false, workloads: 'D', modes: ['train', 'forward'], start: node('rnn.mjs', { backend: 'native', variant: 'node-by-node' }), probe: probeRnn('native') },
  { id: 'pytorch', label: 'PyTorch', threaded: true, workloads: 'ABCDEF', modes: ['train', 'forward', 'beam'], start: python({ variant: 'levels' }), probe: probePython },
  // PyTorch's OpenMP threads spin after each parallel region while the OpenBLAS pthread pool wants
  // the same two cores: with 2 threads its default is several times slower than 1 thread here.
  // Passive waiting is the fix a user would find, so it is measured too (multi-thread only).
  { id: 'pytorch-passive', label: 'PyTorch OMP_WAIT_POLICY=PASSIVE', threaded: true, multiOnly: true, env: { OMP_WAIT_POLICY: 'PASSIVE' }, workloads: 'ABCDEF', modes: ['train', 'forward', 'beam'], start: python({ variant: 'levels' }), probe: probePython },
  { id: 'pytorch-nodes', label: 'PyTorch node-by-node', threaded: false, workloads: 'D', modes: ['train', 'forward'], start: python({ variant: 'node-by-node' }), probe: probePython },
  { id: 'onnxruntime', label: 'onnxruntime-node', threaded: true, workloads: 'ABC', modes: ['forward'], start: node('onnx.mjs'), probe: probePeer(['onnxruntime-node']), needs: 'pytorch' /* to export the model */ },
  { id: 'tfjs-wasm', label: 'tfjs-wasm', threaded: false, workloads: 'ABC', modes: ['train', 'forward'], start: node('tfjs.mjs', { backend: 'wasm' }), probe: probePeer(['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm']) },
  { id: 'tfjs-cpu', label: 'tfjs-cpu', threaded: false, workloads: 'ABC', modes: ['train', 'forward'], start: node('tfjs.mjs', { backend: 'cpu' }), probe: probePeer(['@tensorflow/tfjs']) },
  { id: 'brain.js', label: 'brain.js', threaded: false, workloads: 'ABC', modes: ['train', 'forward'], start: node('brain.mjs'), probe: probePeer(['brain.js']) },
];

/** Known but not runnable here, with the reason (shown in BENCHMARKS.md). */
export const UNAVAILABLE = [
  {
    id: 'tfjs-node',
    why:
      '`npm install @tensorflow/tfjs-node` runs an install script that downloads libtensorflow ' +
      '(storage.googleapis.com/tensorflow/libtensorflow/libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz); this machine has no ' +
      'route to it (`getaddrinfo ENOTFOUND storage.googleapis.com`), so the package cannot be installed',
  },
];

export const systemById = (id) => SYSTEMS.find((s) => s.id === id);
export const hasAddon = () => existsSync(join(here, '..', '..', 'packages', 'backend-native', 'build', 'Release', 'rnn_native.node'));
