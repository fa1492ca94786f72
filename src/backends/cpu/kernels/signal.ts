/** CPU reference kernels for the 'signal' op family: DFT, STFT, window functions, MelWeightMatrix. */
import { dtypeFromOnnx, type DType } from '../../../tensor/dtype.js';
import { allocTensor, type Tensor } from '../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../kernel.js';
import { readNumbers, writeNumbers } from '../util.js';
import { ints } from './shape/raw.js';

/**
 * Naive DFT of `n` complex samples read by `get(j)` -> [re, im] (samples past the input are 0);
 * writes `count` bins into out[k] = [re, im]. `inverse` uses e^{+i} and divides by n.
 */
function dft1(get: (j: number) => [number, number], len: number, n: number, count: number, inverse: boolean, out: Float64Array): void {
  const sign = inverse ? 1 : -1;
  const m = Math.min(len, n);
  const re = new Float64Array(m), im = new Float64Array(m);
  for (let j = 0; j < m; j++) [re[j], im[j]] = get(j);
  for (let k = 0; k < count; k++) {
    let sr = 0, si = 0;
    for (let j = 0; j < m; j++) {
      const ang = (sign * 2 * Math.PI * ((k * j) % n)) / n;
      const c = Math.cos(ang), s = Math.sin(ang);
      sr += re[j] * c - im[j] * s;
      si += re[j] * s + im[j] * c;
    }
    out[2 * k] = inverse ? sr / n : sr;
    out[2 * k + 1] = inverse ? si / n : si;
  }
}

function dft(ctx: KernelContext): Tensor {
  const x = ctx.input(0);
  const rank = x.dims.length;
  const lenT = ctx.optionalInput(1);
  let axis: number;
  if (ctx.opset >= 20) {
    const axT = ctx.optionalInput(2);
    axis = axT ? ints(axT)[0] : -2;
  } else axis = ctx.attrs.int('axis', 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank - 1) throw ctx.error(`axis ${axis} is out of range for input rank ${rank}`);
  const inverse = ctx.attrs.int('inverse', 0) === 1;
  const onesided = ctx.attrs.int('onesided', 0) === 1;
  const comp = x.dims[rank - 1];
  if (comp !== 1 && comp !== 2) throw ctx.error(`last dimension must be 1 (real) or 2 (complex), got ${comp}`);
  const len = x.dims[axis];
  // Inverse + onesided is irfft: the input holds n/2+1 Hermitian bins, the output is n real samples.
  const irfft = inverse && onesided;
  const n = lenT && lenT.data.length ? ints(lenT)[0] : irfft ? 2 * (len - 1) : len;
  const count = onesided && !irfft ? Math.floor(n / 2) + 1 : n;
  const outComp = irfft ? 1 : 2;
  const outDims = [...x.dims];
  outDims[axis] = count;
  outDims[rank - 1] = outComp;
  const out = allocTensor(x.dtype, outDims); // checks a model-given dft_length against the limit first
  const v = readNumbers(x);
  const outer = x.dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = x.dims.slice(axis + 1, rank - 1).reduce((a, b) => a * b, 1);
  const res = new Float64Array(out.data.length);
  const tmp = new Float64Array(2 * count);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    const at = (j: number): [number, number] => {
      const off = ((o * len + j) * inner + i) * comp;
      return [v[off], comp === 2 ? v[off + 1] : 0];
    };
    const get = irfft
      ? (j: number): [number, number] => {
        if (j < len) return at(j);
        const [re, im] = at(n - j);
        return [re, -im];
      }
      : at;
    dft1(get, irfft ? n : len, n, count, inverse, tmp);
    for (let k = 0; k < count; k++) {
      const off = ((o * count + k) * inner + i) * outComp;
      res[off] = tmp[2 * k];
      if (!irfft) res[off + 1] = tmp[2 * k + 1];
    }
  }
  writeNumbers(out, res);
  return out;
}

function windowKernel(f: (n: number, N: number) => number) {
  return (ctx: KernelContext): Tensor[] => {
    const size = ints(ctx.input(0))[0];
    const dtype: DType = dtypeFromOnnx(ctx.attrs.int('output_datatype', 1));
    const N = ctx.attrs.int('periodic', 1) === 1 ? size : size - 1;
    const out = allocTensor(dtype, [size]); // a model-given size is checked before any work
    const v = new Float64Array(size);
    for (let i = 0; i < size; i++) v[i] = f(i, N);
    writeNumbers(out, v);
    return [out];
  };
}

const TWO_PI = 2 * Math.PI;

export const kernels: KernelTable = {
  DFT(ctx) {
    return [dft(ctx)];
  },
  STFT(ctx) {
    const x = ctx.input(0);
    const step = ints(ctx.input(1))[0];
    const win = ctx.optionalInput(2);
    const flT = ctx.optionalInput(3);
    const onesided = ctx.attrs.int('onesided', 1) === 1;
    const [batch, len, comp] = x.dims;
    const fl = flT && flT.data.length ? ints(flT)[0] : win ? win.dims[0] : len;
    const w = win ? readNumbers(win) : undefined;
    if (w && w.length !== fl) throw ctx.error(`window length ${w.length} differs from frame_length ${fl}`);
    const frames = Math.floor((len - fl) / step) + 1;
    const bins = onesided ? Math.floor(fl / 2) + 1 : fl;
    const out = allocTensor(x.dtype, [batch, frames, bins, 2]);
    const v = readNumbers(x);
    const res = new Float64Array(out.data.length);
    const tmp = new Float64Array(2 * bins);
    for (let b = 0; b < batch; b++) for (let f = 0; f < frames; f++) {
      const get = (j: number): [number, number] => {
        const off = (b * len + f * step + j) * comp;
        const k = w ? w[j] : 1;
        return [v[off] * k, comp === 2 ? v[off + 1] * k : 0];
      };
      dft1(get, fl, fl, bins, false, tmp);
      res.set(tmp, ((b * frames + f) * bins) * 2);
    }
    writeNumbers(out, res);
    return [out];
  },
  HannWindow: windowKernel((n, N) => 0.5 - 0.5 * Math.cos((TWO_PI * n) / N)),
  HammingWindow: windowKernel((n, N) => 25 / 46 - (21 / 46) * Math.cos((TWO_PI * n) / N)),
  BlackmanWindow: windowKernel((n, N) => 0.42 - 0.5 * Math.cos((TWO_PI * n) / N) + 0.08 * Math.cos((2 * TWO_PI * n) / N)),
  MelWeightMatrix(ctx) {
    const [bins, dftLen, rate] = [0, 1, 2].map((i) => ints(ctx.input(i))[0]);
    const lo = readNumbers(ctx.input(3))[0], hi = readNumbers(ctx.input(4))[0];
    const dtype: DType = dtypeFromOnnx(ctx.attrs.int('output_datatype', 1));
    const spec = Math.floor(dftLen / 2) + 1;
    const out = allocTensor(dtype, [spec, bins]); // model-given sizes are checked before any work
    const toMel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
    const loM = toMel(lo), step = (toMel(hi) - loM) / (bins + 2);
    const edges = Array.from({ length: bins + 2 }, (_, i) => {
      const hz = 700 * (Math.pow(10, (i * step + loM) / 2595) - 1);
      return Math.trunc(Math.floor(((dftLen + 1) * hz) / rate));
    });
    const w = new Float64Array(spec * bins);
    for (let i = 0; i < bins; i++) {
      const [l, c, h] = [edges[i], edges[i + 1], edges[i + 2]];
      if (c === l) w[c * bins + i] = 1;
      else for (let j = l; j <= c; j++) w[j * bins + i] = (j - l) / (c - l);
      if (h > c) for (let j = c; j < h; j++) w[j * bins + i] = (h - j) / (h - c);
    }
    writeNumbers(out, w);
    return [out];
  },
};
