#!/usr/bin/env node
// The victim of the kill-9 loop: saves two different models to one path, alternately, until it is
// killed. Uses the built packages (dist), as a user's program would.
//   node tools/kill/writer.mjs <path> [--refs DIR]
// --refs DIR: write the two models' bytes to DIR/A.safetensors and DIR/B.safetensors and exit.
// Prints "ready" once the models are built, waits for a line on stdin (so that the loop can start
// the next writer while this one runs), then prints "s" after every completed save.
import { writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { dense, lstm, sequential } from '@rnn/layers';
import { toolArgs } from '../lib/args.mjs';

const args = toolArgs('node tools/kill/writer.mjs <path> [--refs DIR]', { refs: { type: 'string' } }, { positionals: true });
// ~1 MB of weights, so that a random kill lands inside serialising or writing often enough
const make = (seed) => sequential([lstm({ units: 160, name: 'lstm' }), dense({ units: 4, name: 'fc' })]).build({ inputSize: 64, seed });
const models = [make(1), make(2)];

const refs = args.values.refs;
if (refs !== undefined) {
  writeFileSync(join(refs, 'A.safetensors'), models[0].toBytes());
  writeFileSync(join(refs, 'B.safetensors'), models[1].toBytes());
  process.exit(0);
}
const path = args.positionals[0];
if (path === undefined) args.fail('the path to save to is missing');
writeSync(1, 'ready\n');
// the line names the model to save first, A or B; then they alternate
const first = String(await new Promise((resolve) => process.stdin.once('data', resolve))).trim();
for (let i = first === 'B' ? 1 : 0; ; i++) {
  await models[i % 2].save(path);
  writeSync(1, 's\n');
}
