import { listBackends, registerBackend } from '@rnn/core';
import { JsBackend } from '@rnn/backend-js';

if (!listBackends().some((b) => b.name === 'js')) registerBackend('js', () => new JsBackend(), 1);
