/** CPU kernels for the 'rnn' family: RNN, GRU, LSTM (directions, sequence_lens, layout, peepholes, clip). */
import type { KernelContext, KernelTable } from '../kernel.js';
import { allocTensor, type Tensor } from '../../../tensor/tensor.js';
import { readNumbers, writeNumbers } from '../util.js';

type Act = (x: number) => number;

/** Named activation with its (alpha, beta); `takes` says how many of activation_alpha/beta it consumes. */
function makeAct(name: string, alpha: number | undefined, beta: number | undefined): Act {
  switch (name.toLowerCase()) {
    case 'relu': return (x) => Math.max(0, x);
    case 'tanh': return Math.tanh;
    case 'sigmoid': return (x) => 1 / (1 + Math.exp(-x));
    case 'affine': return (x) => (alpha ?? 1) * x + (beta ?? 0);
    case 'leakyrelu': return (x) => (x >= 0 ? x : (alpha ?? 0.01) * x);
    case 'thresholdedrelu': return (x) => (x > (alpha ?? 1) ? x : 0);
    case 'scaledtanh': return (x) => (alpha ?? 1) * Math.tanh((beta ?? 1) * x);
    case 'hardsigmoid': return (x) => Math.max(0, Math.min(1, (alpha ?? 0.2) * x + (beta ?? 0.5)));
    case 'elu': return (x) => (x >= 0 ? x : (alpha ?? 1) * (Math.exp(x) - 1));
    case 'softsign': return (x) => x / (1 + Math.abs(x));
    case 'softplus': return (x) => Math.log1p(Math.exp(x));
    default: throw new Error(`unknown activation '${name}'`);
  }
}

const USES_ALPHA = new Set(['affine', 'leakyrelu', 'thresholdedrelu', 'scaledtanh', 'hardsigmoid', 'elu']);
const USES_BETA = new Set(['affine', 'scaledtanh', 'hardsigmoid']);

type Kind = 'RNN' | 'GRU' | 'LSTM';
const GATES: Record<Kind, number> = { RNN: 1, GRU: 3, LSTM: 4 };
const DEFAULT_ACTS: Record<Kind, string[]> = { RNN: ['Tanh'], GRU: ['Sigmoid', 'Tanh'], LSTM: ['Sigmoid', 'Tanh', 'Tanh'] };

function recurrent(ctx: KernelContext, kind: Kind): Tensor[] {
  const a = ctx.attrs;
  const X = ctx.input(0), Wt = ctx.input(1), Rt = ctx.input(2);
  const Bt = ctx.optionalInput(3), lensT = ctx.optionalInput(4), h0T = ctx.optionalInput(5);
  const c0T = kind === 'LSTM' ? ctx.optionalInput(6) : undefined;
  const PT = kind === 'LSTM' ? ctx.optionalInput(7) : undefined;
  const layout = a.int('layout', 0);
  const direction = a.string('direction', 'forward');
  const D = direction === 'bidirectional' ? 2 : 1;
  const G = GATES[kind];
  const H = a.int('hidden_size', Rt.dims[2]);
  const clip = a.has('clip') ? a.float('clip') : Infinity;
  const lbr = kind === 'GRU' && a.int('linear_before_reset', 0) === 1;
  const inputForget = kind === 'LSTM' && a.int('input_forget', 0) === 1;
  const [S, Bn, I] = layout === 0 ? X.dims : [X.dims[1], X.dims[0], X.dims[2]];
  const names = a.strings('activations', []);
  const perDir = DEFAULT_ACTS[kind].length;
  const alphas = a.floats('activation_alpha', []), betas = a.floats('activation_beta', []);
  let ai = 0, bi = 0;
  const acts: Act[] = [];
  for (let i = 0; i < perDir * D; i++) {
    const name = names[i] ?? DEFAULT_ACTS[kind][i % perDir];
    const l = name.toLowerCase();
    acts.push(makeAct(name, USES_ALPHA.has(l) ? alphas[ai++] : undefined, USES_BETA.has(l) ? betas[bi++] : undefined));
  }
  const x = readNumbers(X), W = readNumbers(Wt), R = readNumbers(Rt);
  const Bv = Bt ? readNumbers(Bt) : new Float64Array(D * 2 * G * H);
  const lens = lensT ? readNumbers(lensT) : undefined;
  const h0 = h0T ? readNumbers(h0T) : undefined, c0 = c0T ? readNumbers(c0T) : undefined;
  const Pv = PT ? readNumbers(PT) : undefined;
  const xAt = (t: number, b: number, i: number) => x[layout === 0 ? (t * Bn + b) * I + i : (b * S + t) * I + i];
  const Y = new Float64Array(S * D * Bn * H);
  const Yh = new Float64Array(D * Bn * H), Yc = new Float64Array(D * Bn * H);
  const gates = new Float64Array(G * H), rec = new Float64Array(G * H);
  const clipv = (v: number) => (v > clip ? clip : v < -clip ? -clip : v);
  for (let d = 0; d < D; d++) {
    const reverse = direction === 'reverse' || d === 1;
    const f = acts[d * perDir], g = acts[d * perDir + 1], h = acts[d * perDir + 2];
    const Wo = d * G * H * I, Ro = d * G * H * H, Bo = d * 2 * G * H;
    for (let b = 0; b < Bn; b++) {
      const len = lens ? lens[b] : S;
      const hs = new Float64Array(H), cs = new Float64Array(H);
      for (let j = 0; j < H; j++) { hs[j] = h0 ? h0[(d * Bn + b) * H + j] : 0; cs[j] = c0 ? c0[(d * Bn + b) * H + j] : 0; }
      for (let step = 0; step < len; step++) {
        const t = reverse ? len - 1 - step : step;
        for (let k = 0; k < G * H; k++) {
          let s = Bv[Bo + k];
          for (let i = 0; i < I; i++) s += xAt(t, b, i) * W[Wo + k * I + i];
          gates[k] = s;
          let r = Bv[Bo + G * H + k];
          for (let j = 0; j < H; j++) r += hs[j] * R[Ro + k * H + j];
          rec[k] = r;
        }
        if (kind === 'RNN') {
          for (let j = 0; j < H; j++) hs[j] = f(clipv(gates[j] + rec[j]));
        } else if (kind === 'GRU') {
          const z = new Float64Array(H), rr = new Float64Array(H);
          for (let j = 0; j < H; j++) { z[j] = f(clipv(gates[j] + rec[j])); rr[j] = f(clipv(gates[H + j] + rec[H + j])); }
          const nh = new Float64Array(H);
          for (let j = 0; j < H; j++) {
            let hv: number;
            if (lbr) hv = gates[2 * H + j] + rr[j] * rec[2 * H + j];
            else {
              let s = Bv[Bo + G * H + 2 * H + j];
              for (let q = 0; q < H; q++) s += rr[q] * hs[q] * R[Ro + (2 * H + j) * H + q];
              hv = gates[2 * H + j] + s;
            }
            const ht = g(clipv(hv));
            nh[j] = (1 - z[j]) * ht + z[j] * hs[j];
          }
          hs.set(nh);
        } else {
          const P = (k: number, j: number) => (Pv ? Pv[d * 3 * H + k * H + j] : 0);
          for (let j = 0; j < H; j++) {
            const iv = f(clipv(gates[j] + rec[j] + P(0, j) * cs[j]));
            let fv = f(clipv(gates[2 * H + j] + rec[2 * H + j] + P(2, j) * cs[j]));
            if (inputForget) fv = 1 - iv;
            const cv = g(clipv(gates[3 * H + j] + rec[3 * H + j]));
            cs[j] = fv * cs[j] + iv * cv;
            const ov = f(clipv(gates[H + j] + rec[H + j] + P(1, j) * cs[j]));
            rec[j] = ov * h(cs[j]); // new h, staged (hs is still needed for other units)
          }
          for (let j = 0; j < H; j++) hs[j] = rec[j];
        }
        for (let j = 0; j < H; j++) Y[((t * D + d) * Bn + b) * H + j] = hs[j];
      }
      for (let j = 0; j < H; j++) { Yh[(d * Bn + b) * H + j] = hs[j]; Yc[(d * Bn + b) * H + j] = cs[j]; }
    }
  }
  const dt = X.dtype;
  const out = (dims: number[], v: Float64Array) => { const t = allocTensor(dt, dims); writeNumbers(t, v); return t; };
  let yT: Tensor, yhT: Tensor, ycT: Tensor;
  if (layout === 0) {
    yT = out([S, D, Bn, H], Y);
    yhT = out([D, Bn, H], Yh);
    ycT = out([D, Bn, H], Yc);
  } else {
    const y1 = new Float64Array(Y.length);
    for (let t = 0; t < S; t++) for (let d = 0; d < D; d++) for (let b = 0; b < Bn; b++) for (let j = 0; j < H; j++) {
      y1[((b * S + t) * D + d) * H + j] = Y[((t * D + d) * Bn + b) * H + j];
    }
    const tr = (v: Float64Array) => {
      const o = new Float64Array(v.length);
      for (let d = 0; d < D; d++) for (let b = 0; b < Bn; b++) for (let j = 0; j < H; j++) o[(b * D + d) * H + j] = v[(d * Bn + b) * H + j];
      return o;
    };
    yT = out([Bn, S, D, H], y1);
    yhT = out([Bn, D, H], tr(Yh));
    ycT = out([Bn, D, H], tr(Yc));
  }
  return (kind === 'LSTM' ? [yT, yhT, ycT] : [yT, yhT]).slice(0, Math.max(1, ctx.node.outputs.length));
}

export const kernels: KernelTable = {
  RNN: (ctx) => recurrent(ctx, 'RNN'),
  GRU: (ctx) => recurrent(ctx, 'GRU'),
  LSTM: (ctx) => recurrent(ctx, 'LSTM'),
};
