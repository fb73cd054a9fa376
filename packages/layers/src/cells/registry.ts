import { ConfigError, GRUCell, LSTMCell, SimpleCell, type Cell, type CellConfig } from '@rnn/core';
import type { TreeCell } from '../trees/cell.js';
import { BinaryTreeLSTMCell } from '../trees/cells/binary-tree-lstm.js';
import { ChildSumTreeLSTMCell } from '../trees/cells/child-sum-tree-lstm.js';
import { RecursiveCell } from '../trees/cells/recursive.js';
import { RNTNCell } from '../trees/cells/rntn.js';

/**
 * The one cell registry: kind → factory, for sequence cells (`Cell`, run by a recurrent layer)
 * and tree cells (`TreeCell`, run by `TreeNet`). A model file stores a cell's kind and its
 * `config()`; loading asks the registry for the factory, so a custom cell loads by name once the
 * package that registers it has been imported. The built-ins are listed here, not registered by
 * side effect, so they are there whatever was imported first.
 */
export type CellFamily = 'sequence' | 'tree';
export type CellFactory<C> = (config: CellConfig) => C;

const registry = {
  sequence: new Map<string, CellFactory<Cell>>([
    ['rnn', (c) => new SimpleCell(c.hiddenSize, c['nonlinearity'] === 'relu' ? 'relu' : 'tanh')],
    ['lstm', (c) => new LSTMCell(c.hiddenSize)],
    ['gru', (c) => new GRUCell(c.hiddenSize)],
  ]),
  tree: new Map<string, CellFactory<TreeCell>>([
    ['tree-lstm', (c) => new BinaryTreeLSTMCell(c.hiddenSize)],
    ['child-sum', (c) => new ChildSumTreeLSTMCell(c.hiddenSize)],
    ['rnn', (c) => new RecursiveCell(c.hiddenSize)],
    ['rntn', (c) => new RNTNCell(c.hiddenSize)],
  ]),
};

/**
 * Make a cell loadable by its `kind`: `registerCell('elman', (c) => new ElmanCell(c.hiddenSize,
 * c.outputSize!))` for a sequence cell, `registerCell('my-tree', (c) => new MyTreeCell(c.hiddenSize),
 * 'tree')` for a tree cell. The factory gets what the cell's `config()` returned.
 */
export function registerCell(kind: string, factory: CellFactory<Cell>, family?: 'sequence'): void;
export function registerCell(kind: string, factory: CellFactory<TreeCell>, family: 'tree'): void;
export function registerCell(kind: string, factory: CellFactory<Cell> | CellFactory<TreeCell>, family: CellFamily = 'sequence'): void {
  const table = registry[family] as Map<string, unknown>;
  if (table.has(kind)) {
    throw new ConfigError(`registerCell: a ${family} cell named '${kind}' is already registered; give your cell another kind`);
  }
  table.set(kind, factory);
}

/** The registered kinds of one family, built-ins first. */
export function cellKinds(family: CellFamily): string[] {
  return [...registry[family].keys()];
}

export function isRegisteredCell(kind: string, family: CellFamily): boolean {
  return registry[family].has(kind);
}

function factoryOf(kind: string, family: CellFamily, where: string): CellFactory<unknown> {
  const f = registry[family].get(kind);
  if (f) return f;
  const other: CellFamily = family === 'tree' ? 'sequence' : 'tree';
  const hint = registry[other].has(kind)
    ? ` ('${kind}' is a ${other} cell)`
    : `; if it is a custom cell, import the package that defines it (it calls registerCell('${kind}', …)) before loading`;
  throw new ConfigError(`${where}: no ${family} cell '${kind}' is registered${hint}; registered: ${cellKinds(family).join(', ')}`);
}

function build<C>(kind: string, factory: CellFactory<unknown>, config: CellConfig): C {
  if (!(Number.isInteger(config.hiddenSize) && config.hiddenSize >= 1)) {
    throw new ConfigError(`cell '${kind}': hiddenSize must be a positive integer, found ${config.hiddenSize}`);
  }
  return factory(config) as C;
}

/** A sequence cell by kind, built from its config; `where` names the caller in errors. */
export function sequenceCell(kind: string, config: CellConfig, where = 'sequenceCell'): Cell {
  return build(kind, factoryOf(kind, 'sequence', where), config);
}

/** A tree cell by kind: tree-lstm (binary), child-sum, rnn (recursive), rntn, or a registered one. */
export function treeCell(kind: string, config: CellConfig | number, where = 'treeCell'): TreeCell {
  return build(kind, factoryOf(kind, 'tree', where), typeof config === 'number' ? { hiddenSize: config } : config);
}
