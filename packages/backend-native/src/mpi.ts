import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { DistributedError, registerCommunicator, type CommBuffer, type Communicator, type PendingOp } from '@rnn/core';

/**
 * The Open MPI communicator: rnn_mpi.node (native/mpi/mpi_addon.cpp), built by
 * `npm run build:native -w @rnn/backend-native` when mpi.h is found. MPI_Init runs only when a
 * trainer asks for the communicator, never on import.
 */

/** What rnn_mpi.node exports. Operations take a handle; `wait` blocks until that one is done. */
interface MpiAddon {
  init(): { rank: number; size: number; threadLevel: number };
  iallreduce(buf: CommBuffer): number;
  ibroadcast(buf: CommBuffer | Uint8Array, root: number): number;
  wait(handle: number): void;
  test(handle: number): boolean;
  barrier(): void;
  finalize(): void;
  abort(code: number): never;
  version(): string;
}

export const DEFAULT_MPI_ADDON_PATH = fileURLToPath(new URL('../build/mpi/Release/rnn_mpi.node', import.meta.url));

const HINT =
  'install Open MPI (Debian/Ubuntu: `apt-get install openmpi-bin libopenmpi-dev`) and build the addon with ' +
  '`node packages/backend-native/scripts/build-native.mjs --mpi` (or tools/setup.sh)';

let loaded: { addon: MpiAddon } | { error: string } | null = null;

function load(): { addon: MpiAddon } | { error: string } {
  if (loaded) return loaded;
  const path = process.env['RNN_MPI_ADDON'] || DEFAULT_MPI_ADDON_PATH;
  if (!existsSync(path)) {
    loaded = { error: `the Open MPI addon is not built (${path} does not exist); ${HINT}` };
  } else {
    try {
      const addon = createRequire(import.meta.url)(path) as MpiAddon;
      addon.version();
      loaded = { addon };
    } catch (err) {
      const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      loaded = { error: `${path} failed to load (${msg}); ${HINT}` };
    }
  }
  return loaded;
}

/** Why the mpi communicator cannot start here, or null. */
export function mpiUnavailable(): string | null {
  const l = load();
  return 'error' in l ? l.error : null;
}

class MpiCommunicator implements Communicator {
  readonly name: string;
  readonly rank: number;
  readonly size: number;
  private done = false;

  constructor(private readonly a: MpiAddon) {
    let w: { rank: number; size: number };
    try {
      w = a.init();
    } catch (err) {
      throw new DistributedError(`could not start Open MPI (${err instanceof Error ? err.message : String(err)}); start the job with mpirun -np N rnn train …`);
    }
    this.rank = w.rank;
    this.size = w.size;
    this.name = a.version();
  }

  allreduceStart(buf: CommBuffer): PendingOp {
    const h = this.a.iallreduce(buf);
    let waited = false;
    return {
      wait: () => {
        if (waited) return;
        waited = true;
        this.a.wait(h);
      },
    };
  }

  allreduce(buf: CommBuffer): void {
    this.a.wait(this.a.iallreduce(buf));
  }

  broadcast(buf: CommBuffer | Uint8Array, root = 0): void {
    this.a.wait(this.a.ibroadcast(buf, root));
  }

  abort(code: number): never {
    return this.a.abort(code);
  }

  finalize(): void {
    if (this.done) return;
    this.done = true;
    this.a.finalize();
  }
}

/** Registers 'mpi' with core's communicator registry (importing this package does it). */
export function registerMpi(): void {
  registerCommunicator(
    'mpi',
    () => {
      const l = load();
      if ('error' in l) throw new DistributedError(`distributed training is unavailable: ${l.error}`);
      return new MpiCommunicator(l.addon);
    },
    mpiUnavailable,
  );
}
