export { BinaryTreeLSTMCell } from './binary-tree-lstm.js';
export { ChildSumTreeLSTMCell } from './child-sum-tree-lstm.js';
export { RecursiveCell } from './recursive.js';
export { RNTNCell } from './rntn.js';

/** The built-in tree cells' kinds (the registry, `cells/registry.ts`, knows custom ones too). */
export type TreeCellName = 'tree-lstm' | 'child-sum' | 'rnn' | 'rntn';
