import { describeBackend } from '@rnn/core/testing';
import { JsBackend } from '../src/index.js';

describeBackend('js', () => new JsBackend());
