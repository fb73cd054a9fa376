#!/usr/bin/env node
// The WNUT 2017 test table: the seven shared-task systems scored by our conlleval scorer (they
// match the published entity F1, UH-RiTUAL 41.86 … Drexel-CCI 26.30), beside any tagger models
// given, each scored with `rnn evaluate --tagging` on the same test file.
//
//   node tools/wnut/table.mjs [--model wnut.safetensors] [--model crf=a.safetensors --model softmax=b.safetensors]
import { basename } from 'node:path';
import { toolArgs } from '../lib/args.mjs';
import { evaluateModel, markdownTable, pct, scoreSystems } from './lib.mjs';

const args = toolArgs('node tools/wnut/table.mjs [--model [NAME=]M.safetensors]...', { model: { type: 'string', multiple: true, default: [] } });
const ours = args.values.model.map((m) => {
  const [name, path] = m.includes('=') ? m.split(/=(.*)/s) : [basename(m, '.safetensors'), m];
  return { name, ...evaluateModel(path), ours: true, note: path };
});
const systems = scoreSystems();
const { table, median } = markdownTable(systems, ours);
process.stdout.write(`${table}\n\nmedian of the seven 2017 systems: ${pct(median)}; winner: ${systems[0].name} ${pct(systems[0].f1)}\n`);
