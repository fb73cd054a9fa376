import { hasBackend, registerBackend, type Backend } from '@rnn/core';
import { loadAddon } from './addon.js';
import { NativeBackend } from './native-backend.js';

export { NativeBackend } from './native-backend.js';
export type { NativeSeqReserve, NativeTreeReserve } from './fused-args.js';
export { loadAddon, loadAddonFrom, ADDON_VERSION, DEFAULT_ADDON_PATH, type NativeAddon } from './addon.js';

/** Registry priority: above the js backend (1), below cuda (100). */
export const priority = 10;

/** The native backend; throws a BackendError saying what is missing when the addon is not built. */
export function createBackend(): Backend {
  return new NativeBackend(loadAddon());
}

// Importing this package registers the backend; the addon is only loaded when it is picked.
if (!hasBackend('native')) registerBackend('native', createBackend, priority);
