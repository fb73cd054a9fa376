import { progressReporter, type Callback } from '@rnn/layers';
import type { Io } from './command.js';

/**
 * `rnn train`'s progress: the one reporter of @rnn/layers on this command's streams — a bar on
 * stderr when it is a terminal, one line per epoch with `verbose`, one JSON object per epoch on
 * stdout with `json`.
 */
export function progressCallback(io: Io, o: { json?: boolean; label?: string; quiet?: boolean; verbose?: boolean } = {}): Callback {
  return progressReporter({ stderr: io.stderr, stdout: io.stdout, ...o });
}
