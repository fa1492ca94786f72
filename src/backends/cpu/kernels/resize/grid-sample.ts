/** GridSample (opset 16/20/22): N-D sampling of X at normalized grid coordinates. */
import type { KernelContext } from '../../kernel.js';
import { allocTensor, type Tensor } from '../../../../tensor/tensor.js';
import { readNumbers, strides, writeNumbers } from '../../util.js';
import { prod } from '../nn-util.js';

function cubic(x: number): number[] {
  const A = -0.75;
  const f1 = (t: number) => ((A + 2) * t - (A + 3)) * t * t + 1;
  const f2 = (t: number) => ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
  return [f2(x + 1), f1(x), f1(1 - x), f2(2 - x)];
}

function reflect(x: number, lo: number, hi: number): number {
  const rng = hi - lo;
  if (x < lo) {
    const dx = lo - x;
    const n = Math.trunc(dx / rng);
    const r = dx - n * rng;
    return n % 2 === 0 ? lo + r : hi - r;
  }
  if (x > hi) {
    const dx = x - hi;
    const n = Math.trunc(dx / rng);
    const r = dx - n * rng;
    return n % 2 === 0 ? hi - r : lo + r;
  }
  return x;
}

export function gridSample(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0), G = ctx.input(1);
  let mode = ctx.attrs.string('mode', ctx.opset >= 20 ? 'linear' : 'bilinear');
  if (mode === 'bilinear') mode = 'linear';
  if (mode === 'bicubic') mode = 'cubic';
  const pad = ctx.attrs.string('padding_mode', 'zeros');
  const align = ctx.attrs.int('align_corners', 0) === 1;
  const [N, C] = X.dims;
  const sp = X.dims.slice(2);
  const r = sp.length;
  const outSp = G.dims.slice(1, -1);
  if (G.dims[G.dims.length - 1] !== r) throw ctx.error(`grid's last dim must be ${r}, got [${G.dims.join(', ')}]`);
  const Y = allocTensor(X.dtype, [N, C, ...outSp]);
  const x = readNumbers(X), g = readNumbers(G);
  const y = new Float64Array(Y.data.length);
  const P = prod(outSp), plane = prod(sp);
  const st = strides(sp);
  const lo = sp.map(() => (align ? 0 : -0.5)), hi = sp.map((d) => (align ? d - 1 : d - 0.5));
  const idx: number[][] = new Array(r), wts: number[][] = new Array(r);
  for (let n = 0; n < N; n++) for (let p = 0; p < P; p++) {
    let valid = true;
    for (let a = 0; a < r; a++) {
      const nv = g[(n * P + p) * r + (r - 1 - a)];
      const L = sp[a];
      let c = align ? ((nv + 1) / 2) * (L - 1) : ((nv + 1) * L - 1) / 2;
      if (mode === 'nearest') c = roundEven(c); // the reference rounds half to even in 2-D and 3-D
      if (c < lo[a] || c > hi[a]) {
        if (pad === 'border') c = Math.min(Math.max(c, 0), L - 1);
        else if (pad === 'reflection') c = reflect(c, lo[a], hi[a]);
      }
      let taps: number[], ws: number[];
      if (mode === 'nearest') { taps = [Math.trunc(c)]; ws = [1]; }
      else {
        const c0 = Math.floor(c), t = c - c0;
        if (mode === 'linear') { taps = [c0, c0 + 1]; ws = [1 - t, t]; }
        else { taps = [c0 - 1, c0, c0 + 1, c0 + 2]; ws = cubic(t); }
      }
      // out-of-range taps: zeros drop them, border clamps, reflection reflects
      for (let i = 0; i < taps.length; i++) {
        const q = taps[i];
        if (q >= 0 && q < L) continue;
        if (pad === 'zeros') ws[i] = 0;
        else if (pad === 'border') taps[i] = Math.min(Math.max(q, 0), L - 1);
        else taps[i] = Math.trunc(reflect(q, lo[a], hi[a]));
        if (pad !== 'zeros' && (taps[i] < 0 || taps[i] >= L)) taps[i] = Math.min(Math.max(taps[i], 0), L - 1);
      }
      idx[a] = taps;
      wts[a] = ws;
      if (ws.every((w) => w === 0)) valid = false;
    }
    for (let c = 0; c < C; c++) {
      let acc = 0;
      if (valid) {
        const base = (n * C + c) * plane;
        // iterate the tap product
        const counts = idx.map((t) => t.length);
        const ctr = new Array<number>(r).fill(0);
        const total = prod(counts);
        for (let k = 0; k < total; k++) {
          let w = 1, off = base;
          for (let a = 0; a < r; a++) { w *= wts[a][ctr[a]]; off += idx[a][ctr[a]] * st[a]; }
          if (w !== 0) acc += w * x[off];
          for (let a = r - 1; a >= 0; a--) { if (++ctr[a] < counts[a]) break; ctr[a] = 0; }
        }
      }
      y[(n * C + c) * P + p] = acc;
    }
  }
  writeNumbers(Y, y);
  return [Y];
}

function roundEven(v: number): number {
  const f = Math.floor(v), d = v - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
}
