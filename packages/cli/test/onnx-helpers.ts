import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';

/** Runs an ONNX model in onnxruntime-node; `x` float32 [B,T,F] or int64 ids [B,T]. */
export async function runOnnx(bytes: Uint8Array, x: { data: ArrayLike<number>; shape: number[]; ids?: boolean }, lens?: number[]): Promise<{ data: Float32Array; dims: number[] }> {
  const s = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {
    x: x.ids ? new ort.Tensor('int64', BigInt64Array.from(Array.from(x.data, (v) => BigInt(v))), x.shape) : new ort.Tensor('float32', Float32Array.from(x.data), x.shape),
  };
  if (lens) feeds['sequence_lens'] = new ort.Tensor('int32', Int32Array.from(lens), [lens.length]);
  const r = await s.run(feeds);
  await s.release();
  return { data: r['y']!.data as Float32Array, dims: [...r['y']!.dims] };
}

/** max |a − b| / max |b|: the relative error the contract bounds by 1e-4. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, 1e-12);
}

/**
 * Debian's python3-onnx (`onnx.checker`), if some python here has it: null when absent, with the
 * reason, so the caller can skip visibly.
 */
export function onnxChecker(): { python: string } | { absent: string } {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import onnx; print(onnx.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python };
  }
  return { absent: 'python3-onnx is not installed (apt-get install -y python3-onnx): the onnx.checker test is skipped' };
}

/** `onnx.checker.check_model(path, full_check=True)` (shape inference included); its error text, or null. */
export function checkModel(python: string, path: string): string | null {
  const r = spawnSync(python, ['-c', 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', path], { encoding: 'utf8' });
  return r.status === 0 ? null : r.stderr.trim().split('\n').slice(-3).join(' | ');
}
