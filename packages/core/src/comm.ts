import { RnnError } from './errors.js';

/**
 * The communication engine a data-parallel trainer averages gradients with. rnn does not speak a
 * protocol of its own: `@rnn/backend-native` registers `mpi` (Open MPI through rnn_mpi.node) and
 * the trainer asks `getCommunicator()` when it was started under `mpirun` or with
 * `distributed: true`. A factory registered here is called at most once per process.
 */

/** A distributed run could not start or a rank disagreed with another (E_DISTRIBUTED). */
export class DistributedError extends RnnError {
  constructor(message: string) {
    super('E_DISTRIBUTED', message);
  }
}

/** Buffers a communicator reduces (sum) or broadcasts in place. */
export type CommBuffer = Float32Array | Float64Array | Int32Array;

/** An operation in flight: `wait()` returns when the buffer holds the result. */
export interface PendingOp {
  wait(): void;
}

export interface Communicator {
  /** The engine, for messages ('Open MPI v4.1.4'). */
  readonly name: string;
  readonly rank: number;
  readonly size: number;
  /** Start an in-place sum over all ranks (non-blocking: MPI_Iallreduce). Every rank must start the same sequence. */
  allreduceStart(buf: CommBuffer): PendingOp;
  /** In-place sum over all ranks (blocking). */
  allreduce(buf: CommBuffer): void;
  /** Rank `root`'s buffer copied into every rank's (blocking). */
  broadcast(buf: CommBuffer | Uint8Array, root?: number): void;
  /** End every rank of the job with this status (after the caller printed why). */
  abort(code: number): never;
  /** Leave the job cleanly (at the end of the program). */
  finalize(): void;
}

interface Provider {
  name: string;
  factory: () => Communicator;
  /** Why it cannot start here, or null when it can (cheap: no MPI_Init). */
  unavailable: () => string | null;
}

const providers: Provider[] = [];
let world: Communicator | null = null;

/** Register a communication engine (`@rnn/backend-native` registers 'mpi'). */
export function registerCommunicator(name: string, factory: () => Communicator, unavailable: () => string | null): void {
  if (providers.some((p) => p.name === name)) return;
  providers.push({ name, factory, unavailable });
}

/**
 * The number of ranks a launcher started this process among (Open MPI's OMPI_COMM_WORLD_SIZE,
 * or PMI_SIZE / PMIX_SIZE of other launchers), or 0 when no launcher did.
 */
export function launchedRanks(env: Record<string, string | undefined> = typeof process === 'undefined' ? {} : process.env): number {
  for (const key of ['OMPI_COMM_WORLD_SIZE', 'PMIX_SIZE', 'PMI_SIZE']) {
    const v = Number(env[key]);
    if (Number.isInteger(v) && v >= 1) return v;
  }
  return 0;
}

/** This process's rank as its launcher set it (OMPI_COMM_WORLD_RANK, PMIX_RANK, PMI_RANK), or 0. */
export function launchedRank(env: Record<string, string | undefined> = typeof process === 'undefined' ? {} : process.env): number {
  for (const key of ['OMPI_COMM_WORLD_RANK', 'PMIX_RANK', 'PMI_RANK']) {
    const v = Number(env[key]);
    if (env[key] !== undefined && Number.isInteger(v) && v >= 0) return v;
  }
  return 0;
}

/** Whether distributed training can start here, and if not, why (for `rnn info`). */
export function distributedStatus(): { available: boolean; engine?: string; why?: string } {
  if (providers.length === 0) {
    return { available: false, why: 'no communicator is registered (install @rnn/backend-native with Open MPI: apt-get install openmpi-bin libopenmpi-dev, then npm run build:native -w @rnn/backend-native)' };
  }
  const whys: string[] = [];
  for (const p of providers) {
    const why = p.unavailable();
    if (why === null) return { available: true, engine: p.name };
    whys.push(`${p.name}: ${why}`);
  }
  return { available: false, why: whys.join('; ') };
}

/** The process's communicator, started on first use (MPI_Init); throws a DistributedError saying why it cannot. */
export function getCommunicator(): Communicator {
  if (world) return world;
  const status = distributedStatus();
  if (!status.available) throw new DistributedError(`distributed training is unavailable: ${status.why}`);
  world = providers.find((p) => p.name === status.engine)!.factory();
  return world;
}

/** The communicator if one was started in this process, else null (no side effects). */
export function activeCommunicator(): Communicator | null {
  return world;
}
