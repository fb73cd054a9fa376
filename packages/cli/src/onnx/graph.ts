import { DataType, type NodeSpec, type TensorInit } from './proto.js';

/** Collects the nodes and initializers of one ONNX graph, naming intermediate values uniquely. */
export class Graph {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: TensorInit[] = [];
  private count = 0;
  private names = new Set<string>();

  constructor(private readonly weights: Map<string, ArrayLike<number>>) {}

  /** The model's parameter `name` (PyTorch layout), as host numbers. */
  weight(name: string): ArrayLike<number> {
    const w = this.weights.get(name);
    // the layer asked for a tensor its own parameters() named: missing means a bug, not bad input
    if (!w) throw new Error(`onnx export: the model has no parameter '${name}'`);
    return w;
  }

  private unique(name: string): string {
    let n = name;
    for (let i = 1; this.names.has(n); i++) n = `${name}_${i}`;
    this.names.add(n);
    return n;
  }

  floats(name: string, dims: number[], data: ArrayLike<number>): string {
    const n = this.unique(name);
    this.initializers.push({ name: n, dims, dataType: DataType.FLOAT, floatData: Float32Array.from(data) });
    return n;
  }

  /** A 1-D int64 constant (shapes, axes). */
  ints(name: string, values: number[]): string {
    const n = this.unique(name);
    this.initializers.push({ name: n, dims: [values.length], dataType: DataType.INT64, int64Data: values });
    return n;
  }

  node(opType: string, inputs: string[], outputs: string[], attributes: NodeSpec['attributes'], name?: string): void {
    for (const o of outputs) if (o) this.names.add(o);
    this.nodes.push({ opType, name: this.unique(name ?? `${opType}_${this.count++}`), inputs, outputs, attributes });
  }

  /** A one-output node; returns its output's name. */
  op(opType: string, inputs: string[], attributes: NodeSpec['attributes'], output?: string): string {
    const out = output ?? this.unique(`${opType.toLowerCase()}_${this.count++}`);
    this.node(opType, inputs, [out], attributes);
    return out;
  }
}
