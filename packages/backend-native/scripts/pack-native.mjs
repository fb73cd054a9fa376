#!/usr/bin/env node
// prepack/postpack: a published @rnn/backend-native must carry the C++ sources, so `npm pack`
// copies the monorepo's native/ (without build output) into the package, and postpack removes
// the copy again. CMakeLists.txt builds from ./native when it exists, else from ../../native.
//
//   node scripts/pack-native.mjs copy | clean
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
const copy = join(pkgDir, 'native');
const source = join(pkgDir, '..', '..', 'native');
const cmd = process.argv[2];

if (cmd === 'copy') {
  if (!existsSync(join(source, 'CMakeLists.txt'))) {
    console.error(`rnn: cannot pack: ${source} has no CMakeLists.txt`);
    process.exit(1);
  }
  rmSync(copy, { recursive: true, force: true });
  cpSync(source, copy, {
    recursive: true,
    filter: (src) => !/[\\/](build|\.cache)([\\/]|$)/.test(src.slice(source.length)),
  });
  // stderr: stdout belongs to `npm pack --json` / `npm publish --json`, whose callers parse it.
  console.error(`rnn: copied ${source} into the package for publishing`);
} else if (cmd === 'clean') {
  rmSync(copy, { recursive: true, force: true });
} else {
  console.error('usage: pack-native.mjs copy|clean');
  process.exit(2);
}
