/** FlexAttention (ai.onnx.preview, v1): scaled dot-product attention with optional score/mask/prob subgraphs. */
import type { KernelContext } from '../kernel.js';
import { allocTensor, type Tensor } from '../../../tensor/tensor.js';
import { isTensor, type Value } from '../../../ir/value.js';
import { readNumbers, writeNumbers } from '../util.js';

/** Runs a single-input, single-output modifier subgraph over a [B, H, L, S] tensor. */
function applyMod(ctx: KernelContext, name: string, values: Float64Array, dims: number[], dtype: Tensor['dtype']): Float64Array {
  const g = ctx.attrs.optional(name);
  if (!g || g.type !== 'graph') return values;
  const input = allocTensor(dtype, dims);
  writeNumbers(input, values);
  const out = ctx.runSubgraph(g.value, new Map<string, Value>([[g.value.inputs[0].name, input]]))[0];
  if (!isTensor(out) || out.data.length !== values.length) throw ctx.error(`${name} must return a tensor of shape [${dims.join(', ')}]`);
  return Float64Array.from(readNumbers(out));
}

export function flexAttention(ctx: KernelContext): Tensor[] {
  const Qt = ctx.input(0), Kt = ctx.input(1), Vt = ctx.input(2);
  if (Qt.dims.length !== 4 || Kt.dims.length !== 4 || Vt.dims.length !== 4) throw ctx.error('Q, K and V must be 4-D');
  const [B, Hq, L, D] = Qt.dims;
  const [, Hkv, S] = Kt.dims;
  const Dv = Vt.dims[3];
  if (Hq % Hkv !== 0) throw ctx.error(`q heads (${Hq}) must be a multiple of kv heads (${Hkv})`);
  const reps = Hq / Hkv;
  const scale = ctx.attrs.has('scale') ? ctx.attrs.float('scale') : 1 / Math.sqrt(D);
  const q = readNumbers(Qt), k = readNumbers(Kt), v = readNumbers(Vt);
  const dims = [B, Hq, L, S];
  let s: Float64Array = new Float64Array(B * Hq * L * S);
  for (let b = 0; b < B; b++) for (let h = 0; h < Hq; h++) {
    const kh = (b * Hkv + Math.floor(h / reps)) * S;
    for (let i = 0; i < L; i++) {
      const qo = ((b * Hq + h) * L + i) * D;
      for (let j = 0; j < S; j++) {
        let acc = 0;
        const ko = (kh + j) * D;
        for (let d = 0; d < D; d++) acc += q[qo + d] * k[ko + d];
        s[((b * Hq + h) * L + i) * S + j] = acc * scale;
      }
    }
  }
  const dt = Qt.dtype;
  s = applyMod(ctx, 'score_mod', s, dims, dt);
  s = applyMod(ctx, 'mask_mod', s, dims, dt);
  for (let r = 0; r < B * Hq * L; r++) {
    let mx = -Infinity;
    for (let j = 0; j < S; j++) mx = Math.max(mx, s[r * S + j]);
    if (mx === -Infinity) { s.fill(0, r * S, (r + 1) * S); continue; }
    let sum = 0;
    for (let j = 0; j < S; j++) { const e = Math.exp(s[r * S + j] - mx); s[r * S + j] = e; sum += e; }
    for (let j = 0; j < S; j++) s[r * S + j] /= sum;
  }
  s = applyMod(ctx, 'prob_mod', s, dims, dt);
  const y = new Float64Array(B * Hq * L * Dv);
  for (let b = 0; b < B; b++) for (let h = 0; h < Hq; h++) {
    const vh = (b * Hkv + Math.floor(h / reps)) * S;
    for (let i = 0; i < L; i++) {
      const row = ((b * Hq + h) * L + i);
      for (let j = 0; j < S; j++) {
        const p = s[row * S + j];
        if (p === 0) continue;
        for (let d = 0; d < Dv; d++) y[row * Dv + d] += p * v[(vh + j) * Dv + d];
      }
    }
  }
  const Y = allocTensor(Vt.dtype, [B, Hq, L, Dv]);
  writeNumbers(Y, y);
  return [Y];
}
