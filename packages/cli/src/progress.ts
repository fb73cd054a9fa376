import { progressReporter, type Callback } from '@rnn/layers';
import type { Io } from './command.js';

/**
 * `rnn train`'s progress: the one reporter of @rnn/layers on this command's streams — a bar on
 * stderr when it is a terminal, else one line per epoch on stderr as each epoch ends (so a pipe
 * or a log file follows the run), and one JSON object per epoch on stdout with `json`. With a
 * time budget (`minutes`) the ETA is the time left in it, and elapsed/budget is shown.
 */
export function progressCallback(io: Io, o: { json?: boolean; label?: string; quiet?: boolean; minutes?: number | undefined } = {}): Callback {
  return progressReporter({ stderr: io.stderr, stdout: io.stdout, json: o.json, label: o.label, quiet: o.quiet, minutes: o.minutes, verbose: true });
}
