import type { Action } from '../command.js';

/** The commands a workflow can implement; `rnn <verb>` dispatches to the workflow's action. */
export const VERBS = ['train', 'predict', 'evaluate', 'forecast', 'generate', 'explain'] as const;
export type Verb = (typeof VERBS)[number];

/**
 * One kind of data the CLI trains on and runs: arrays (the contract's array mode), `--csv` time
 * series, `--text`, `--sequences` classification, `--trees`. Each lives in its own folder under
 * workflows/ whose index.ts exports one of these, listed once in workflows/index.ts.
 *
 * A command line picks a workflow by its trigger flag (`rnn train --csv FILE …`); the array mode
 * has none and is what a command runs when no trigger is given. Each command the workflow
 * implements has its own flags (a zod schema), and only those are parsed: a flag of another
 * workflow is refused by name.
 */
export interface Workflow {
  /** One word, used in messages: `timeseries`. */
  name: string;
  /** The flag that picks this workflow (`csv` for `--csv FILE`); none for the array mode. */
  trigger?: string;
  /** One line for `rnn <command> --help`'s list of workflows. */
  summary: string;
  train: Action;
  predict?: Action;
  evaluate?: Action;
  forecast?: Action;
  generate?: Action;
  /** `rnn explain`: attributions, gate traces and pictures (workflows/explain/). */
  explain?: Action;
}
