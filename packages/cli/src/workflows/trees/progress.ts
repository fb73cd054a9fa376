import { progressReporter, type Callback, type Logs } from '@rnn/layers';
import type { Io } from '../../command.js';

const percent = (logs: Logs, k: string) =>
  logs[k] === undefined ? '' : ` ${k.replace(/^val_/, 'dev ').replace('_', ' ')} ${(100 * logs[k]!).toFixed(1)}%`;

/** The tree epoch line's dev scores: loss, then root and all-node accuracies. */
function devScores(logs: Logs): string {
  const loss = logs['val_loss'] !== undefined ? ` dev loss ${logs['val_loss'].toPrecision(4)}` : '';
  return `${loss}${percent(logs, 'val_fine_root')}${percent(logs, 'val_binary_root')}${percent(logs, 'val_fine_all')}`;
}

/**
 * `rnn train --trees` progress: the one reporter, counting trees (a bar on a terminal, a line per
 * epoch elsewhere); with `--minutes`, its ETA is the time left in the budget.
 */
export function treeProgress(io: Io, o: { json?: boolean; minutes?: number | undefined }): Callback {
  return progressReporter({
    stderr: io.stderr,
    stdout: io.stdout,
    json: o.json,
    verbose: true,
    label: 'trees',
    unit: 'trees',
    countKey: 'trees',
    describe: devScores,
    minutes: o.minutes,
  });
}
