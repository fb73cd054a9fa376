/**
 * `{"outputs": Y}` written straight from the flat output and its shape: the same text as
 * `JSON.stringify({ outputs: toNestedArray(data, shape) })` (a non-finite number is `null`, as
 * JSON.stringify writes it) without building the nested arrays first.
 */
export function outputsJson(data: Float32Array, shape: readonly number[]): string {
  let s = '{"outputs":';
  let k = 0;
  const rank = shape.length;
  const write = (d: number): void => {
    const len = shape[d]!;
    s += '[';
    for (let i = 0; i < len; i++) {
      if (i > 0) s += ',';
      if (d === rank - 1) {
        const v = data[k++]!;
        s += Number.isFinite(v) ? String(v) : 'null';
      } else write(d + 1);
    }
    s += ']';
  };
  if (rank === 0) {
    const v = data[0]!;
    s += Number.isFinite(v) ? String(v) : 'null';
  } else write(0);
  return s + '}';
}
