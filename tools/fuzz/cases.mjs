/**
 * Fuzz cases for every reader of untrusted input, shared by the CI tests (a few thousand inputs,
 * fixed seed) and `tools/fuzz/run.mjs` (100k+ inputs per reader against the built packages).
 *
 * The library under test is passed in (`makeTargets(lib)`), so the same generators run on the
 * TypeScript sources under Vitest and on `dist/` under plain Node. Each target says which error
 * classes count as a refusal; anything else thrown — a TypeError, a RangeError from a stack
 * overflow, a plain Error — is a violation, and so are a case slower than `maxMs` and an
 * `arrayBuffers` jump over `maxJumpBytes` (an allocation sized from a header instead of the file).
 *
 * Generators are structured: they build a well-formed file and then, with some probability, apply
 * one or more targeted corruptions (header-length bombs, dtype/shape/byte-count mismatches,
 * overlapping offsets, duplicate keys, invalid UTF-8, 10^5-deep nesting, ...). A case with no
 * corruption must load, with exactly the values written; any other case must load or be refused.
 */
import fc from 'fast-check';

export const FUZZ_SEED = 20261129;

const enc = new TextEncoder();
const DEEP = 100_000;

/** `arb` with probability 1/(1 + weight), otherwise null. */
const rarely = (arb, weight = 5) => fc.oneof({ weight, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

const concatBytes = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

const bytesEqual = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

/** A problem found by the fuzzer (as opposed to a refusal by the reader, which is fine). */
export class Violation extends Error {
  constructor(message) {
    super(message);
    this.name = 'Violation';
  }
}

function expectThat(cond, message) {
  if (!cond) throw new Violation(message);
}

// ------------------------------------------------------------------------------------------------
// Hostile tokens

/** Number-ish JSON tokens that are not small non-negative integers. */
const BAD_DIM_TOKENS = [
  '2147483648', '4294967296', '9007199254740991', '9007199254740992', '9007199254740993',
  '9223372036854775808', '18446744073709551615', '18446744073709551616', '1e400', '-1', '-0',
  '1.5', '0.0', '1e2', '"3"', 'null', 'true', '[]', '{}', '[2]',
];
const BAD_DTYPE_TOKENS = ['"BF16"', '"F16"', '"U8"', '"BOOL"', '"f32"', '"F32 "', '""', '"C64"', '"F8_E4M3"', '42', 'null', '["F32"]', '"\\u0046\\u0033\\u0032"'];
const BAD_JSON_LEAVES = [
  '"NaN"', 'NaN', 'Infinity', '-Infinity', 'null', 'true', 'false', '{}', '"1"', '1e400', '-1e400',
  '0x10', '01', '.5', '1.', '+1', '--1', '1e', '"\\ud800"', '[]', '[[]]', '"', '\u00a0',
];
const GOOD_JSON_NUMBERS = ['0', '-0', '1', '-2.5e3', '8e-1', '1e-400', '9007199254740993', '1.7976931348623157e308', '5e-324', '123456789012345678901234567890'];
/** Byte sequences that are not valid UTF-8. */
const BAD_UTF8 = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80], [0xfe, 0xfe, 0xff]];

const deepText = fc.constantFrom(
  '['.repeat(DEEP),
  '['.repeat(DEEP) + ']'.repeat(DEEP),
  '{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP),
  '[{"a":'.repeat(DEEP / 2) + '0' + '}]'.repeat(DEEP / 2),
  '{'.repeat(DEEP),
  '"' + '['.repeat(DEEP) + '"',
);

const deepValues = new Map();
/** A JS value nested `DEEP` arrays (or objects) deep, built once, without recursion. */
function deepValue(kind) {
  if (!deepValues.has(kind)) {
    let v = kind === 'object' ? {} : 1;
    for (let i = 0; i < DEEP; i++) v = kind === 'object' ? { a: v } : [v];
    deepValues.set(kind, v);
  }
  return deepValues.get(kind);
}

// ------------------------------------------------------------------------------------------------
// safetensors

const ST_DTYPES = { F32: 4, F64: 8, I32: 4, I64: 8 };

const stTensorSpec = fc.record({
  dtype: fc.constantFrom('F32', 'F64', 'I32', 'I64'),
  shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
});

const stName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('w', 'b', 'lstm.weight_ih_l0', 'fc.bias', 'é', '名前', ' ', 'a"b', 'a\\b', '\u0000') },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }).filter((s) => s !== '__metadata__') },
);

const stMutation = fc.record({
  lengthField: rarely(fc.constantFrom('2^63', '2^64-1', '2^53+1', '2^53', 'file', 'file-7', '0', '1', '+1', '-1', 'limit+1')),
  dtype: rarely(fc.tuple(fc.nat(), fc.constantFrom(...BAD_DTYPE_TOKENS))),
  shape: rarely(fc.tuple(fc.nat(), fc.array(fc.oneof(fc.integer({ min: 0, max: 9 }).map(String), fc.constantFrom(...BAD_DIM_TOKENS)), { maxLength: 3 }))),
  offsets: rarely(
    fc.tuple(fc.nat(), fc.constantFrom('overlap', 'gap', 'past-end', 'reversed', 'three', 'one', 'huge', 'negative', 'float', 'string', 'null', 'shift')),
  ),
  duplicate: rarely(fc.tuple(fc.nat(), fc.boolean())),
  extraKey: rarely(fc.nat()),
  metadata: rarely(
    fc.constantFrom('null', '"x"', '[]', '{"a":1}', '{"a":{"b":"c"}}', '{"a":"1","a":"2"}', '{"a":null}', '{"\\ud800":"x"}', '1'),
  ),
  headerNoise: rarely(fc.tuple(fc.nat(), fc.constantFrom(...BAD_UTF8, [0xef, 0xbb, 0xbf], [0x00]))),
  trailing: rarely(fc.constantFrom(' x', '}', ',', ' {}', '\u0000')),
  data: rarely(fc.tuple(fc.constantFrom('cut', 'append'), fc.integer({ min: 1, max: 9 }))),
});

const safetensorsSpec = fc.record({
  names: fc.uniqueArray(stName, { maxLength: 4 }),
  specs: fc.array(stTensorSpec, { minLength: 4, maxLength: 4 }),
  metadata: fc.dictionary(fc.constantFrom('rnn.format', 'k', 'é', ''), fc.string({ maxLength: 6 }), { maxKeys: 2 }),
  seed: fc.nat(),
  m: stMutation,
});

/** Builds a safetensors file from a spec; `expected` is set when no corruption was applied. */
export function buildSafetensors({ names, specs, metadata, seed, m }) {
  let rnd = seed >>> 0;
  const nextByte = () => ((rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
  const entries = [];
  let offset = 0;
  names.forEach((name, i) => {
    const { dtype, shape } = specs[i];
    const size = shape.reduce((a, b) => a * b, 1) * ST_DTYPES[dtype];
    const data = Uint8Array.from({ length: size }, nextByte);
    entries.push({ name, dtype: `"${dtype}"`, shape: `[${shape.join(',')}]`, begin: offset, end: offset + size, data, rawDtype: dtype, rawShape: shape });
    offset += size;
  });
  const dataLen = offset;
  const clean = Object.values(m).every((v) => v === null);
  const pick = (k) => (entries.length ? entries[k % entries.length] : null);
  if (m.dtype) {
    const e = pick(m.dtype[0]);
    if (e) e.dtype = m.dtype[1];
  }
  if (m.shape) {
    const e = pick(m.shape[0]);
    if (e) e.shape = `[${m.shape[1].join(',')}]`;
  }
  const offsetText = (e) => `[${e.begin},${e.end}]`;
  const offsetsOverride = new Map();
  if (m.offsets) {
    const e = pick(m.offsets[0]);
    if (e) {
      const { begin: b, end: en } = e;
      const t = {
        overlap: `[${Math.max(0, b - 4)},${Math.max(0, en - 4)}]`,
        gap: `[${b + 4},${en + 4}]`,
        'past-end': `[${b},${dataLen + 8}]`,
        reversed: `[${en},${b}]`,
        three: `[${b},${en},${en}]`,
        one: `[${b}]`,
        huge: `[${b},9007199254740993]`,
        negative: `[-8,${en}]`,
        float: `[${b}.5,${en}]`,
        string: `["${b}",${en}]`,
        null: 'null',
        shift: `[${b + 1},${en + 1}]`,
      }[m.offsets[1]];
      offsetsOverride.set(e, t);
    }
  }
  const parts = [];
  if (Object.keys(metadata).length > 0 || m.metadata) {
    parts.push(`"__metadata__":${m.metadata ?? JSON.stringify(metadata)}`);
  }
  entries.forEach((e, i) => {
    const extra = m.extraKey !== null && m.extraKey % Math.max(1, entries.length) === i ? ',"extra":1' : '';
    const text = `${JSON.stringify(e.name)}:{"dtype":${e.dtype},"shape":${e.shape},"data_offsets":${offsetsOverride.get(e) ?? offsetText(e)}${extra}}`;
    parts.push(text);
    if (m.duplicate && m.duplicate[0] % entries.length === i) parts.push(m.duplicate[1] ? text : `${JSON.stringify(e.name)}:{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
  });
  let header = enc.encode(`{${parts.join(',')}}${m.trailing ?? ''}`);
  if (m.headerNoise) {
    const at = m.headerNoise[0] % (header.length + 1);
    header = concatBytes(header.subarray(0, at), Uint8Array.from(m.headerNoise[1]), header.subarray(at));
  }
  const pad = (8 - (header.length % 8)) % 8;
  header = concatBytes(header, new Uint8Array(pad).fill(0x20));
  let data = concatBytes(...entries.map((e) => e.data));
  if (m.data) data = m.data[0] === 'cut' ? data.subarray(0, Math.max(0, data.length - m.data[1])) : concatBytes(data, new Uint8Array(m.data[1]));
  const file = new Uint8Array(8 + header.length + data.length);
  file.set(header, 8);
  file.set(data, 8 + header.length);
  const n = BigInt(header.length);
  const len = {
    '2^63': 2n ** 63n,
    '2^64-1': 2n ** 64n - 1n,
    '2^53+1': 2n ** 53n + 1n,
    '2^53': 2n ** 53n,
    file: BigInt(file.length),
    'file-7': BigInt(file.length - 7),
    0: 0n,
    1: 1n,
    '+1': n + 1n,
    '-1': n === 0n ? 0n : n - 1n,
    'limit+1': 100_000_001n,
  }[m.lengthField] ?? n;
  new DataView(file.buffer).setBigUint64(0, len, true);
  return {
    bytes: file,
    expected: clean ? { metadata, tensors: entries.map((e) => ({ name: e.name, dtype: e.rawDtype, shape: e.rawShape, bytes: e.data })) } : null,
  };
}

/** Raw byte surgery on any file: overwrite, insert, delete, duplicate, truncate. */
const byteSurgery = (file) =>
  fc
    .array(
      fc.oneof(
        fc.tuple(fc.constant('set'), fc.nat(), fc.nat({ max: 255 })),
        fc.tuple(fc.constant('insert'), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 })),
        fc.tuple(fc.constant('delete'), fc.nat(), fc.integer({ min: 1, max: 32 })),
        fc.tuple(fc.constant('dup'), fc.nat(), fc.integer({ min: 1, max: 64 })),
        fc.tuple(fc.constant('cut'), fc.nat()),
      ),
      { minLength: 1, maxLength: 5 },
    )
    .map((ops) => {
      let out = Uint8Array.from(file);
      for (const op of ops) {
        const at = op[1] % (out.length + 1);
        if (op[0] === 'set' && out.length) out[at % out.length] = op[2];
        else if (op[0] === 'insert') out = concatBytes(out.subarray(0, at), op[2], out.subarray(at));
        else if (op[0] === 'delete') out = concatBytes(out.subarray(0, at), out.subarray(at + op[2]));
        else if (op[0] === 'dup') out = concatBytes(out.subarray(0, at + op[2]), out.subarray(at));
        else if (op[0] === 'cut') out = out.subarray(0, at);
      }
      return out;
    });

function stDeepFile(text) {
  const h = enc.encode(text);
  const out = new Uint8Array(8 + h.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}

const safetensorsDeep = fc
  .tuple(deepText, fc.constantFrom('plain', 'metadata', 'shape', 'entry'))
  .map(([d, where]) => ({
    bytes: stDeepFile(
      where === 'plain' ? d : where === 'metadata' ? `{"__metadata__":${d}}` : where === 'shape' ? `{"t":{"dtype":"F32","shape":${d},"data_offsets":[0,0]}}` : `{"t":${d}}`,
    ),
    expected: null,
  }));

/** Thousands of tensors, very long names, a header at the size limit: big but legal, or refused. */
const safetensorsWide = fc.constantFrom('many', 'longname', 'longmeta', 'padded').map((kind) => {
  if (kind === 'many') {
    const parts = Array.from({ length: 2000 }, (_, i) => `"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
    return { bytes: stDeepFile(`{${parts.join(',')}}`), expected: null };
  }
  if (kind === 'longname') return { bytes: stDeepFile(`{"${'n'.repeat(1 << 18)}":{"dtype":"I32","shape":[0],"data_offsets":[0,0]}}`), expected: null };
  if (kind === 'longmeta') return { bytes: stDeepFile(`{"__metadata__":{"k":"${'v'.repeat(1 << 18)}"}}`), expected: null };
  return { bytes: stDeepFile(`{}${' '.repeat(1 << 18)}`), expected: null };
});

// ------------------------------------------------------------------------------------------------
// .npy

const npyMutation = fc.record({
  magic: rarely(fc.constantFrom('NUMPY', '\x93NUMPZ', '\x93NUMP', '')),
  version: rarely(fc.constantFrom([0, 0], [1, 1], [4, 0], [255, 255], [2, 1])),
  headerLen: rarely(fc.constantFrom('0', 'max16', 'max32', '+1', '-1', 'file', '10001', '2^31')),
  descr: rarely(
    fc.constantFrom("'<f2'", "'<U8'", "'O'", "'|b1'", "'<c8'", "'<f16'", "'f4 '", "'<F4'", "[('a', '<f4')]", "b'<f4'", '3', 'None', "'<f4", "'<i'", "'\\x00'", "'<f4'*2"),
  ),
  fortran: rarely(fc.constantFrom('True', '1', 'None', "'False'", 'false', 'Flase')),
  shape: rarely(
    fc.constantFrom(
      '(2147483648, 2147483648)', '(4294967296,)', '(9007199254740993,)', '(99999999999999999999999999999,)', '(-1,)',
      '(1.5,)', '(3)', '((1,),)', '(((((1,),),),),)', '(' + '('.repeat(DEEP), '[2, 3]', "('2',)", '(True,)', '(None,)',
      '(,)', '(1,,)', '(1 2)', '(3L, 2L)', '(0, 4294967296, 4294967296)', '()',
    ),
  ),
  keys: rarely(fc.constantFrom('extra', 'dup', 'missing', 'reorder', 'unquoted', 'doublequoted')),
  noise: rarely(fc.tuple(fc.nat(), fc.constantFrom(...BAD_UTF8, [0x0a], [0x00], [0x7b]))),
  data: rarely(fc.tuple(fc.constantFrom('cut', 'append', 'empty'), fc.integer({ min: 1, max: 16 }))),
  trailing: rarely(fc.constantFrom(' x', '}', ',}', ' #')),
});

const npySpec = fc.record({
  version: fc.constantFrom(1, 2, 3),
  order: fc.constantFrom('<', '>', '|', '=', ''),
  kind: fc.constantFrom('f4', 'f8', 'i4', 'i8'),
  fortranTrue: fc.boolean(),
  shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  seed: fc.nat(),
  m: npyMutation,
});

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function buildNpy({ version, order, kind, fortranTrue, shape, seed, m }) {
  let rnd = seed >>> 0;
  const nextByte = () => ((rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
  const width = kind[1] === '4' ? 4 : 8;
  const count = shape.reduce((a, b) => a * b, 1);
  const raw = Uint8Array.from({ length: count * width }, nextByte);
  // fortran_order True is only readable when at most one axis is longer than 1
  const fortran = fortranTrue && shape.filter((d) => d > 1).length <= 1;
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let descr = m.descr ?? `'${order}${kind}'`;
  let fields = [`'descr': ${descr}`, `'fortran_order': ${m.fortran ?? (fortran ? 'True' : 'False')}`, `'shape': ${m.shape ?? tuple}`];
  if (m.keys === 'extra') fields.push("'extra': 1");
  if (m.keys === 'dup') fields.push(fields[0]);
  if (m.keys === 'missing') fields = fields.slice(1);
  if (m.keys === 'reorder') fields.reverse();
  if (m.keys === 'unquoted') fields[0] = fields[0].replace("'descr'", 'descr');
  if (m.keys === 'doublequoted') fields = fields.map((f) => f.replace(/^'([a-z_]+)'/, '"$1"'));
  let dict = `{${fields.join(', ')}, }${m.trailing ?? ''}`;
  const prefix = version === 1 ? 10 : 12;
  dict += ' '.repeat(63 - ((prefix + dict.length) % 64)) + '\n';
  let header = version === 3 ? enc.encode(dict) : Uint8Array.from(dict, (c) => c.charCodeAt(0) & 0xff);
  if (m.noise) {
    const at = m.noise[0] % (header.length + 1);
    header = concatBytes(header.subarray(0, at), Uint8Array.from(m.noise[1]), header.subarray(at));
  }
  let data = raw;
  if (m.data) data = m.data[0] === 'cut' ? raw.subarray(0, Math.max(0, raw.length - m.data[1])) : m.data[0] === 'empty' ? new Uint8Array(0) : concatBytes(raw, new Uint8Array(m.data[1]));
  const magic = m.magic === null ? Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59) : Uint8Array.from(m.magic, (c) => c.charCodeAt(0));
  const ver = m.version ?? [version, 0];
  const pre = new Uint8Array(prefix - 6);
  pre[0] = ver[0];
  pre[1] = ver[1];
  const file = concatBytes(magic, pre, header, data);
  const hl = {
    0: 0,
    max16: 0xffff,
    max32: 0xffffffff,
    '+1': header.length + 1,
    '-1': Math.max(0, header.length - 1),
    file: file.length,
    10001: 10001,
    '2^31': 2 ** 31,
  }[m.headerLen] ?? header.length;
  if (file.length >= magic.length + 4) {
    const dv = new DataView(file.buffer, magic.length + 2);
    if (version === 1) dv.setUint16(0, hl & 0xffff, true);
    else if (file.length >= magic.length + 6) dv.setUint32(0, hl >>> 0, true);
  }
  const clean = Object.values(m).every((v) => v === null);
  let expected = null;
  if (clean) {
    const little = order === '<' || (order !== '>' && HOST_LE);
    const swapped = Uint8Array.from(raw);
    if (!little) for (let i = 0; i < swapped.length; i += width) swapped.subarray(i, i + width).reverse();
    expected = { dtype: { f4: 'float32', f8: 'float64', i4: 'int32', i8: 'int64' }[kind], shape, bytesLE: swapped };
  }
  return { bytes: file, expected };
}

// ------------------------------------------------------------------------------------------------
// JSON arrays

const jsonArraySpec = fc.record({
  shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
  leaves: fc.array(fc.constantFrom(...GOOD_JSON_NUMBERS), { minLength: 1, maxLength: 8 }),
  space: fc.constantFrom('', ' ', '\n  ', '\t'),
  m: fc.record({
    leaf: rarely(fc.tuple(fc.nat(), fc.constantFrom(...BAD_JSON_LEAVES))),
    ragged: rarely(fc.tuple(fc.nat(), fc.constantFrom('drop', 'add', 'wrap'))),
    wrap: rarely(fc.integer({ min: 1, max: 12 })),
    trailing: rarely(fc.constantFrom(',', ']', ' x', '\u0000', '[]', ' 1')),
    bom: rarely(fc.constant('\ufeff')),
    cut: rarely(fc.nat()),
  }),
});

export function buildJsonArray({ shape, leaves, space, m }) {
  // JSON cannot show axes after an empty one, so the expected shape stops at the first 0
  const cutAt = shape.indexOf(0);
  const effective = cutAt >= 0 ? shape.slice(0, cutAt + 1) : shape;
  let k = 0;
  const values = [];
  let node = 0;
  let leafMut = null;
  let raggedMut = null;
  const build = (depth) => {
    const id = node++;
    if (depth === effective.length) {
      let tok = leaves[k++ % leaves.length];
      if (m.leaf && leafMut === null && m.leaf[0] % 7 === id % 7) {
        leafMut = tok = m.leaf[1];
      }
      values.push(Number(tok));
      return tok;
    }
    const items = Array.from({ length: effective[depth] }, () => build(depth + 1));
    if (m.ragged && raggedMut === null && depth < effective.length && m.ragged[0] % 5 === id % 5 && (depth > 0 || effective.length === 1)) {
      raggedMut = m.ragged[1];
      if (m.ragged[1] === 'drop' && items.length) items.pop();
      else if (m.ragged[1] === 'add') items.push(items[0] ?? '0');
      else if (items.length) items[0] = `[${items[0]}]`;
    }
    return `[${space}${items.join(`,${space}`)}${space}]`;
  };
  let text = build(0);
  if (m.wrap) text = '['.repeat(m.wrap) + text + ']'.repeat(m.wrap);
  if (m.trailing) text += m.trailing;
  if (m.bom) text = m.bom + text;
  if (m.cut !== null) text = text.slice(0, m.cut % (text.length + 1));
  // a leading byte-order mark is ignored, so it does not count as damage
  const clean = leafMut === null && raggedMut === null && m.wrap === null && m.trailing === null && m.cut === null;
  return { text, expected: clean ? { shape: effective, values } : null };
}

const jsonArrayText = fc.oneof(
  { weight: 10, arbitrary: jsonArraySpec.map(buildJsonArray) },
  { weight: 1, arbitrary: deepText.map((text) => ({ text, expected: null })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      `[${'0,'.repeat(DEEP)}0]`,
      `[${'[1,2],'.repeat(DEEP / 2)}[1]]`,
      `[[${'1,'.repeat(DEEP / 10)}1],[1]]`,
      `[${'9'.repeat(DEEP)}]`,
      `[0.${'0'.repeat(DEEP)}1]`,
      `["${'x'.repeat(DEEP)}"]`,
      '[1e999999999999]',
      `[${'-'.repeat(50)}1]`,
    ).map((text) => ({ text, expected: null })),
  },
  {
    weight: 3,
    arbitrary: fc.array(fc.constantFrom(...'[]{},:"0123456789.eE-+ nNaIul\\'.split(''), 'true', 'null', 'NaN', '1e400', '\ud800'), { maxLength: 40 }).map((p) => ({ text: p.join(''), expected: null })),
  },
);

// ------------------------------------------------------------------------------------------------
// Model configs (zod) and model files

const layerName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'lstm', 'enc.0', 'fc') },
  { weight: 1, arbitrary: fc.constantFrom('', '.', 'a..b', 'a b', 'é', 'x'.repeat(201), '__proto__', 'constructor', 'a/b') },
);
const intish = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, 2 ** 31, 2 ** 53 + 2, Number.MAX_VALUE, -0, '3', null, true, [3], { n: 3 }) },
);
const configLayer = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom('rnn', 'lstm', 'gru'),
      name: layerName,
      hiddenSize: intish,
      numLayers: intish,
      bidirectional: fc.oneof(fc.boolean(), fc.constantFrom(0, 'true', null)),
      returnSequences: fc.oneof(fc.boolean(), fc.constantFrom(1, 'false')),
      nonlinearity: fc.constantFrom('tanh', 'relu', 'gelu', ''),
    },
    { requiredKeys: ['type', 'name', 'hiddenSize'] },
  ),
  fc.record(
    { type: fc.constant('dense'), name: layerName, units: intish, activation: fc.constantFrom('linear', 'softmax', 'sigmoid', 'gelu', null) },
    { requiredKeys: ['type', 'name', 'units'] },
  ),
  fc.record({ type: fc.constant('embedding'), name: layerName, numEmbeddings: intish, embeddingDim: intish }, { requiredKeys: ['type', 'name'] }),
  fc.record({ type: fc.constantFrom('conv', 'LSTM', '', null, 7), name: layerName }),
);

/** A valid config (by construction) and the tensors it needs, for model-file cases. */
const validModel = fc
  .tuple(
    fc.constantFrom('rnn', 'lstm', 'gru'),
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 3 }),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([type, inputSize, hidden, bidirectional, embed]) => ({
    ...(embed ? {} : { inputSize }),
    layers: [
      ...(embed ? [{ type: 'embedding', name: 'emb', numEmbeddings: 4, embeddingDim: inputSize }] : []),
      { type, name: 'rec', hiddenSize: hidden, bidirectional },
      { type: 'dense', name: 'fc', units: 2 },
    ],
  }));

/** A valid config with, sometimes, one field of one layer replaced by something else. */
const nearlyValidConfig = fc
  .tuple(
    validModel,
    rarely(fc.tuple(fc.nat(), fc.constantFrom('name', 'type', 'hiddenSize', 'numLayers', 'units', 'bidirectional', 'returnSequences', 'nonlinearity', 'activation', 'extra', 'inputSize'), fc.oneof(intish, layerName, fc.jsonValue({ maxDepth: 2 }))), 2),
  )
  .map(([cfg, m]) => {
    if (m === null) return cfg;
    const [i, key, value] = m;
    if (key === 'inputSize') return { ...cfg, inputSize: value };
    const layers = cfg.layers.map((l) => ({ ...l }));
    layers[i % layers.length][key] = value;
    return { ...cfg, layers };
  });

const configValue = fc.oneof(
  { weight: 8, arbitrary: nearlyValidConfig },
  { weight: 4, arbitrary: fc.record({ inputSize: intish, layers: fc.array(configLayer, { maxLength: 4 }) }, { requiredKeys: ['layers'] }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  {
    weight: 1,
    arbitrary: fc.record({
      inputSize: intish,
      layers: fc.constantFrom(
        Array.from({ length: 2000 }, (_, i) => ({ type: 'dense', name: `d${i}`, units: 1 })),
        Array.from({ length: 50 }, () => ({ type: 'lstm', name: 'same', hiddenSize: 1 })),
        [{ type: 'lstm', name: 'x', hiddenSize: 2 ** 30, numLayers: 2 ** 20, bidirectional: true }],
        [{ type: 'gru', name: 'x', hiddenSize: 1, numLayers: 2 ** 40 }],
      ),
    }),
  },
  // 10^5-deep values, where a field, the layer list or the whole config should be
  {
    weight: 1,
    arbitrary: fc.constantFrom('units', 'layers', 'config').chain((where) =>
      fc.constantFrom('array', 'object').map((k) =>
        where === 'units' ? { inputSize: 2, layers: [{ type: 'dense', name: 'd', units: deepValue(k) }] } : where === 'layers' ? { inputSize: 2, layers: deepValue(k) } : deepValue(k),
      ),
    ),
  },
);

/** Config text: JSON of a config value, with prototype-poisoning keys and deep text mixed in. */
const configText = fc.oneof(
  { weight: 8, arbitrary: configValue.map((v) => safeJson(v)) },
  { weight: 1, arbitrary: deepText },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{"__proto__":{"inputSize":2},"layers":[{"type":"dense","name":"d","units":1}]}',
      '{"inputSize":2,"layers":[{"type":"dense","name":"d","units":1,"__proto__":{"activation":"relu"}}]}',
      '{"inputSize":2,"inputSize":3,"layers":[{"type":"dense","name":"d","units":1}]}',
      '{"constructor":{"prototype":{"x":1}},"layers":[]}',
      '{"inputSize":1e400,"layers":[{"type":"dense","name":"d","units":1}]}',
      '{"inputSize":2,"layers":[{"type":"dense","name":"d","units":1}]} trailing',
    ),
  },
);

const jsonOf = new WeakMap();
function safeJson(v) {
  if (v !== null && typeof v === 'object' && jsonOf.has(v)) return jsonOf.get(v);
  let text;
  try {
    text = JSON.stringify(v) ?? 'null';
  } catch {
    text = '['.repeat(DEEP); // the deep values: JSON.stringify overflows on them, which is the point
  }
  if (v !== null && typeof v === 'object') jsonOf.set(v, text);
  return text;
}

const modelFileMutation = fc.record({
  format: rarely(fc.constantFrom('(missing)', '', '2', '1 ', '01', 'x'.repeat(1000))),
  config: rarely(configText),
  dropTensor: rarely(fc.nat()),
  extraTensor: rarely(fc.constantFrom('fc.extra', 'rec.weight_ih_l1', 'emb.weight', '')),
  reshape: rarely(fc.tuple(fc.nat(), fc.constantFrom([1], [], [0, 3], [2, 2, 2]))),
  dtype: rarely(fc.tuple(fc.nat(), fc.constantFrom('I32', 'I64'))),
});

// ------------------------------------------------------------------------------------------------
// CLI --config files

const CLI_KEYS = [
  'model', 'x', 'y', 'out', 'loss', 'optimizer', 'lr', 'epochs', 'batch-size', 'batchSize', 'shuffle', 'clip-norm', 'clipNorm',
  'seed', 'init', 'json', 'verbose', 'input', 'output', 'config', 'unknown', '__proto__', 'constructor', 'toString',
  'hasOwnProperty', 'no-shuffle', '', 'LR', 'batch_size',
];
const cliValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('1', '0.5', '-1', '1e400', '1e21', '9007199254740993', '-0', 'true', 'false', 'null', '"m.safetensors"', '"--out"', '"--"', '""', '"adam"', '"mse"', '"crossentropy"', '"sgd"', '"x,y"', '["a","b"]', '[1]', '{}', '{"epochs":1000}', '"\\u0000"', '"\\ud800"') },
  { weight: 1, arbitrary: deepText },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
);
/** Options that fit `train` or `predict`, so that many files are accepted and reach parseArgs. */
const CLI_PLAUSIBLE = [
  ['epochs', '3'], ['lr', '0.01'], ['batchSize', '8'], ['batch-size', '4'], ['shuffle', 'false'], ['loss', '"mse"'],
  ['optimizer', '"sgd"'], ['model', '"m.safetensors"'], ['x', '"x.json"'], ['y', '"y.npy"'], ['out', '"o.safetensors"'],
  ['clipNorm', '1'], ['seed', '7'], ['verbose', 'true'], ['input', '"x.npy"'], ['output', '"y.json"'], ['init', 'true'],
];
const cliConfigText = fc.oneof(
  { weight: 6, arbitrary: fc.subarray(CLI_PLAUSIBLE, { maxLength: 5 }).map((kv) => `{${kv.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`) },
  { weight: 10, arbitrary: fc.array(fc.tuple(fc.constantFrom(...CLI_KEYS), cliValue), { maxLength: 6 }).map((kv) => `{${kv.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`) },
  { weight: 1, arbitrary: deepText },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '[]', 'null', '1', '"x"', '\ufeff{}', '{"epochs":2,}', '{epochs:2}', "{'epochs':2}", '{"epochs":2}{"epochs":3}') },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...'{}[],:"0123456789.eE-+ tfrnul\\'.split('')), { maxLength: 30 }).map((p) => p.join('')) },
);
/** CLI config files as bytes: text, sometimes with invalid UTF-8 spliced in. */
const cliConfigBytes = fc
  .tuple(cliConfigText, rarely(fc.tuple(fc.nat(), fc.constantFrom(...BAD_UTF8))))
  .map(([text, noise]) => {
    const b = enc.encode(text);
    if (!noise) return b;
    const at = noise[0] % (b.length + 1);
    return concatBytes(b.subarray(0, at), Uint8Array.from(noise[1]), b.subarray(at));
  });

// ------------------------------------------------------------------------------------------------
// PTB bracket trees (the tree reader in @rnn/layers)

/** A random tree in bracket form, built bottom-up (no recursion), with its node count. */
const bracketTree = fc
  .tuple(fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.constantFrom('a', "'s", 'b-c', 'é', '名', '1', '-LRB-')), { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 12 }))
  .map(([leaves, joins]) => {
    let parts = leaves.map(([l, w]) => `(${l} ${w})`);
    let nodes = parts.length;
    for (const j of joins) {
      if (parts.length < 2) break;
      const at = j % (parts.length - 1);
      parts = [...parts.slice(0, at), `(${j % 5} ${parts[at]} ${parts[at + 1]})`, ...parts.slice(at + 2)];
      nodes++;
    }
    while (parts.length > 1) {
      parts = [`(2 ${parts[0]} ${parts[1]})`, ...parts.slice(2)];
      nodes++;
    }
    return { text: parts[0], nodes };
  });

const treeText = fc.oneof(
  {
    weight: 64,
    arbitrary: fc
      .tuple(
        fc.array(bracketTree, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('\n', ' ', '\r\n', '\n\n'),
        rarely(fc.tuple(fc.nat(), fc.constantFrom('(', ')', '( ', '(x ', '(1', ' word', '(1.5 a)', '(+1 a)', '(99999999999999999999 a)', '\u0000', '\ufeff', '\u00a0'))),
        rarely(fc.nat()),
      )
      .map(([trees, sep, insert, cut]) => {
        let text = trees.map((t) => t.text).join(sep);
        if (insert) {
          const at = insert[0] % (text.length + 1);
          text = text.slice(0, at) + insert[1] + text.slice(at);
        }
        if (cut !== null) text = text.slice(0, cut % (text.length + 1));
        return { text, expected: insert === null && cut === null ? trees.map((t) => t.nodes) : null };
      }),
  },
  { weight: 1, arbitrary: fc.constantFrom('(1 '.repeat(DEEP) + 'w' + ')'.repeat(DEEP), '('.repeat(DEEP), ')'.repeat(DEEP), '(1 '.repeat(DEEP)).map((text) => ({ text, expected: null })) },
  { weight: 24, arbitrary: fc.array(fc.constantFrom('(', ')', ' ', '\n', '1', '2', '-', 'a', 'bc', '\t', '\r'), { maxLength: 40 }).map((p) => ({ text: p.join(''), expected: null })) },
);

// ------------------------------------------------------------------------------------------------
// Targets

/**
 * The readers to fuzz. `lib` holds the core io functions and error classes (from the sources or
 * from dist); `lib.cli`, when given, adds the CLI's `--config` reader.
 */
export function makeTargets(lib) {
  const { FormatError, ConfigError, RnnError } = lib;
  const SRC = 'fuzz-input';
  const named = (e) => expectThat(typeof e.message === 'string' && e.message.length > 0, `${e.constructor.name} with an empty message`);
  const namesSource = (e) => expectThat(e.message.includes(SRC), `error message does not name the source: ${e.message.slice(0, 200)}`);
  /**
   * What `read()` returns. An error of `kinds` it throws must have a message naming the source, and
   * only an input built broken (`expected` null) may be refused: else `<refused>: <the message>`.
   */
  const readOrRefuse = (read, expected, refused, kinds) => {
    try {
      return read();
    } catch (e) {
      if (kinds.some((k) => e instanceof k)) {
        named(e);
        namesSource(e);
        expectThat(expected === null, `${refused}: ${e.message.slice(0, 300)}`);
      }
      throw e;
    }
  };

  const checkSafetensors = (got, expected) => {
    for (const [name, t] of got.tensors) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      expectThat(t.data.length === n, `tensor ${JSON.stringify(name)}: ${t.data.length} elements for shape [${t.shape}]`);
    }
    if (!expected) return;
    expectThat(JSON.stringify(got.metadata) === JSON.stringify(expected.metadata), 'metadata differs from what was written');
    expectThat(got.tensors.size === expected.tensors.length, `expected ${expected.tensors.length} tensors, got ${got.tensors.size}`);
    for (const e of expected.tensors) {
      const t = got.tensors.get(e.name);
      expectThat(t !== undefined, `tensor ${JSON.stringify(e.name)} missing`);
      expectThat(t.dtype === e.dtype && JSON.stringify(t.shape) === JSON.stringify(e.shape), `tensor ${JSON.stringify(e.name)}: wrong dtype/shape`);
      expectThat(bytesEqual(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), e.bytes), `tensor ${JSON.stringify(e.name)}: wrong bytes`);
    }
  };

  const validModelBase = (cfg, seed) => {
    const config = lib.parseModelConfig(cfg, 'gen');
    const tensors = new Map();
    for (const { name, shape } of lib.expectedTensors(config)) {
      const n = shape.reduce((a, b) => a * b, 1);
      tensors.set(name, { dtype: 'F32', shape, data: Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i)) });
    }
    return { config, tensors };
  };

  const targets = [
    {
      name: 'safetensors',
      allowed: [FormatError],
      arb: fc.oneof(
        { weight: 12, arbitrary: safetensorsSpec.map(buildSafetensors) },
        { weight: 3, arbitrary: safetensorsSpec.map(buildSafetensors).chain((f) => byteSurgery(f.bytes)).map((bytes) => ({ bytes, expected: null })) },
        { weight: 1, arbitrary: safetensorsDeep },
        { weight: 1, arbitrary: safetensorsWide },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ bytes, expected: null })) },
      ),
      run: ({ bytes, expected }) => {
        const got = readOrRefuse(() => lib.parseSafetensors(bytes, SRC), expected, 'a well-formed file was refused', [FormatError]);
        checkSafetensors(got, expected);
      },
      show: ({ bytes }) => bytes,
    },
    {
      name: 'npy',
      allowed: [FormatError],
      arb: fc.oneof(
        { weight: 12, arbitrary: npySpec.map(buildNpy) },
        { weight: 3, arbitrary: npySpec.map(buildNpy).chain((f) => byteSurgery(f.bytes)).map((bytes) => ({ bytes, expected: null })) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => ({ bytes: concatBytes(Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59), b), expected: null })) },
      ),
      run: ({ bytes, expected }) => {
        const got = readOrRefuse(() => lib.parseNpy(bytes, SRC), expected, 'a well-formed .npy was refused', [FormatError]);
        const n = got.shape.reduce((a, b) => a * b, 1);
        expectThat(got.data.length === n, `${got.data.length} elements for shape [${got.shape}]`);
        if (expected) {
          expectThat(got.dtype === expected.dtype, `dtype ${got.dtype}, expected ${expected.dtype}`);
          expectThat(JSON.stringify(got.shape) === JSON.stringify(expected.shape), `shape [${got.shape}], expected [${expected.shape}]`);
          const le = HOST_LE ? new Uint8Array(got.data.buffer, got.data.byteOffset, got.data.byteLength) : null;
          if (le) expectThat(bytesEqual(le, expected.bytesLE), 'decoded values differ from what was written');
        }
      },
      show: ({ bytes }) => bytes,
    },
    {
      name: 'json-array',
      allowed: [FormatError],
      arb: jsonArrayText,
      run: ({ text, expected }) => {
        const got = readOrRefuse(() => lib.parseJsonArray(text, SRC), expected, 'a well-formed array was refused', [FormatError]);
        const n = got.shape.reduce((a, b) => a * b, 1);
        expectThat(got.data.length === n, `${got.data.length} values for shape [${got.shape}]`);
        expectThat(got.data.every(Number.isFinite), 'a non-finite value was accepted');
        if (expected) {
          expectThat(JSON.stringify(got.shape) === JSON.stringify(expected.shape), `shape [${got.shape}], expected [${expected.shape}]`);
          expectThat(got.data.every((v, i) => Object.is(v, expected.values[i]) || v === expected.values[i]), 'values differ');
        }
      },
      show: ({ text }) => text,
    },
    {
      name: 'model-config',
      allowed: [ConfigError, FormatError],
      arb: fc.oneof(configValue.map((value) => ({ value })), configText.map((text) => ({ text }))),
      run: ({ value, text }) => {
        const json = text === undefined ? value : lib.parseStrictJson(text, SRC, 'the model config');
        const config = lib.parseModelConfig(json, SRC);
        // A config that validates must be checkable against weights in bounded time, even one
        // that declares 2**40 layers: with no weights that is a FormatError, never a hang.
        try {
          lib.checkModelTensors(config, new Map(), SRC);
        } catch (e) {
          if (!(e instanceof FormatError)) throw e;
        }
      },
      show: ({ value, text }) => text ?? safeJson(value),
    },
    {
      name: 'model-file',
      allowed: [FormatError, ConfigError],
      arb: fc.tuple(validModel, fc.nat(), modelFileMutation).map(([cfg, seed, m]) => {
        const { config, tensors } = validModelBase(cfg, seed);
        const written = new Map(tensors);
        const metadata = { 'rnn.format': '1', 'rnn.config': JSON.stringify(config) };
        if (m.format !== null) {
          if (m.format === '(missing)') delete metadata['rnn.format'];
          else metadata['rnn.format'] = m.format;
        }
        if (m.config !== null) metadata['rnn.config'] = m.config;
        const names = [...tensors.keys()];
        if (m.dropTensor !== null) tensors.delete(names[m.dropTensor % names.length]);
        if (m.extraTensor !== null) tensors.set(m.extraTensor, { dtype: 'F32', shape: [1], data: Float32Array.of(1) });
        if (m.reshape !== null) {
          const name = names[m.reshape[0] % names.length];
          const shape = m.reshape[1];
          tensors.set(name, { dtype: 'F32', shape, data: new Float32Array(shape.reduce((x, y) => x * y, 1)) });
        }
        if (m.dtype !== null) {
          const name = names[m.dtype[0] % names.length];
          const t = tensors.get(name);
          if (t) tensors.set(name, m.dtype[1] === 'I32' ? { dtype: 'I32', shape: t.shape, data: new Int32Array(t.data.length) } : { dtype: 'I64', shape: t.shape, data: new BigInt64Array(t.data.length) });
        }
        const clean = Object.values(m).every((v) => v === null);
        return { bytes: lib.serializeSafetensors(tensors, metadata), expected: clean ? { config, tensors: written } : null };
      }),
      run: ({ bytes, expected }) => {
        const got = readOrRefuse(() => lib.readModelFile(bytes, SRC), expected, 'a valid model file was refused', [FormatError, ConfigError]);
        if (expected) {
          expectThat(JSON.stringify(got.config) === JSON.stringify(expected.config), 'config differs after reading');
          for (const [name, t] of expected.tensors) {
            const r = got.tensors.get(name);
            expectThat(r !== undefined && r.data.every((v, i) => v === t.data[i]), `tensor ${name} differs`);
          }
        }
      },
      show: ({ bytes }) => bytes,
    },
  ];
  if (lib.cli) {
    const { configArgs, parse, UsageError, commands, writeConfig } = lib.cli;
    targets.push({
      name: 'cli-config',
      allowed: [UsageError],
      arb: fc.tuple(cliConfigBytes, fc.constantFrom(...Object.keys(commands))),
      run: ([bytes, command]) => {
        const path = writeConfig(bytes);
        const flags = commands[command];
        let argv;
        try {
          argv = configArgs(command, path, flags);
        } catch (e) {
          if (e instanceof UsageError) {
            named(e);
            expectThat(e.message.includes(path), `error message does not name the config file: ${e.message.slice(0, 200)}`);
            expectThat(!/[\n\r]/.test(e.message), `error message is not one line: ${JSON.stringify(e.message.slice(0, 200))}`);
          }
          throw e;
        }
        // What the file gave must parse as the command's flags. A required flag the file does not
        // set is fine (the command line may give it), and so is a value out of a flag's range (a
        // value error, exit 1, that names the flag).
        try {
          parse(command, argv);
        } catch (e) {
          const required = e instanceof UsageError && / is required /.test(e.message);
          const range = e instanceof lib.ConfigError && /^--[\w-]+ must be /.test(e.message);
          if (!required && !range) throw e;
        }
      },
      show: ([bytes]) => bytes,
    });
  }
  if (lib.parseTrees) {
    targets.push({
      name: 'ptb-trees',
      allowed: [FormatError],
      arb: treeText,
      run: ({ text, expected }) => {
        const got = readOrRefuse(() => lib.parseTrees(text, SRC), expected, 'well-formed trees were refused', [FormatError]);
        for (const t of got) {
          expectThat(t.labels.length === t.words.length && t.labels.length === t.children.length, 'tree arrays differ in length');
          t.children.forEach((cs, n) => cs.forEach((c) => expectThat(c < n, `node ${n} has child ${c}: not post-order`)));
        }
        if (expected) expectThat(JSON.stringify(got.map((t) => t.labels.length)) === JSON.stringify(expected), `node counts ${got.map((t) => t.labels.length)}, expected ${expected}`);
      },
      show: ({ text }) => text,
    });
  }
  for (const t of targets) t.rnnError = RnnError;
  return targets;
}

// ------------------------------------------------------------------------------------------------
// Running

/**
 * Runs one case: the outcome is 'ok' or 'refused' (an allowed error). Throws a `Violation` for
 * anything else: an unexpected exception, a case over `maxMs`, an `arrayBuffers` jump over
 * `maxJumpBytes`.
 */
export function runCase(target, input, { maxMs, maxJumpBytes }) {
  const ab0 = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  let outcome = 'ok';
  try {
    target.run(input);
  } catch (e) {
    if (e instanceof Violation) throw e;
    if (!target.allowed.some((cls) => e instanceof cls)) {
      const what = e instanceof RangeError && /call stack/i.test(e.message) ? 'a stack overflow' : `${e?.constructor?.name ?? typeof e}`;
      throw new Violation(`${target.name}: threw ${what} instead of ${target.allowed.map((c) => c.name).join('/')}: ${String(e?.message ?? e).slice(0, 300)}`);
    }
    outcome = 'refused';
  }
  const ms = performance.now() - t0;
  const jump = process.memoryUsage().arrayBuffers - ab0;
  if (ms > maxMs) throw new Violation(`${target.name}: one input took ${ms.toFixed(0)} ms (limit ${maxMs} ms)`);
  if (jump > maxJumpBytes) throw new Violation(`${target.name}: arrayBuffers grew by ${(jump / 2 ** 20).toFixed(1)} MB on one input (limit ${(maxJumpBytes / 2 ** 20).toFixed(0)} MB)`);
  return { outcome, ms, jump };
}

/**
 * Fuzzes one target with fast-check and returns counts. Throws (fast-check's report, with the
 * seed, path and shrunk counterexample) on the first violation.
 */
export function fuzzTarget(target, { seed = FUZZ_SEED, numRuns, maxMs = 2000, maxJumpBytes = 64 * 2 ** 20, onCase } = {}) {
  const stats = { reader: target.name, tried: 0, ok: 0, refused: 0, maxMs: 0, maxJumpBytes: 0 };
  fc.assert(
    fc.property(target.arb, (input) => {
      onCase?.(input);
      const r = runCase(target, input, { maxMs, maxJumpBytes });
      stats.tried++;
      stats[r.outcome]++;
      stats.maxMs = Math.max(stats.maxMs, r.ms);
      stats.maxJumpBytes = Math.max(stats.maxJumpBytes, r.jump);
    }),
    { seed, numRuns, endOnFailure: true },
  );
  return stats;
}

export function formatStats(s) {
  return (
    `fuzz ${s.reader}: ${s.tried} inputs survived (${s.ok} loaded, ${s.refused} refused with a typed error); ` +
    `slowest ${s.maxMs.toFixed(1)} ms; largest arrayBuffers jump ${(Math.max(0, s.maxJumpBytes) / 2 ** 20).toFixed(2)} MB`
  );
}
