/**
 * Gemm | MatMul(A, 2-D constant W) [+ constant bias] [+ activation] -> tensorjet::FusedGemm (GPU pipeline).
 *   MatMul(A, W) + b          FusedGemm(A, W, b)      b: scalar or [N] constant
 *   Gemm(A, B) (no C) + b     FusedGemm(A, B, b)      b: scalar, [N] or [1, N] constant
 *   Gemm|MatMul|FusedGemm -> act (or SiLU)            FusedGemm(activation)
 */
import type { Attribute, Node } from '../ir/graph.js';
import { rulePass, type Rule, type RewriteView } from './rewrite.js';
import { ACTIVATION_ROOTS, activationOf, constant, flt, replacePattern, siluOf, str, useFusedDomain } from './fuse-util.js';
import { FUSED_DOMAIN } from '../ops/fused.js';
import { isFloat } from '../tensor/dtype.js';

const hasAct = (n: Node): boolean => {
  const a = n.attributes.get('activation');
  return !!a && a.type === 'string' && a.value !== '';
};

/** True for MatMul with a 2-D float constant weight. */
function isMatMulConst(view: RewriteView, n: Node): boolean {
  if (n.domain !== '' || n.opType !== 'MatMul') return false;
  const w = constant(view, n.inputs[1]);
  return !!w && w.dims.length === 2 && isFloat(w.dtype);
}

function gemmLike(view: RewriteView, name: string): Node | undefined {
  const p = view.producer(name);
  if (!p) return undefined;
  if ((p.domain === '' && p.opType === 'Gemm') || isMatMulConst(view, p)) return p;
  if (p.domain === FUSED_DOMAIN && p.opType === 'FusedGemm' && !hasAct(p)) return p;
  return undefined;
}

function toFused(view: RewriteView, p: Node, extra: Map<string, Attribute>, output: string, bias?: string): Node {
  const attributes = p.opType === 'MatMul' ? new Map<string, Attribute>() : new Map(p.attributes);
  for (const [k, v] of extra) attributes.set(k, v);
  const inputs = p.opType === 'MatMul' ? [p.inputs[0], p.inputs[1]] : [...p.inputs];
  if (bias !== undefined) inputs[2] = bias;
  return { name: p.name, opType: 'FusedGemm', domain: useFusedDomain(view), inputs, outputs: [output], attributes };
}

const gemmActivation: Rule[] = ACTIVATION_ROOTS.map(({ domain, opType }) => ({
  name: `gemm+${opType}`,
  root: opType,
  domain,
  apply(act, view) {
    const p = gemmLike(view, act.inputs[0]);
    const extra = p && view.onlyReadBy(act.inputs[0], act) ? activationOf(act, view) : undefined;
    if (!p || !extra) return undefined;
    return replacePattern(view, [p, act], toFused(view, p, extra, act.outputs[0]));
  },
}));

const gemmSilu: Rule = {
  name: 'gemm+silu',
  root: 'Mul',
  apply(mul, view) {
    const silu = siluOf(mul, view);
    const p = silu && gemmLike(view, silu.x);
    if (!silu || !p) return undefined;
    return replacePattern(view, [p, silu.sigmoid, mul], toFused(view, p, new Map([['activation', str('SiLU')]]), mul.outputs[0]));
  },
};

const gemmBias: Rule = {
  name: 'gemm+bias',
  root: 'Add',
  apply(add, view) {
    for (const k of [0, 1]) {
      const y = add.inputs[k], b = add.inputs[1 - k];
      const p = view.producer(y);
      const bias = constant(view, b);
      if (!p || !bias || !isFloat(bias.dtype) || !view.onlyReadBy(y, add)) continue;
      const isMatMul = isMatMulConst(view, p);
      const isGemm = p.domain === '' && p.opType === 'Gemm' && !p.inputs[2];
      const isFusedMatMul = p.domain === FUSED_DOMAIN && p.opType === 'FusedGemm' && !p.inputs[2] && !hasAct(p);
      if (!isMatMul && !isGemm && !isFusedMatMul) continue;
      const w = constant(view, p.inputs[1]);
      const transB = p.attributes.get('transB');
      const n = w ? (transB && transB.type === 'int' && transB.value ? w.dims[0] : w.dims[1]) : undefined;
      const okShape =
        bias.data.length === 1 && bias.dims.length <= 1
          ? true
          : n !== undefined && bias.dims[bias.dims.length - 1] === n && (bias.dims.length === 1 || (isGemm && bias.dims.length === 2 && bias.dims[0] === 1));
      if (!okShape) continue;
      // Gemm's C is scaled by beta: a bias added afterwards is C with beta = 1
      const extra = new Map<string, Attribute>(p.opType !== 'MatMul' ? [['beta', flt(1)]] : []);
      return replacePattern(view, [p, add], toFused(view, p, extra, add.outputs[0], b));
    }
    return undefined;
  },
};

export const fuseGemm = rulePass('fuse-gemm', [...gemmActivation, gemmSilu, gemmBias]);
