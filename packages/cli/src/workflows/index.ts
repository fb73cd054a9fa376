import { arrays } from './arrays/index.js';
import { classify } from './classify/index.js';
import { pairs } from './pairs/index.js';
import { text } from './text/index.js';
import { tagging } from './tagging/index.js';
import { timeseries } from './timeseries/index.js';
import { trees } from './trees/index.js';
import type { Workflow } from './workflow.js';

/** Every workflow, in the order `--help` lists them. A new one: its folder, plus one line here. */
export const WORKFLOWS: Workflow[] = [
  arrays,
  timeseries,
  text,
  classify,
  pairs,
  tagging,
  trees,
];
