import { ConfigError } from '@rnn/core';
import { action, withCommon } from '../command.js';
import { flag } from '../flags.js';
import { exportFile } from '../onnx/file.js';
import { ONNX_OPSET } from '../onnx/export.js';
import { modelIn } from '../workflows/flags.js';
import { unwritable } from '../workflows/outputs.js';
import { plainCommand } from './workflow-command.js';

export const exportCommand = plainCommand('export', `write a model file as ONNX (opset ${ONNX_OPSET}) for onnxruntime and other runtimes`, action({
  flags: withCommon({
    model: modelIn('the model file (a sequence model rnn predict runs)'),
    onnx: flag.string('where to write the ONNX model', { value: 'M.onnx', required: true }),
    'sequence-lens': flag.boolean('add an int32 input sequence_lens [batch] (valid steps per row) to the ONNX model'),
  }),
  examples: ['rnn export --model model.safetensors --onnx model.onnx', 'rnn export --model model.safetensors --onnx model.onnx --sequence-lens'],
  computes: true,
  async run(v, io) {
    const why = unwritable(v.onnx);
    if (why) throw new ConfigError(`--onnx ${v.onnx}: ${why.replace('model.safetensors', 'model.onnx')}; choose a path that can be written`);
    const { bytes, model } = exportFile(v.model, v.onnx, { sequenceLens: v['sequence-lens'] === true });
    const input = model.config().inputSize !== undefined ? `x float32 [batch, time, ${model.config().inputSize}]` : 'x int64 token ids [batch, time]';
    io.stderr.write(`wrote ${v.onnx} (${bytes} bytes, opset ${ONNX_OPSET}): input ${input}${v['sequence-lens'] ? ' and sequence_lens int32 [batch]' : ''}, output y\n`);
  },
}));
