import type { Flags, Parsed } from '../args.js';
import type { Io } from '../command.js';

/**
 * `rnn train` has one mode per kind of data: arrays (the contract), `--csv` time series,
 * `--text` character models, `--sequences` classification, `--trees` tree nets. A mode is chosen
 * by its trigger flag; each lives in its own file under workflows/ and adds its flags here.
 */
export interface TrainMode {
  name: string;
  /** The flag whose presence selects this mode (e.g. 'csv'). */
  trigger: string;
  flags: Flags;
  examples: string[];
  run(values: Parsed, io: Io): Promise<void>;
}

export const TRAIN_MODES: TrainMode[] = [];

export function registerTrainMode(m: TrainMode): void {
  if (!TRAIN_MODES.some((x) => x.name === m.name)) TRAIN_MODES.push(m);
}
