import { describe, it } from 'vitest';
import { describeBackend } from '@rnn/core/testing';
import { JsBackend } from '@rnn/backend-js';
import { NativeBackend, loadAddon } from '../src/index.js';

// The shared conformance suite from @rnn/core. A missing addon fails 'constructs the backend'
// with the loader's message (what is missing, how to build it), unless RNN_NATIVE_OPTIONAL=1.
let missing: string | null = null;
try {
  loadAddon();
} catch (err) {
  missing = (err as Error).message;
}
if (missing && process.env['RNN_NATIVE_OPTIONAL'] === '1') {
  console.warn(`[backend-native] skipping the conformance suite (RNN_NATIVE_OPTIONAL=1): ${missing}`);
  describe.skip('backend conformance: native', () => it('needs the native addon', () => {}));
} else {
  // JS is the reference: native must agree with it on op chains and the fused kernels
  describeBackend('native', () => new NativeBackend(loadAddon()), { reference: () => new JsBackend() });
}
