import type { LayerStack } from './types.js';

/** A Keras-style table: layer, type, output shape, parameter count. */
export function summarize(model: Pick<LayerStack, 'layers' | 'params'>): string {
  if (!model.params) return 'model (not built yet: call build({ inputSize }) to see shapes and parameter counts)';
  const params = model.params;
  const rows: string[][] = [['Layer', 'Type', 'Output', 'Params']];
  for (const l of model.layers) {
    const n = params.tensors.filter((t) => t.name!.startsWith(`${l.name}.`)).reduce((s, t) => s + t.size, 0);
    const cfg = l.config() as Record<string, unknown> | null;
    const detail = cfg
      ? Object.entries(cfg)
          .filter(([k]) => k !== 'type' && k !== 'name')
          .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
          .join(' ')
      : '';
    rows.push([l.name, `${l.type}${detail ? ` (${detail})` : ''}`, '', n.toLocaleString('en-US')]);
  }
  // output shapes, propagated symbolically
  let kind = model.layers[0]!.type === 'embedding' ? 'ids' : 'sequence';
  model.layers.forEach((l, i) => {
    const cfg = l.config() as Record<string, unknown> | null;
    let out = rows[i]![2];
    if (l.type === 'embedding') {
      kind = 'sequence';
      out = `[B, T, ${String(cfg?.['embeddingDim'])}]`;
    } else if (cfg && 'hiddenSize' in cfg) {
      const w = (cfg['bidirectional'] ? 2 : 1) * ((cfg['outputSize'] ?? cfg['hiddenSize']) as number);
      kind = cfg['returnSequences'] ? 'sequence' : 'vector';
      out = kind === 'sequence' ? `[B, T, ${w}]` : `[B, ${w}]`;
    } else if (cfg && 'units' in cfg) {
      out = kind === 'sequence' ? `[B, T, ${String(cfg['units'])}]` : `[B, ${String(cfg['units'])}]`;
    } else out = 'same';
    rows[i + 1]![2] = out;
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
