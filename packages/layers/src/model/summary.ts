import type { SymbolicShape } from '../layers/layer.js';
import type { LayerStack } from './types.js';

/** A symbolic shape as Keras prints it, the batch axis as `B` and the time axis as `T`. */
function shapeText(s: SymbolicShape): string {
  return s.kind === 'ids' ? '[B, T]' : s.kind === 'sequence' ? `[B, T, ${s.features}]` : `[B, ${s.features}]`;
}

/**
 * A Keras-style table: layer, type, output shape, parameter count. The output shapes are the ones
 * each layer's `build` returned, so a custom cell (registered or not) shows what `predict` gives.
 */
export function summarize(model: Pick<LayerStack, 'layers' | 'params'>, shapes: readonly SymbolicShape[]): string {
  if (!model.params) return 'model (not built yet: call build({ inputSize }) to see shapes and parameter counts)';
  const params = model.params;
  const rows: string[][] = [['Layer', 'Type', 'Output', 'Params']];
  model.layers.forEach((l, i) => {
    const n = params.tensors.filter((t) => t.name!.startsWith(`${l.name}.`)).reduce((s, t) => s + t.size, 0);
    const cfg = l.config() as Record<string, unknown> | null;
    const detail = cfg
      ? Object.entries(cfg)
          .filter(([k]) => k !== 'type' && k !== 'name')
          .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
          .join(' ')
      : '';
    rows.push([l.name, `${l.type}${detail ? ` (${detail})` : ''}`, shapes[i] ? shapeText(shapes[i]) : '?', n.toLocaleString('en-US')]);
  });
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((v, c) => (c === 3 ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join('  ');
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  const total = params.size;
  return [
    line(rows[0]!),
    sep,
    ...rows.slice(1).map(line),
    sep,
    `Total parameters: ${total.toLocaleString('en-US')} (${params.values.dtype}, backend ${params.backend.name})`,
  ].join('\n');
}
