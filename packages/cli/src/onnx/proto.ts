import protobuf from 'protobufjs';

/**
 * ONNX's own schema (`proto/onnx.proto`, copied unchanged from github.com/onnx/onnx), read by
 * protobufjs once: the model is encoded by the library from that schema, never by hand.
 */
let modelProto: protobuf.Type | null = null;

function schema(): protobuf.Type {
  // dist/onnx/proto.js and src/onnx/proto.ts are both two folders below the package root
  modelProto ??= protobuf.loadSync(new URL('../../proto/onnx.proto', import.meta.url).pathname).lookupType('onnx.ModelProto');
  return modelProto;
}

/** `TensorProto.DataType` values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;

/** `AttributeProto.AttributeType` values used here. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7, STRINGS: 8 } as const;

/** One dimension of a value's shape: a fixed size or a named dynamic axis. */
export type Dim = number | string;

export interface TensorInit {
  name: string;
  dims: number[];
  dataType: number;
  floatData?: number[] | Float32Array;
  int64Data?: number[];
}

export interface NodeSpec {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, number | string | number[] | string[] | { float: number }>;
}

export interface ValueSpec {
  name: string;
  elemType: number;
  dims: Dim[];
}

export interface ModelSpec {
  opset: number;
  irVersion: number;
  producerVersion: string;
  graphName: string;
  doc: string;
  nodes: NodeSpec[];
  initializers: TensorInit[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  metadata: Record<string, string>;
}

function attribute(name: string, v: NodeSpec['attributes'][string]): object {
  if (typeof v === 'number') return { name, type: AttrType.INT, i: v };
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: Buffer.from(v, 'utf8') };
  if (!Array.isArray(v)) return { name, type: AttrType.FLOAT, f: v.float };
  if (v.every((x) => typeof x === 'number')) return { name, type: AttrType.INTS, ints: v };
  return { name, type: AttrType.STRINGS, strings: (v as string[]).map((s) => Buffer.from(s, 'utf8')) };
}

function valueInfo(v: ValueSpec): object {
  const dim = v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name: v.name, type: { tensorType: { elemType: v.elemType, shape: { dim } } } };
}

/** `raw_data` of a float tensor: IEEE float32, little-endian whatever the host (onnx.proto says so). */
function littleEndianFloats(data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return out;
}

/** The `ModelProto` bytes of a model. */
export function encodeModel(m: ModelSpec): Uint8Array {
  const type = schema();
  const obj = {
    irVersion: m.irVersion,
    opsetImport: [{ domain: '', version: m.opset }],
    producerName: 'rnn',
    producerVersion: m.producerVersion,
    docString: m.doc,
    metadataProps: Object.entries(m.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: m.graphName,
      node: m.nodes.map((n) => ({
        opType: n.opType,
        name: n.name,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attributes).map(([k, v]) => attribute(k, v)),
      })),
      initializer: m.initializers.map((t) => ({
        name: t.name,
        dims: t.dims,
        dataType: t.dataType,
        ...(t.floatData ? { rawData: littleEndianFloats(t.floatData) } : {}),
        ...(t.int64Data ? { int64Data: t.int64Data } : {}),
      })),
      input: m.inputs.map(valueInfo),
      output: m.outputs.map(valueInfo),
    },
  };
  const err = type.verify(obj);
  // verify() checks field types against the schema; a failure here is a bug in the exporter
  if (err) throw new Error(`onnx export: the model does not match onnx.proto: ${err}`);
  return type.encode(type.fromObject(obj)).finish();
}
