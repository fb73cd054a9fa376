import { gru, lstm, simpleRNN } from '@rnn/layers';

/** The sequence cells `--cell` picks from (tree nets take tree cells: see trees/train.ts). */
export const CELLS = ['lstm', 'gru', 'rnn'] as const;
export type CellName = (typeof CELLS)[number];

/** The recurrent layer of a cell name, named after it. */
export function recurrent(cell: CellName, o: { hiddenSize: number; numLayers: number; returnSequences?: boolean }): ReturnType<typeof lstm> {
  const make = cell === 'gru' ? gru : cell === 'rnn' ? simpleRNN : lstm;
  return make({ name: cell, ...o });
}
