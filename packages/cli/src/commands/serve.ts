import { ValueError, getBackend } from '@rnn/core';
import { action, withCommon } from '../command.js';
import { flag } from '../flags.js';
import { loadModel } from '../model-io.js';
import { Engine } from '../serve/engine.js';
import { startServer } from '../serve/http.js';
import { modelIn } from '../workflows/flags.js';
import { plainCommand } from './workflow-command.js';

export const serveCommand = plainCommand('serve', 'answer predictions over HTTP (POST /predict, GET /health, GET /metrics), with micro-batching', action({
  flags: withCommon({
    model: modelIn('the model file (a sequence model rnn predict runs)'),
    host: flag.string('the address to listen on (loopback unless you say otherwise)', { value: 'HOST', default: '127.0.0.1' }),
    port: flag.int('the port (0: any free port; the one chosen is printed)', { value: 'N', default: 8080, check: 'non-negative' }),
    'max-batch': flag.int('rows per forward pass at most when merging concurrent requests (1: no micro-batching)', { value: 'N', default: 64, check: 'positive' }),
    'max-delay-ms': flag.number('how long a request may wait for others to share its forward pass (0: none; requests that arrive while one computes still share the next)', { value: 'MS', default: 0, check: 'non-negative' }),
    'max-queue': flag.int('requests that may wait at once; more get 503', { value: 'N', default: 1024, check: 'positive' }),
    'max-body': flag.int('largest request body in bytes; larger gets 413', { value: 'BYTES', default: 1048576, check: 'positive' }),
    'request-timeout-ms': flag.int('time a client has to send its whole request; slower gets 408', { value: 'MS', default: 10000, check: 'positive' }),
    'timeout-ms': flag.int('time a received request may take (queue and forward pass); longer gets 503', { value: 'MS', default: 30000, check: 'positive' }),
    'grace-ms': flag.int('on SIGTERM/SIGINT, how long to wait for requests in flight before closing', { value: 'MS', default: 30000, check: 'positive' }),
  }),
  examples: ['rnn serve --model model.safetensors', 'rnn serve --model model.safetensors --port 0 --max-batch 32 --max-delay-ms 5'],
  computes: true,
  async run(v, io) {
    if (v.port > 65535) throw new ValueError(`--port must be at most 65535, found ${v.port}`);
    // loaded here too: requests are checked on this thread, with rnn predict's messages
    const model = await loadModel(v.model);
    const engine = await Engine.start({ modelPath: v.model, backend: getBackend().name });
    let serving;
    try {
      serving = await startServer(model, engine, {
        host: v.host,
        port: v.port,
        maxBatch: v['max-batch'],
        maxDelayMs: v['max-delay-ms'],
        maxQueue: v['max-queue'],
        maxBody: v['max-body'],
        requestTimeoutMs: v['request-timeout-ms'],
        timeoutMs: v['timeout-ms'],
      });
    } catch (err) {
      await engine.stop();
      const e = err as { code?: string; message: string };
      if (e.code === 'EADDRINUSE') throw new ValueError(`--port ${v.port}: the address ${v.host}:${v.port} is in use; pick another port (0: any free one)`);
      if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') throw new ValueError(`--host ${v.host}: not an address of this machine`);
      throw err;
    }
    io.stdout.write(`listening ${serving.url}\n`);
    const s = serving;
    await new Promise<void>((resolve) => {
      const stop = (sig: string) => {
        io.stderr.write(`rnn: serve: ${sig}: finishing requests in flight, then stopping\n`);
        void s.stop(v['grace-ms']).then(resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    io.stderr.write('rnn: serve: stopped\n');
  },
}));
