/**
 * `rnn serve`'s inference thread: loads the model once and runs each batch the HTTP thread sends,
 * so a long forward pass never blocks the event loop that answers /health and reads requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ready, setBackend, tensor, tidy } from '@rnn/core';
import { Sequential } from '@rnn/layers';
import type { PredictMessage, WorkerInit, WorkerReply } from './protocol.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const send = (m: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

try {
  await ready();
  setBackend(init.backend);
  const model = await Sequential.load(init.modelPath);
  port.on('message', (m: PredictMessage) => {
    const t0 = performance.now();
    try {
      const out = tidy(() => {
        const x = tensor(m.data, m.shape, m.data instanceof Int32Array ? { dtype: 'int32' } : {});
        const y = model.predict(x, m.lengths ? { lengths: m.lengths } : {});
        const d = y.data();
        return { data: d instanceof Float32Array ? new Float32Array(d) : Float32Array.from(d), shape: [...y.shape] };
      });
      send({ type: 'result', id: m.id, data: out.data, shape: out.shape, seconds: (performance.now() - t0) / 1000 }, [out.data.buffer as ArrayBuffer]);
    } catch (err) {
      const e = err as { message?: string; code?: string };
      send({ type: 'error', id: m.id, message: e.message ?? String(err), code: e.code ?? null });
    }
  });
  send({ type: 'ready', backend: init.backend });
} catch (err) {
  send({ type: 'fatal', message: (err as Error).message ?? String(err) });
}
