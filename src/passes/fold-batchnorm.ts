/**
 * Folds an inference-mode BatchNormalization into the Conv or Gemm before it:
 *   y = s * (x - mean) + beta with s = gamma / sqrt(var + eps) becomes new weights W * s and bias
 *   (b - mean) * s + beta. Only float32/float64 constant parameters; weights are copied, never mutated.
 */
import type { Node } from '../ir/graph.js';
import { AttributeReader } from '../ir/attributes.js';
import { readNumbers, fromNumbers } from '../backends/cpu/util.js';
import type { Tensor } from '../tensor/tensor.js';
import { rulePass, type Rule, type RewriteView } from './rewrite.js';

interface BnParams {
  scale: Float64Array;
  shift: Float64Array;
}

function bnParams(bn: Node, view: RewriteView, channels: number): BnParams | undefined {
  if (bn.outputs.length > 1 && bn.outputs.slice(1).some(Boolean)) return undefined; // training outputs
  const attrs = new AttributeReader(bn);
  if (attrs.has('training_mode') && attrs.int('training_mode') !== 0) return undefined;
  const [gamma, beta, mean, variance] = bn.inputs.slice(1, 5).map((n) => view.graph.constants.get(n));
  if (!gamma || !beta || !mean || !variance) return undefined;
  if (![gamma, beta, mean, variance].every((t) => isFloat32or64(t) && t.data.length === channels)) return undefined;
  const eps = attrs.float('epsilon', 1e-5);
  const g = readNumbers(gamma), b = readNumbers(beta), m = readNumbers(mean), v = readNumbers(variance);
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = g[c] / Math.sqrt(v[c] + eps);
    shift[c] = b[c] - m[c] * scale[c];
  }
  return { scale, shift };
}

const isFloat32or64 = (t: Tensor) => t.dtype === 'float32' || t.dtype === 'float64';

function addConstant(view: RewriteView, base: string, t: Tensor): string {
  let name = `${base}_bnfolded`;
  for (let i = 1; view.graph.constants.has(name); i++) name = `${base}_bnfolded${i}`;
  view.graph.constants.set(name, t);
  return name;
}

const convBn: Rule = {
  name: 'conv+batchnorm',
  root: 'BatchNormalization',
  apply(bn, view) {
    const conv = view.producer(bn.inputs[0]);
    if (!conv || conv.opType !== 'Conv' || conv.domain !== '' || !view.onlyReadBy(conv.outputs[0], bn)) return undefined;
    const w = view.graph.constants.get(conv.inputs[1]);
    const bias = conv.inputs[2] ? view.graph.constants.get(conv.inputs[2]) : undefined;
    if (!w || !isFloat32or64(w) || (conv.inputs[2] && !bias)) return undefined;
    const oc = w.dims[0];
    const p = bnParams(bn, view, oc);
    if (!p) return undefined;
    const wv = readNumbers(w);
    const per = wv.length / oc;
    const nw = new Float64Array(wv.length);
    for (let c = 0; c < oc; c++) for (let i = 0; i < per; i++) nw[c * per + i] = wv[c * per + i] * p.scale[c];
    const bv = bias ? readNumbers(bias) : new Float64Array(oc);
    const nb = new Float64Array(oc);
    for (let c = 0; c < oc; c++) nb[c] = bv[c] * p.scale[c] + p.shift[c];
    const fused: Node = {
      ...conv,
      name: conv.name,
      inputs: [conv.inputs[0], addConstant(view, conv.inputs[1], fromNumbers(w.dtype, w.dims, nw)), addConstant(view, conv.inputs[2] || `${conv.name}_bias`, fromNumbers(w.dtype, [oc], nb))],
      outputs: [bn.outputs[0]],
    };
    return { remove: [conv, bn], insert: [fused] };
  },
};

const gemmBn: Rule = {
  name: 'gemm+batchnorm',
  root: 'BatchNormalization',
  apply(bn, view) {
    const gemm = view.producer(bn.inputs[0]);
    if (!gemm || gemm.opType !== 'Gemm' || gemm.domain !== '' || !view.onlyReadBy(gemm.outputs[0], bn)) return undefined;
    const attrs = new AttributeReader(gemm);
    const transB = attrs.int('transB', 0);
    const beta = attrs.float('beta', 1);
    const w = view.graph.constants.get(gemm.inputs[1]);
    const c = gemm.inputs[2] ? view.graph.constants.get(gemm.inputs[2]) : undefined;
    if (!w || !isFloat32or64(w) || w.dims.length !== 2 || (gemm.inputs[2] && !c)) return undefined;
    const n = transB ? w.dims[0] : w.dims[1];
    const k = transB ? w.dims[1] : w.dims[0];
    // C must broadcast along rows: scalar, [N] or [1, N].
    if (c && !(c.data.length === 1 || (c.data.length === n && c.dims[c.dims.length - 1] === n))) return undefined;
    const p = bnParams(bn, view, n);
    if (!p) return undefined;
    const wv = readNumbers(w);
    const nw = new Float64Array(wv.length);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < n; j++) {
        const idx = transB ? j * k + i : i * n + j;
        nw[idx] = wv[idx] * p.scale[j];
      }
    }
    const cv = c ? readNumbers(c) : undefined;
    const nc = new Float64Array(n);
    for (let j = 0; j < n; j++) nc[j] = (cv ? beta * cv[cv.length === 1 ? 0 : j] : 0) * p.scale[j] + p.shift[j];
    const attributes = new Map(gemm.attributes);
    attributes.set('beta', { type: 'float', value: 1 });
    const fused: Node = {
      ...gemm,
      attributes,
      inputs: [gemm.inputs[0], addConstant(view, gemm.inputs[1], fromNumbers(w.dtype, w.dims, nw)), addConstant(view, gemm.inputs[2] || `${gemm.name}_bias`, fromNumbers(w.dtype, [n], nc))],
      outputs: [bn.outputs[0]],
    };
    return { remove: [gemm, bn], insert: [fused] };
  },
};

export const foldBatchNorm = rulePass('fold-batchnorm', [convBn, gemmBn]);
