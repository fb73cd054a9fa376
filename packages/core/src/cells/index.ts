import type { FusedCell } from '../backend.js';
import type { Cell } from './cell.js';
import { GRUCell } from './gru.js';
import { LSTMCell } from './lstm.js';
import { SimpleCell } from './simple.js';

export * from './cell.js';
export { SimpleCell } from './simple.js';
export { LSTMCell } from './lstm.js';
export { GRUCell } from './gru.js';
export { scan, type ScanResult } from './scan.js';
export { PytorchLayoutCell, pytorchParameters } from './pytorch-layout.js';

/** The built-in cell whose fused kernel is `kernel` (what the conformance suite compares it with). */
export function cellForKernel(kernel: FusedCell, hiddenSize: number): Cell {
  switch (kernel) {
    case 'rnn_tanh':
      return new SimpleCell(hiddenSize, 'tanh');
    case 'rnn_relu':
      return new SimpleCell(hiddenSize, 'relu');
    case 'lstm':
      return new LSTMCell(hiddenSize);
    case 'gru':
      return new GRUCell(hiddenSize);
  }
}
export { traceOnHost, type HostTrace, type HostTraceArgs } from './trace.js';
