// Registered before any package that registers the 'mpi' communicator is imported (the first
// provider that can start wins): imported first by distributed-stop.test.ts.
import { registerCommunicator, type CommBuffer, type Communicator, type PendingOp } from '@rnn/core';

/** What the pretend job's communicator saw, and when its twin rank stops. */
export const twinState = { log: [] as string[], agreements: 0, stopsAt: -1 };
const log = twinState.log;
export const twin: Communicator = {
  name: 'twin',
  rank: 0,
  size: 2,
  allreduceStart(buf: CommBuffer): PendingOp {
    const agreement = buf instanceof Float64Array && buf.length === 3;
    log.push(agreement ? 'agree' : `bucket ${buf.length}`);
    const step = agreement ? twinState.agreements++ : -1;
    return {
      wait: () => {
        for (let i = 0; i < buf.length; i++) buf[i] = 2 * buf[i]!;
        // the twin asks to stop before step `stopsAt` (0-based, counting agreements)
        if (step >= 0 && step === twinState.stopsAt) buf[2] = buf[2]! + 1;
      },
    };
  },
  allreduce: (buf: CommBuffer) => {
    log.push(`allreduce ${buf.length}`);
    for (let i = 0; i < buf.length; i++) buf[i] = 2 * buf[i]!;
  },
  broadcast: () => {},
  abort: (code: number): never => {
    throw new Error(`abort ${code}`);
  },
  finalize: () => {},
};
registerCommunicator('twin', () => twin, () => null);
