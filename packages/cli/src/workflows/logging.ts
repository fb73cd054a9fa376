import { ConfigError } from '@rnn/core';
import { csvLogger, reduceLROnPlateau, tensorBoard, type Callback } from '@rnn/layers';
import type { Io } from '../command.js';
import { UsageError, flag } from '../flags.js';

/**
 * Flags every `rnn train` workflow takes for its logs and its learning rate on a plateau, and the
 * callbacks they ask for: a workflow spreads `...LOG_FLAGS` into its flags and adds
 * `...trainLogs(v, io).callbacks` after its progress callback.
 */
export const LOG_FLAGS = {
  log: flag.string('write one CSV row per epoch here as it ends: epoch, loss, val_loss, metrics, lr, seconds (appended to with --resume)', {
    value: 'RUN.csv',
  }),
  tensorboard: flag.string('write TensorBoard event files (the epoch scalars) under DIR/train and DIR/validation: tensorboard --logdir DIR', {
    value: 'DIR',
  }),
  'reduce-lr-on-plateau': flag.int(
    'multiply the learning rate by --reduce-lr-factor after N epochs without a better validation loss (training loss without a validation part)',
    { value: 'N', check: 'positive' },
  ),
  'reduce-lr-factor': flag.number('with --reduce-lr-on-plateau: the factor, in (0, 1) (default 0.1)', { value: 'F', check: 'positive' }),
  'min-lr': flag.number('with --reduce-lr-on-plateau: the learning rate never drops below this (default 0)', { value: 'F', check: 'non-negative' }),
};

export interface LogFlagValues {
  log?: string | undefined;
  tensorboard?: string | undefined;
  'reduce-lr-on-plateau'?: number | undefined;
  'reduce-lr-factor'?: number | undefined;
  'min-lr'?: number | undefined;
  /** A resumed run appends to its --log and carries on the plateau count where it stopped. */
  resume?: string | undefined;
}

export interface TrainLogs {
  callbacks: Callback[];
  /** The plateau count to keep in a checkpoint (`fitResumable`'s `extra`), when there is one. */
  extra?: { save(): string; restore(saved: string): void };
}

/**
 * `monitor` (with `mode`): what --reduce-lr-on-plateau watches, when a workflow's validation score
 * is not `val_loss` (the tagger's dev F1); default: `val_loss`, or the training loss without one.
 */
export function trainLogs(v: LogFlagValues, io: Io, watch: { monitor?: string; mode?: 'min' | 'max' } = {}): TrainLogs {
  const callbacks: Callback[] = [];
  if (v.log !== undefined) callbacks.push(csvLogger(v.log, { what: '--log', append: v.resume !== undefined }));
  if (v.tensorboard !== undefined) callbacks.push(tensorBoard(v.tensorboard, { what: '--tensorboard' }));
  const patience = v['reduce-lr-on-plateau'];
  if (patience === undefined) {
    const stray = (['reduce-lr-factor', 'min-lr'] as const).find((k) => v[k] !== undefined);
    if (stray) throw new UsageError(`rnn train: --${stray} needs --reduce-lr-on-plateau N (the epochs without improvement before the rate drops)`);
    return { callbacks };
  }
  const factor = v['reduce-lr-factor'] ?? 0.1;
  if (!(factor < 1)) throw new ConfigError(`--reduce-lr-factor must be in (0, 1) (the learning rate is multiplied by it), found ${factor}`);
  const plateau = reduceLROnPlateau({
    ...watch,
    patience,
    factor,
    minLr: v['min-lr'] ?? 0,
    onReduce: ({ epoch, from, to, monitor }) =>
      io.stderr.write(`rnn: epoch ${epoch + 1}: ${monitor} has not improved for ${patience} epoch${patience === 1 ? '' : 's'}; learning rate ${from.toPrecision(3)} -> ${to.toPrecision(3)}\n`),
  });
  callbacks.push(plateau);
  return {
    callbacks,
    extra: {
      // the best value starts at ±Infinity, which JSON cannot hold: kept as text
      save: () => JSON.stringify({ ...plateau.getState(), best: String(plateau.getState().best) }),
      restore: (saved) => {
        const s = JSON.parse(saved) as { best: string; wait: number; cooldown: number };
        plateau.setState({ ...s, best: Number(s.best) });
      },
    },
  };
}
