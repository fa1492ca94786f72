/** AffineGrid (opset 20): normalized sampling grid from batched affine matrices. */
import type { KernelContext } from '../../kernel.js';
import { allocTensor, type Tensor } from '../../../../tensor/tensor.js';
import { readInts, readNumbers, writeNumbers } from '../../util.js';

export function affineGrid(ctx: KernelContext): Tensor[] {
  const theta = ctx.input(0);
  const size = readInts(ctx.input(1));
  const align = ctx.attrs.int('align_corners', 0) === 1;
  const sp = size.slice(2);
  const r = sp.length;
  if (r !== 2 && r !== 3) throw ctx.error(`size must have 4 or 5 entries, got [${size.join(', ')}]`);
  const N = size[0];
  const th = readNumbers(theta);
  const lin = (L: number) => Array.from({ length: L }, (_, i) => (align ? (L > 1 ? -1 + (2 * i) / (L - 1) : -1) : (2 * i + 1) / L - 1));
  const axes = sp.map(lin);
  const Y = allocTensor(theta.dtype, [N, ...sp, r]);
  const y = new Float64Array(Y.data.length);
  const P = sp.reduce((a, b) => a * b, 1);
  const cols = r + 1;
  for (let n = 0; n < N; n++) for (let p = 0; p < P; p++) {
    // base coordinate (x, y[, z]) = last spatial axis first
    const coord: number[] = new Array(r);
    let rem = p;
    for (let a = r - 1; a >= 0; a--) { coord[r - 1 - a] = axes[a][rem % sp[a]]; rem = Math.floor(rem / sp[a]); }
    for (let i = 0; i < r; i++) {
      let v = th[(n * r + i) * cols + r];
      for (let j = 0; j < r; j++) v += th[(n * r + i) * cols + j] * coord[j];
      y[(n * P + p) * r + i] = v;
    }
  }
  writeNumbers(Y, y);
  return [Y];
}
