// A tiny training page: an LSTM learns the next value of a sine on the js backend, in the browser,
// then round-trips the model through bytes. It reports into #result (data-done="1" when finished).
import { getBackend } from '@rnn/core';
import { PlatformError, Sequential, dense, lstm, sequential } from '@rnn/layers';

const out = document.getElementById('result');

async function main() {
  const x = [];
  const y = [];
  for (let i = 0; i < 32; i++) {
    const w = [];
    for (let t = 0; t < 6; t++) w.push([Math.sin((i + t) * 0.4)]);
    x.push(w);
    y.push([Math.sin((i + 6) * 0.4)]);
  }
  const model = sequential([lstm({ units: 8 }), dense({ units: 1 })]);
  model.compile({ optimizer: { type: 'adam', lr: 0.02 }, loss: 'mse' });
  const history = await model.fit(x, y, { epochs: 12, batchSize: 8, seed: 1 });
  const bytes = model.toBytes();
  const again = Sequential.fromBytes(bytes);
  const a = model.predict(x).data();
  const b = again.predict(x).data();
  let saveError = null;
  try {
    await model.save('model.safetensors');
  } catch (err) {
    saveError = { platformError: err instanceof PlatformError, code: err.code, message: err.message };
  }
  out.textContent = JSON.stringify({
    backend: getBackend().name,
    losses: history.epochs.map((e) => e.loss),
    bytes: bytes.length,
    sameAfterBytes: a.length === b.length && a.every((v, i) => v === b[i]),
    saveError,
    hasProcess: typeof process !== 'undefined',
  });
}

main()
  .catch((err) => {
    out.textContent = JSON.stringify({ error: String(err && err.stack ? err.stack : err) });
  })
  .finally(() => {
    out.dataset.done = '1';
  });
