/** Terminal formatting: tensor values `[0, 2, 4, 6, 8]` (summarized with ... when large), tables, sizes. */
import type { Tensor } from '../tensor/tensor.js';
import { bfloat16ToFloat32, float16ToFloat32 } from '../tensor/float16.js';
import { decodeMinifloat, isMinifloat } from '../tensor/minifloat.js';
import { formatBytes } from '../tensor/tensor.js';
import type { Dim } from '../ir/graph.js';

export { formatBytes };

export const formatShape = (dims: readonly Dim[]) => `[${dims.join(', ')}]`;

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return Object.is(v, -0) ? '-0' : String(v);
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

function element(t: Tensor, i: number): string {
  const v = (t.data as ArrayLike<unknown>)[i];
  switch (t.dtype) {
    case 'string': return JSON.stringify(v);
    case 'bool': return v ? 'true' : 'false';
    case 'float16': return formatNumber(float16ToFloat32(v as number));
    case 'bfloat16': return formatNumber(bfloat16ToFloat32(v as number));
    case 'int64': case 'uint64': return String(v);
    default:
      // float8 / float4 hold raw bits, one per byte
      if (isMinifloat(t.dtype)) return formatNumber(decodeMinifloat(t.dtype, Uint8Array.of(v as number))[0]);
      return formatNumber(v as number);
  }
}

/** Flat values, all of them up to `limit`, else the first and last `edge`. */
export function formatValues(t: Tensor, limit = 32, edge = 8): string {
  const n = t.data.length;
  if (n <= limit) return `[${Array.from({ length: n }, (_, i) => element(t, i)).join(', ')}]`;
  const head = Array.from({ length: edge }, (_, i) => element(t, i));
  const tail = Array.from({ length: edge }, (_, i) => element(t, n - edge + i));
  return `[${head.join(', ')}, ..., ${tail.join(', ')}] (${n} values)`;
}

/** Left-aligned columns. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')).join('\n');
}
