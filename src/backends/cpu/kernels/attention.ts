/** CPU kernels for the 'attention' family: Attention (opset 23/24) and RotaryEmbedding. Float64 math. */
import type { KernelContext, KernelTable } from '../kernel.js';
import { allocTensor, type Tensor } from '../../../tensor/tensor.js';
import { readNumbers, strides, writeNumbers } from '../util.js';
import { flexAttention } from './attention-flex.js';

/** [B, S, H*D] (3-D) or [B, H, S, D] (4-D) -> dense [B, H, S, D] float64. */
function toBHSD(t: Tensor, heads: number | undefined, what: string, ctx: KernelContext): { x: Float64Array; B: number; H: number; S: number; D: number } {
  const v = readNumbers(t);
  if (t.dims.length === 4) {
    const [B, H, S, D] = t.dims;
    return { x: Float64Array.from(v), B, H, S, D };
  }
  if (t.dims.length !== 3) throw ctx.error(`${what} must be 3-D or 4-D, got [${t.dims.join(', ')}]`);
  if (!heads) throw ctx.error(`${what} is 3-D, so the q_num_heads/kv_num_heads attributes are required`);
  const [B, S, HD] = t.dims;
  const H = heads, D = HD / H;
  if (!Number.isInteger(D)) throw ctx.error(`${what} hidden size ${HD} is not a multiple of ${H} heads`);
  const x = new Float64Array(v.length);
  for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) for (let h = 0; h < H; h++) for (let d = 0; d < D; d++) {
    x[((b * H + h) * S + s) * D + d] = v[((b * S + s) * H + h) * D + d];
  }
  return { x, B, H, S, D };
}

/** Concatenates past [B, H, P, D] and new [B, H, S, D] along the sequence axis. */
function concatSeq(past: ArrayLike<number> | undefined, P: number, cur: Float64Array, S: number, B: number, H: number, D: number): Float64Array {
  if (!past || P === 0) return cur;
  const T = P + S;
  const out = new Float64Array(B * H * T * D);
  for (let bh = 0; bh < B * H; bh++) {
    for (let i = 0; i < P * D; i++) out[bh * T * D + i] = past[bh * P * D + i];
    for (let i = 0; i < S * D; i++) out[bh * T * D + P * D + i] = cur[bh * S * D + i];
  }
  return out;
}

function attention(ctx: KernelContext): Tensor[] {
  const Qt = ctx.input(0), Kt = ctx.input(1), Vt = ctx.input(2);
  const maskT = ctx.optionalInput(3), pastK = ctx.optionalInput(4), pastV = ctx.optionalInput(5);
  const nonpadT = ctx.opset >= 24 ? ctx.optionalInput(6) : undefined;
  const a = ctx.attrs;
  const qHeads = a.has('q_num_heads') ? a.int('q_num_heads') : undefined;
  const kvHeads = a.has('kv_num_heads') ? a.int('kv_num_heads') : undefined;
  const isCausal = a.int('is_causal', 0) === 1;
  const softcap = a.float('softcap', 0);
  const mode = a.int('qk_matmul_output_mode', 0);
  const q = toBHSD(Qt, qHeads, 'Q', ctx);
  const k = toBHSD(Kt, kvHeads, 'K', ctx);
  const v = toBHSD(Vt, kvHeads, 'V', ctx);
  const { B, H: Hq, S: Sq, D } = q;
  const Hkv = k.H, Dv = v.D;
  if (Hq % Hkv !== 0) throw ctx.error(`q heads (${Hq}) must be a multiple of kv heads (${Hkv})`);
  const P = pastK ? pastK.dims[2] : 0;
  const T = P + k.S;
  const K = concatSeq(pastK ? readNumbers(pastK) : undefined, P, k.x, k.S, B, Hkv, D);
  const V = concatSeq(pastV ? readNumbers(pastV) : undefined, P, v.x, v.S, B, Hkv, Dv);
  const scale = a.has('scale') ? a.float('scale') : 1 / Math.sqrt(D);
  // mask, broadcast (numpy rules) to [B, Hq, Sq, T], its last dim padded with -inf / false
  let maskAt: ((b: number, h: number, i: number, j: number) => number) | undefined;
  if (maskT) {
    const m = readNumbers(maskT);
    const isBool = maskT.dtype === 'bool';
    const md = [...new Array(4 - maskT.dims.length).fill(1), ...maskT.dims];
    const ms = strides(md).map((s, i) => (md[i] === 1 ? 0 : s));
    const mLast = md[3];
    maskAt = (b, h, i, j) => {
      if (j >= mLast) return -Infinity;
      const val = m[b * ms[0] + h * ms[1] + i * ms[2] + j * ms[3]];
      return isBool ? (val ? 0 : -Infinity) : val;
    };
  }
  const nonpad = nonpadT ? readNumbers(nonpadT) : undefined;
  const offsetOf = (b: number): number => (pastK ? P : nonpad ? nonpad[b] - Sq : 0);
  const Y = new Float64Array(B * Hq * Sq * Dv);
  const qkOut = new Float64Array(B * Hq * Sq * T);
  const s = new Float64Array(T), withBias = new Float64Array(T);
  const reps = Hq / Hkv;
  for (let b = 0; b < B; b++) for (let h = 0; h < Hq; h++) {
    const hk = Math.floor(h / reps);
    const kBase = (b * Hkv + hk) * T;
    for (let i = 0; i < Sq; i++) {
      const qo = ((b * Hq + h) * Sq + i) * D;
      for (let j = 0; j < T; j++) {
        let acc = 0;
        const ko = (kBase + j) * D;
        for (let d = 0; d < D; d++) acc += q.x[qo + d] * K[ko + d];
        let val = acc * scale;
        if (softcap > 0) val = softcap * Math.tanh(val / softcap);
        s[j] = val;
        let bias = maskAt ? maskAt(b, h, i, j) : 0;
        if (isCausal && j > i + offsetOf(b)) bias += -Infinity;
        if (nonpad && j >= nonpad[b]) bias += -Infinity;
        withBias[j] = val + bias;
      }
      // softmax; a fully masked row gives zeros rather than NaN
      let mx = -Infinity;
      for (let j = 0; j < T; j++) if (withBias[j] > mx) mx = withBias[j];
      const row = ((b * Hq + h) * Sq + i) * T;
      if (mode === 0 || mode === 1) for (let j = 0; j < T; j++) qkOut[row + j] = mode === 1 && !(softcap > 0) ? withBias[j] : s[j];
      else if (mode === 2) for (let j = 0; j < T; j++) qkOut[row + j] = withBias[j];
      let sum = 0;
      if (mx === -Infinity) withBias.fill(0);
      else {
        for (let j = 0; j < T; j++) { const e = Math.exp(withBias[j] - mx); withBias[j] = e; sum += e; }
        for (let j = 0; j < T; j++) withBias[j] /= sum;
      }
      if (mode === 3) for (let j = 0; j < T; j++) qkOut[row + j] = withBias[j];
      const yo = ((b * Hq + h) * Sq + i) * Dv;
      for (let j = 0; j < T; j++) {
        const p = withBias[j];
        if (p === 0) continue;
        const vo = (kBase + j) * Dv;
        for (let d = 0; d < Dv; d++) Y[yo + d] += p * V[vo + d];
      }
    }
  }
  let Yt: Tensor;
  if (Qt.dims.length === 3) {
    Yt = allocTensor(Qt.dtype, [B, Sq, Hq * Dv]);
    const y3 = new Float64Array(Y.length);
    for (let b = 0; b < B; b++) for (let h = 0; h < Hq; h++) for (let i = 0; i < Sq; i++) for (let d = 0; d < Dv; d++) {
      y3[((b * Sq + i) * Hq + h) * Dv + d] = Y[((b * Hq + h) * Sq + i) * Dv + d];
    }
    writeNumbers(Yt, y3);
  } else {
    Yt = allocTensor(Qt.dtype, [B, Hq, Sq, Dv]);
    writeNumbers(Yt, Y);
  }
  const presentK = allocTensor(Kt.dtype, [B, Hkv, T, D]);
  writeNumbers(presentK, K);
  const presentV = allocTensor(Vt.dtype, [B, Hkv, T, Dv]);
  writeNumbers(presentV, V);
  const qk = allocTensor(Qt.dtype, [B, Hq, Sq, T]);
  writeNumbers(qk, qkOut);
  return [Yt, presentK, presentV, qk].slice(0, Math.max(1, ctx.node.outputs.length));
}

function rotaryEmbedding(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0);
  const cosT = ctx.input(1), sinT = ctx.input(2), posT = ctx.optionalInput(3);
  const interleaved = ctx.attrs.int('interleaved', 0) === 1;
  const numHeads = ctx.attrs.int('num_heads', 0);
  const x = readNumbers(X);
  let B: number, S: number, H: number, Dh: number;
  let at: (b: number, s: number, h: number, d: number) => number;
  if (X.dims.length === 4) {
    [B, H, S, Dh] = X.dims;
    at = (b, s, h, d) => ((b * H + h) * S + s) * Dh + d;
  } else {
    if (!numHeads) throw ctx.error('3-D input needs the num_heads attribute');
    [B, S] = X.dims;
    H = numHeads;
    Dh = X.dims[2] / H;
    at = (b, s, h, d) => ((b * S + s) * H + h) * Dh + d;
  }
  const rd = ctx.attrs.int('rotary_embedding_dim', 0) || Dh;
  const half = rd / 2;
  const cos = readNumbers(cosT), sin = readNumbers(sinT);
  const pos = posT ? readNumbers(posT) : undefined;
  const y = Float64Array.from(x);
  for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) {
    const row = pos ? pos[posT!.dims.length === 1 ? s : b * S + s] : cosT.dims.length === 3 ? b * S + s : s;
    const co = row * half;
    for (let h = 0; h < H; h++) for (let i = 0; i < half; i++) {
      const i1 = interleaved ? 2 * i : i, i2 = interleaved ? 2 * i + 1 : i + half;
      const x1 = x[at(b, s, h, i1)], x2 = x[at(b, s, h, i2)];
      const c = cos[co + i], sn = sin[co + i];
      y[at(b, s, h, i1)] = c * x1 - sn * x2;
      y[at(b, s, h, i2)] = sn * x1 + c * x2;
    }
  }
  const Y = allocTensor(X.dtype, X.dims);
  writeNumbers(Y, y);
  return [Y];
}

export const kernels: KernelTable = {
  Attention: attention,
  RotaryEmbedding: rotaryEmbedding,
  'ai.onnx.preview::FlexAttention': flexAttention,
};
