import { DistributedError, activeCommunicator, getCommunicator, launchedRank, launchedRanks, noGrad, type Communicator, type ParameterSet, type PendingOp, type Tensor } from '@rnn/core';

/**
 * Data-parallel training over a `Communicator` (Open MPI): the pieces the `Trainer` uses when it
 * runs on several ranks. Every rank holds the whole model; each global batch is cut into one
 * contiguous share per rank; each rank's gradient of its share's mean loss is scaled by its share
 * of the batch (m_r / m) and the scaled gradients are summed by all-reduce, which gives exactly
 * the gradient of the global batch's mean loss (up to float rounding) for losses that are a mean
 * over samples, whatever the shares' sizes (the last, partial batch included).
 */

/** The communicator a trainer should use: `option` true/false forces it; unset, a launcher (mpirun) decides. */
export function trainerCommunicator(option: boolean | undefined): Communicator | null {
  if (option === false) return null;
  if (option === undefined && launchedRanks() === 0) return null;
  return getCommunicator();
}

/**
 * Whether this process writes files and prints progress: always, except on ranks other than 0 of
 * a distributed run (the launcher's rank before MPI starts, the communicator's after).
 */
export function isWritingRank(): boolean {
  const c = activeCommunicator();
  return c ? c.rank === 0 : launchedRank() === 0;
}

/** Rows [start, end) of a global batch of `m` rows that `rank` of `size` computes. */
export function shareOf(m: number, rank: number, size: number): [number, number] {
  return [Math.floor((rank * m) / size), Math.floor(((rank + 1) * m) / size)];
}

let runFingerprint = '';

/**
 * What every rank must agree on besides the model and the trainer's settings (the CLI passes its
 * flags and a hash of the data files it reads). Checked at the start of a distributed `fit`.
 */
export function setRunFingerprint(text: string): void {
  runFingerprint = text;
}

/** 52-bit FNV-1a of a string, as two 26-bit words (exact in any MPI type). */
function hash52(text: string): Int32Array {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * prime) & 0xffffffffffffffffn;
  }
  return Int32Array.of(Number(h & 0x3ffffffn), Number((h >> 26n) & 0x3ffffffn));
}

/** An error every rank throws at the same point (the CLI prints it once, from rank 0). */
export function onAllRanks<E extends Error>(err: E): E {
  (err as E & { allRanks?: boolean }).allRanks = true;
  return err;
}

/**
 * Refuse to train when ranks were started differently: rank 0's hash of `config` (and the CLI's
 * fingerprint) is broadcast, and each rank reports whether its own matches.
 */
export function agreeOnRun(comm: Communicator, config: string): void {
  const mine = hash52(`${config}\n${runFingerprint}`);
  const root = Int32Array.from(mine);
  comm.broadcast(root, 0);
  const differs = new Int32Array(comm.size);
  differs[comm.rank] = root[0] !== mine[0] || root[1] !== mine[1] ? 1 : 0;
  comm.allreduce(differs);
  const bad = [...differs].flatMap((d, r) => (d ? [r] : []));
  if (bad.length) {
    throw onAllRanks(
      new DistributedError(
        `distributed: rank${bad.length > 1 ? 's' : ''} ${bad.join(', ')} of ${comm.size} ${bad.length > 1 ? 'were' : 'was'} started with different flags, model or data than rank 0 ` +
          `(the hash of config + data differs); start every rank with the same command and the same files`,
      ),
    );
  }
}

/** Rank 0's parameters (and so the same start) on every rank. */
export function broadcastParameters(comm: Communicator, params: ParameterSet): void {
  const host = params.values.data() as Float32Array | Float64Array;
  comm.broadcast(host, 0);
  noGrad(() => params.backend.assign(params.values, { storage: params.backend.write(host), shape: params.values.shape, dtype: params.values.dtype }));
}

interface Bucket {
  start: number;
  end: number;
  waiting: number;
  size: number;
  op: PendingOp | null;
}

/**
 * Gradient averaging in buckets. Parameters are grouped, last first (backward finishes the last
 * layer first), into contiguous ranges of the flat gradient buffer of about `bucketElements`
 * values. `onLeafGrad` (backward's hook) copies a parameter's gradient into a host buffer; when a
 * bucket's last parameter arrives its all-reduce is started (non-blocking),
 * so it travels while backward computes the layers before it. Buckets start in one fixed order
 * on every rank (an MPI requirement for collectives), even when a rank's graph finishes them in
 * another or a rank has no rows in a batch.
 */
export class GradientSync {
  private readonly host: Float32Array | Float64Array;
  private readonly buckets: Bucket[] = [];
  private readonly where = new Map<Tensor, { offset: number; bucket: number }>();
  private next = 0;
  /** Buckets started from backward's hook in the last step, i.e. before backward returned (the rest start in `finish`). */
  overlapped = 0;

  constructor(
    private readonly comm: Communicator,
    private readonly params: ParameterSet,
    bucketElements: number,
  ) {
    this.host = params.grads.dtype === 'float64' ? new Float64Array(params.size) : new Float32Array(params.size);
    let bucket: Bucket | null = null;
    for (let i = params.tensors.length - 1; i >= 0; i--) {
      const t = params.tensors[i]!;
      const off = params.offsets[i]!;
      if (!bucket || bucket.size >= bucketElements) {
        bucket = { start: off, end: off + t.size, waiting: 0, size: 0, op: null };
        this.buckets.push(bucket);
      }
      bucket.start = off;
      bucket.waiting++;
      bucket.size += t.size;
      this.where.set(t, { offset: off, bucket: this.buckets.length - 1 });
    }
  }

  get bucketCount(): number {
    return this.buckets.length;
  }

  /** Before the step's backward (whose loss the caller has scaled by this rank's share of the global batch, m_r / m). */
  begin(): void {
    this.host.fill(0);
    this.next = 0;
    this.overlapped = 0;
    for (const b of this.buckets) {
      b.op = null;
      b.waiting = 0;
    }
    for (const { bucket } of this.where.values()) this.buckets[bucket]!.waiting++;
  }

  /** backward's `onLeafGrad`. */
  readonly onLeafGrad = (leaf: Tensor, grad: Tensor | null): void => {
    const w = this.where.get(leaf);
    if (!w) return;
    if (grad) grad.dataInto(this.host.subarray(w.offset, w.offset + grad.size));
    this.buckets[w.bucket]!.waiting--;
    this.launchReady(false);
  };

  private launchReady(all: boolean): void {
    while (this.next < this.buckets.length && (all || this.buckets[this.next]!.waiting === 0)) {
      const b = this.buckets[this.next++]!;
      b.op = this.comm.allreduceStart(this.host.subarray(b.start, b.end));
      if (!all) this.overlapped++;
    }
  }

  /** After backward: start what is left, wait for every bucket, put the averaged gradient in `params.grads`. */
  finish(): void {
    this.launchReady(true);
    for (const b of this.buckets) b.op!.wait();
    const { backend, grads } = this.params;
    if (backend.hostArray) {
      backend.hostArray(grads).set(this.host);
      return;
    }
    noGrad(() => {
      const s = backend.write(this.host);
      backend.assign(grads, { storage: s, shape: grads.shape, dtype: grads.dtype });
      backend.dispose(s);
    });
  }
}
