/**
 * GPU checks for the wide copy_nd path (16/8/4-byte words where the innermost run is contiguous on both
 * sides and aligned): NHWC channel Concat / Split / Slice as YOLO uses them, and the cases that must fall
 * back to narrower words (odd channel counts, an unaligned slice start, a strided slice, Expand).
 */
import type { Attribute } from '../../src/ir/graph.js';
import type { DType } from '../../src/tensor/dtype.js';

/** Structurally run.ts's In / Case. */
interface In { dtype?: DType; dims: number[]; ints?: number[]; constant?: boolean }
interface CopyCase { name: string; op: string; inputs: In[]; attrs?: Record<string, Attribute>; opset?: number; outputs?: number }

const int = (value: number): Attribute => ({ type: 'int', value });
const ints = (values: number[]): In => ({ dims: [values.length], ints: values, constant: true });

export function copyCases(): CopyCase[] {
  const c: CopyCase[] = [];
  for (const dt of ['float32', 'float16'] as DType[]) {
    const X = (...dims: number[]): In => ({ dtype: dt, dims });
    const concat = (name: string, axis: number, ...inputs: In[]) => c.push({ name: `Copy_Concat_${name}_${dt}`, op: 'Concat', inputs, attrs: { axis: int(axis) } });
    concat('nhwc_channels', -1, X(2, 5, 7, 16), X(2, 5, 7, 8), X(2, 5, 7, 32));
    concat('nhwc_odd_channels', 3, X(2, 3, 5, 3), X(2, 3, 5, 5));
    concat('rows', 0, X(3, 40), X(5, 40));
    const slice = (name: string, dims: number[], starts: number[], ends: number[], axes: number[], steps?: number[]) =>
      c.push({ name: `Copy_Slice_${name}_${dt}`, op: 'Slice', opset: 13, inputs: [X(...dims), ints(starts), ints(ends), ints(axes), ...(steps ? [ints(steps)] : [])] });
    slice('channels_aligned', [2, 6, 6, 64], [16], [48], [3]);
    slice('channels_unaligned', [2, 6, 6, 64], [3], [35], [3]);
    slice('spatial_and_channels', [2, 9, 9, 32], [1, 8], [8, 24], [1, 3]);
    slice('strided', [2, 8, 32], [0], [32], [2], [2]);
    c.push({ name: `Copy_Split_nhwc_channels_${dt}`, op: 'Split', opset: 13, outputs: 3, inputs: [X(2, 4, 5, 48), ints([16, 24, 8])], attrs: { axis: int(-1) } });
    c.push({ name: `Copy_Split_odd_${dt}`, op: 'Split', opset: 13, outputs: 2, inputs: [X(3, 10, 7), ints([3, 4])], attrs: { axis: int(2) } });
    c.push({ name: `Copy_Expand_rows_${dt}`, op: 'Expand', inputs: [X(1, 3, 32), ints([4, 3, 32])] });
  }
  return c;
}
