/** The model-config extensions for sequence labelling: `conv1d` and `tagger` layers. */
import { describe, expect, it } from 'vitest';
import { ConfigError, FormatError, expectedTensors, parseModelConfig, readModelFile, serializeSafetensors } from '../src/index.js';

const tagger = {
  type: 'tagger',
  name: 'tagger',
  numWords: 10,
  wordDim: 4,
  chars: { numChars: 6, embeddingDim: 3, filters: 5, kernelSize: 3 },
  hiddenSize: 2,
  numTags: 3,
};

describe('conv1d and tagger layer configs', () => {
  it('conv1d: defaults, PyTorch Conv1d tensors, width into the next layer', () => {
    const c = parseModelConfig({ inputSize: 2, layers: [{ type: 'conv1d', name: 'conv', outChannels: 4, kernelSize: 3 }, { type: 'dense', name: 'fc', units: 1 }] }, 'x');
    expect(c.layers[0]).toEqual({ type: 'conv1d', name: 'conv', outChannels: 4, kernelSize: 3, padding: 0, activation: 'linear' });
    expect(expectedTensors(c).map((t) => [t.name, t.shape])).toEqual([
      ['conv.weight', [4, 2, 3]],
      ['conv.bias', [4]],
      ['fc.weight', [1, 4]],
      ['fc.bias', [1]],
    ]);
    expect(() => parseModelConfig({ inputSize: 2, layers: [{ type: 'conv1d', name: 'c', outChannels: 4, kernelSize: 3, stride: 2 }] }, 'x')).toThrow(/unknown key "stride"/);
  });

  it('tagger: defaults and every tensor with its shape', () => {
    const c = parseModelConfig({ layers: [tagger] }, 'x');
    expect(c.layers[0]).toMatchObject({ numLayers: 1, crf: true, dropout: 0, chars: { maxWordLength: 20 } });
    const names = expectedTensors(c).map((t) => `${t.name} [${t.shape.join(',')}]`);
    expect(names).toEqual([
      'tagger.word_embedding.weight [10,4]',
      'tagger.char_embedding.weight [6,3]',
      'tagger.char_cnn.weight [5,3,3]',
      'tagger.char_cnn.bias [5]',
      'tagger.lstm.weight_ih_l0 [8,9]',
      'tagger.lstm.weight_hh_l0 [8,2]',
      'tagger.lstm.bias_ih_l0 [8]',
      'tagger.lstm.bias_hh_l0 [8]',
      'tagger.lstm.weight_ih_l0_reverse [8,9]',
      'tagger.lstm.weight_hh_l0_reverse [8,2]',
      'tagger.lstm.bias_ih_l0_reverse [8]',
      'tagger.lstm.bias_hh_l0_reverse [8]',
      'tagger.fc.weight [3,4]',
      'tagger.fc.bias [3]',
      'tagger.crf.transitions [3,3]',
      'tagger.crf.start_transitions [3]',
      'tagger.crf.end_transitions [3]',
    ]);
    const plain = parseModelConfig({ layers: [{ ...tagger, chars: null, crf: false }] }, 'x');
    expect(expectedTensors(plain).map((t) => t.name)).not.toContain('tagger.crf.transitions');
    expect(expectedTensors(plain).find((t) => t.name === 'tagger.lstm.weight_ih_l0')!.shape).toEqual([8, 4]);
  });

  it('tagger with word shapes: shape_embedding after the character CNN, its width joins the LSTM input', () => {
    const c = parseModelConfig({ layers: [{ ...tagger, shape: { numShapes: 12, dim: 7 } }] }, 'x');
    expect(c.layers[0]).toMatchObject({ shape: { numShapes: 12, dim: 7 } });
    const names = expectedTensors(c).map((t) => `${t.name} [${t.shape.join(',')}]`);
    expect(names.slice(3, 6)).toEqual(['tagger.char_cnn.bias [5]', 'tagger.shape_embedding.weight [12,7]', 'tagger.lstm.weight_ih_l0 [8,16]']);
    expect(parseModelConfig({ layers: [tagger] }, 'x').layers[0]).toMatchObject({ shape: null });
    expect(() => parseModelConfig({ layers: [{ ...tagger, shape: { numShapes: 12, dim: 0 } }] }, 'm')).toThrow(/layers\[0\]\.shape\.dim: expected a positive integer, found 0/);
    expect(() => parseModelConfig({ layers: [{ ...tagger, shape: { numShapes: 12, dim: 2, kind: 'x' } }] }, 'm')).toThrow(/unknown key "kind"/);
    // a file without the shape vectors its config declares is refused, naming them
    const bytes = serializeSafetensors(new Map(), { 'rnn.format': '1', 'rnn.config': JSON.stringify({ layers: [{ ...tagger, shape: { numShapes: 12, dim: 2 } }] }) });
    expect(() => readModelFile(bytes, 's.safetensors')).toThrow(/tensor "tagger\.shape_embedding\.weight" is missing; layer "tagger" \(tagger\) needs it with shape \[12, 2\]/);
  });

  it('a tagger must be the only layer; bad fields are named', () => {
    expect(() => parseModelConfig({ layers: [tagger, { type: 'dense', name: 'fc', units: 2 }] }, 'm')).toThrow(ConfigError);
    expect(() => parseModelConfig({ layers: [tagger, { type: 'dense', name: 'fc', units: 2 }] }, 'm')).toThrow(
      'm: invalid model config: layers[0]: a tagger layer ("tagger") is a whole model, so it must be the only layer; found 2 layers',
    );
    expect(() => parseModelConfig({ layers: [{ ...tagger, dropout: 1 }] }, 'm')).toThrow('m: invalid model config: layers[0].dropout: expected a number in [0, 1), found 1');
    expect(() => parseModelConfig({ layers: [{ ...tagger, chars: { ...tagger.chars, filters: 0 } }] }, 'm')).toThrow(/layers\[0\]\.chars\.filters: expected a positive integer, found 0/);
  });

  it('a file whose tagger config claims 2**40 layers is refused by count, without listing them', () => {
    const bytes = serializeSafetensors(new Map(), { 'rnn.format': '1', 'rnn.config': JSON.stringify({ layers: [{ ...tagger, numLayers: 2 ** 40 }] }) });
    expect(() => readModelFile(bytes, 'huge.safetensors')).toThrow(FormatError);
    expect(() => readModelFile(bytes, 'huge.safetensors')).toThrow(/huge.safetensors: the config implies \d+ tensors but there are only 0 \(layer "tagger" \(tagger\)/);
  });
});
