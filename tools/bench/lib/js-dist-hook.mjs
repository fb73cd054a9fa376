// `node --import ./tools/bench/lib/js-dist-hook.mjs ...` with RNN_JS_DIST=DIR: every import of
// @rnn/backend-js (the one @rnn/layers and core's ready() make included) loads DIR/index.js instead,
// so one worker script can time another build of the pure TypeScript backend (tools/bench/js-ab.mjs).
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

const dir = process.env.RNN_JS_DIST;
if (!dir) throw new Error('js-dist-hook: set RNN_JS_DIST to the dist folder of the backend-js build to load');
register('./js-dist-resolve.mjs', import.meta.url, { data: { url: pathToFileURL(`${dir}/index.js`).href } });
