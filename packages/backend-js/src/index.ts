import type { Backend } from '@rnn/core';
import { JsBackend } from './js-backend.js';

export { JsBackend } from './js-backend.js';

/** Registry priority: the js backend is the fallback that is always available. */
export const priority = 1;

export function createBackend(): Backend {
  return new JsBackend();
}

// Importing this package registers the backend (STYLE: backends register with a priority and a
// factory; the registry picks the best that loads).
import { hasBackend, registerBackend } from '@rnn/core';
if (!hasBackend('js')) registerBackend('js', createBackend, priority);
