/**
 * Op family 'attention-variants': recurrent-state sequence mixers.
 * - LinearAttention: per-head matrix state S [Dk, Dv] updated token by token with the 'linear', 'gated',
 *   'delta' or 'gated_delta' (default) rule; o_t = scale * q_t^T S_t. GQA: q head h reads kv head h / (Hq/Hkv).
 * - CausalConvWithState: depthwise causal 1-D convolution over [past_state | input], optional bias and
 *   SiLU, returning the last K-1 input columns as the next state.
 * Both compute in float64 and round once to the input dtype.
 */
import type { KernelContext, KernelTable } from '../kernel.js';
import type { Tensor } from '../../../tensor/tensor.js';
import { checkAllocation } from '../../../tensor/tensor.js';
import { fromNumbers, readNumbers } from '../util.js';

const RULES = ['linear', 'gated', 'delta', 'gated_delta'] as const;

function linearAttention(ctx: KernelContext): Tensor[] {
  const q = ctx.input(0), k = ctx.input(1), v = ctx.input(2);
  const past = ctx.optionalInput(3), decay = ctx.optionalInput(4), beta = ctx.optionalInput(5);
  const rule = ctx.attrs.string('update_rule', 'gated_delta') as (typeof RULES)[number];
  if (!RULES.includes(rule)) throw ctx.attrs.error(`update_rule '${rule}' must be one of ${RULES.join(', ')}`);
  const hq = ctx.attrs.int('q_num_heads'), hkv = ctx.attrs.int('kv_num_heads');
  for (const [name, t] of [['query', q], ['key', k], ['value', v]] as const) if (t.dims.length !== 3) throw ctx.error(`${name} must be 3-D [batch, seq, hidden], got [${t.dims.join(', ')}]`);
  const [B, T] = q.dims;
  if (hq <= 0 || hkv <= 0 || hq % hkv !== 0) throw ctx.attrs.error(`q_num_heads (${hq}) must be a positive multiple of kv_num_heads (${hkv})`);
  if (q.dims[2] % hq || k.dims[2] % hkv || v.dims[2] % hkv) throw ctx.error('hidden sizes must divide evenly by the head counts');
  const dk = q.dims[2] / hq, dv = v.dims[2] / hkv;
  if (k.dims[2] / hkv !== dk) throw ctx.error(`key head size ${k.dims[2] / hkv} differs from query head size ${dk}`);
  for (const t of [k, v]) if (t.dims[0] !== B || t.dims[1] !== T) throw ctx.error('query, key and value must share batch and sequence sizes');
  const gated = rule === 'gated' || rule === 'gated_delta', delta = rule === 'delta' || rule === 'gated_delta';
  if (gated && !decay) throw ctx.error(`update_rule '${rule}' needs the decay input`);
  if (delta && !beta) throw ctx.error(`update_rule '${rule}' needs the beta input`);
  // decay: per key dim [B, T, Hkv*Dk] or per head [B, T, Hkv]; beta: per head [B, T, Hkv] or shared [B, T, 1].
  const decayPer = decay ? decay.dims[2] / hkv : 0;
  if (decay && (decay.dims.length !== 3 || decay.dims[0] !== B || decay.dims[1] !== T || (decayPer !== dk && decayPer !== 1))) throw ctx.error(`decay shape [${decay.dims.join(', ')}] must be [${B}, ${T}, ${hkv * dk}] or [${B}, ${T}, ${hkv}]`);
  const betaHeads = beta ? beta.dims[2] : 0;
  if (beta && (beta.dims.length !== 3 || beta.dims[0] !== B || beta.dims[1] !== T || (betaHeads !== hkv && betaHeads !== 1))) throw ctx.error(`beta shape [${beta.dims.join(', ')}] must be [${B}, ${T}, ${hkv}] or [${B}, ${T}, 1]`);
  const stateDims = [B, hkv, dk, dv];
  if (past && past.dims.join() !== stateDims.join()) throw ctx.error(`past_state shape [${past.dims.join(', ')}] must be [${stateDims.join(', ')}]`);
  const scale = ctx.attrs.has('scale') ? ctx.attrs.float('scale') : 1 / Math.sqrt(dk);
  checkAllocation(q.dtype, [B, T, hq * dv], 'LinearAttention output');

  const Q = readNumbers(q), K = readNumbers(k), V = readNumbers(v);
  const G = decay ? readNumbers(decay) : undefined, Bt = beta ? readNumbers(beta) : undefined;
  const S = past ? Float64Array.from(readNumbers(past)) : new Float64Array(B * hkv * dk * dv);
  const out = new Float64Array(B * T * hq * dv);
  const group = hq / hkv;
  const retrieved = new Float64Array(dv);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const bt = b * T + t;
      for (let h = 0; h < hkv; h++) {
        const s = S.subarray(((b * hkv + h) * dk) * dv, ((b * hkv + h + 1) * dk) * dv);
        const kOff = (bt * hkv + h) * dk, vOff = (bt * hkv + h) * dv;
        if (gated) {
          for (let i = 0; i < dk; i++) {
            const g = Math.exp(G![decayPer === 1 ? bt * hkv + h : (bt * hkv + h) * dk + i]);
            for (let j = 0; j < dv; j++) s[i * dv + j] *= g;
          }
        }
        if (delta) {
          const bb = Bt![betaHeads === 1 ? bt : bt * hkv + h];
          retrieved.fill(0);
          for (let i = 0; i < dk; i++) for (let j = 0; j < dv; j++) retrieved[j] += s[i * dv + j] * K[kOff + i];
          for (let j = 0; j < dv; j++) retrieved[j] = bb * (V[vOff + j] - retrieved[j]);
          for (let i = 0; i < dk; i++) for (let j = 0; j < dv; j++) s[i * dv + j] += K[kOff + i] * retrieved[j];
        } else {
          for (let i = 0; i < dk; i++) for (let j = 0; j < dv; j++) s[i * dv + j] += K[kOff + i] * V[vOff + j];
        }
        for (let hh = h * group; hh < (h + 1) * group; hh++) {
          const qOff = (bt * hq + hh) * dk, oOff = (bt * hq + hh) * dv;
          for (let i = 0; i < dk; i++) {
            const qi = Q[qOff + i] * scale;
            for (let j = 0; j < dv; j++) out[oOff + j] += qi * s[i * dv + j];
          }
        }
      }
    }
  }
  return [fromNumbers(q.dtype, [B, T, hq * dv], out), fromNumbers(q.dtype, stateDims, S)];
}

function causalConvWithState(ctx: KernelContext): Tensor[] {
  const x = ctx.input(0), w = ctx.input(1), bias = ctx.optionalInput(2), past = ctx.optionalInput(3);
  const act = ctx.attrs.string('activation', 'none').toLowerCase();
  if (!['none', 'silu', 'swish'].includes(act)) throw ctx.attrs.error(`activation '${act}' must be none, silu or swish`);
  if (x.dims.length !== 3) throw ctx.error(`input must be 3-D [batch, channels, length], got [${x.dims.join(', ')}]`);
  const [B, C, L] = x.dims;
  if (w.dims.length !== 3 || w.dims[0] !== C || w.dims[1] !== 1) throw ctx.error(`weight must be depthwise [${C}, 1, kernel], got [${w.dims.join(', ')}]`);
  const K = w.dims[2];
  if (K < 1) throw ctx.error('kernel size must be at least 1');
  if (bias && (bias.dims.length !== 1 || bias.dims[0] !== C)) throw ctx.error(`bias must be [${C}], got [${bias.dims.join(', ')}]`);
  const P = K - 1;
  if (past && past.dims.join() !== [B, C, P].join()) throw ctx.error(`past_state must be [${B}, ${C}, ${P}], got [${past.dims.join(', ')}]`);
  checkAllocation(x.dtype, [B, C, L + P], 'CausalConvWithState padded input');
  const X = readNumbers(x), W = readNumbers(w), Bv = bias ? readNumbers(bias) : undefined, S = past ? readNumbers(past) : undefined;
  const out = new Float64Array(B * C * L);
  const state = new Float64Array(B * C * P);
  const padded = new Float64Array(L + P);
  for (let bc = 0; bc < B * C; bc++) {
    const c = bc % C;
    for (let i = 0; i < P; i++) padded[i] = S ? S[bc * P + i] : 0;
    for (let i = 0; i < L; i++) padded[P + i] = X[bc * L + i];
    for (let t = 0; t < L; t++) {
      let acc = Bv ? Bv[c] : 0;
      for (let j = 0; j < K; j++) acc += W[c * K + j] * padded[t + j];
      out[bc * L + t] = act === 'none' ? acc : acc / (1 + Math.exp(-acc));
    }
    for (let i = 0; i < P; i++) state[bc * P + i] = padded[L + i];
  }
  return [fromNumbers(x.dtype, [B, C, L], out), fromNumbers(x.dtype, [B, C, P], state)];
}

export const kernels: KernelTable = {
  LinearAttention: linearAttention,
  CausalConvWithState: causalConvWithState,
};
