import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { writeFileAtomic } from '../model/files.js';
import { setFileAccess } from './files.js';

// Node's file system for the library's file calls (`model.save(path)`, `Sequential.load(path)`,
// `readTrees(path)`…). Imported only by the Node entry, so a browser bundle never sees node:*.
setFileAccess({
  readFile: (path) => readFileSync(path),
  writeFile: writeFileAtomic,
  gunzip: (bytes, maxOutputLength) => gunzipSync(bytes, { maxOutputLength }),
});
