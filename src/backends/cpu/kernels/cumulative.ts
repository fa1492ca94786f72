/** CPU reference kernels for the 'cumulative' op family: CumSum and CumProd (exclusive, reverse). */
import { isBigInt } from '../../../tensor/dtype.js';
import { allocTensor } from '../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../kernel.js';
import { normalizeAxis, readInts, readNumbers, writeNumbers } from '../util.js';

function cumulative(isProd: boolean) {
  return (ctx: KernelContext) => {
    const x = ctx.input(0);
    const axisT = ctx.input(1);
    if (axisT.data.length !== 1) throw ctx.error(`axis must be a scalar, got ${axisT.data.length} values`);
    const rank = x.dims.length;
    const axis = normalizeAxis(readInts(axisT)[0], rank);
    const exclusive = ctx.attrs.int('exclusive', 0) !== 0;
    const reverse = ctx.attrs.int('reverse', 0) !== 0;
    const len = rank ? x.dims[axis] : 1;
    const inner = x.dims.slice(axis + 1).reduce((p, d) => p * d, 1);
    const outer = x.dims.slice(0, axis).reduce((p, d) => p * d, 1);
    const out = allocTensor(x.dtype, x.dims);
    const big = isBigInt(x.dtype);
    const X = (big ? x.data : readNumbers(x)) as ArrayLike<number>;
    const O = (big ? out.data : new Float64Array(x.data.length)) as { [i: number]: number };
    const one = (big ? 1n : 1) as number;
    const zero = (big ? 0n : 0) as number;
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * len * inner + j;
        let acc = isProd ? one : zero;
        for (let s = 0; s < len; s++) {
          const k = reverse ? len - 1 - s : s;
          const idx = base + k * inner;
          const v = X[idx];
          if (!exclusive) acc = isProd ? acc * v : acc + v;
          O[idx] = acc;
          if (exclusive) acc = isProd ? acc * v : acc + v;
        }
      }
    }
    if (!big) writeNumbers(out, O as unknown as Float64Array);
    return [out];
  };
}

export const kernels: KernelTable = {
  CumSum: cumulative(false),
  CumProd: cumulative(true),
};
