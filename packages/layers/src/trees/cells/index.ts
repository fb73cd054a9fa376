import { ConfigError } from '@rnn/core';
import type { TreeCell } from '../cell.js';
import { BinaryTreeLSTMCell } from './binary-tree-lstm.js';
import { ChildSumTreeLSTMCell } from './child-sum-tree-lstm.js';
import { RecursiveCell } from './recursive.js';
import { RNTNCell } from './rntn.js';

export { BinaryTreeLSTMCell, ChildSumTreeLSTMCell, RecursiveCell, RNTNCell };

export type TreeCellName = 'tree-lstm' | 'child-sum' | 'rnn' | 'rntn';

const factories = new Map<string, (hiddenSize: number) => TreeCell>([
  ['tree-lstm', (h) => new BinaryTreeLSTMCell(h)],
  ['child-sum', (h) => new ChildSumTreeLSTMCell(h)],
  ['rnn', (h) => new RecursiveCell(h)],
  ['rntn', (h) => new RNTNCell(h)],
]);

/** Make a custom cell loadable from a tree-model file by its `kind`. */
export function registerTreeCell(kind: string, factory: (hiddenSize: number) => TreeCell): void {
  if (factories.has(kind)) throw new ConfigError(`registerTreeCell: a tree cell named '${kind}' is already registered`);
  factories.set(kind, factory);
}

export function treeCellKinds(): string[] {
  return [...factories.keys()];
}

/** A tree cell by name: tree-lstm (binary), child-sum, rnn, rntn, or a registered one. */
export function treeCell(kind: string, hiddenSize: number): TreeCell {
  const f = factories.get(kind);
  if (!f) throw new ConfigError(`unknown tree cell '${kind}'; expected one of ${treeCellKinds().join(', ')} (or registerTreeCell() yours)`);
  if (!(Number.isInteger(hiddenSize) && hiddenSize >= 1)) {
    throw new ConfigError(`tree cell '${kind}': hiddenSize must be a positive integer, found ${hiddenSize}`);
  }
  return f(hiddenSize);
}
