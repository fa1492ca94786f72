/**
 * Scaled dot-product attention -> tensorjet::FusedAttention (GPU pipeline):
 *   MatMul(Softmax(MatMul(Q, K^T) [/ c | * c] [+ mask], axis=-1), V)
 * K^T is either a Transpose of K swapping its last two axes (absorbed: transpose_k = 1) or any value
 * (transpose_k = 0). The scale must be a constant scalar; Softmax must be over the last axis (opset >= 13).
 */
import type { Node } from '../ir/graph.js';
import { rulePass, type Rule } from './rewrite.js';
import { constScalar, defaultOpset, flt, int, replacePattern, soleProducer, useFusedDomain } from './fuse-util.js';

const isLastTwoSwap = (perm: number[]): boolean => {
  const r = perm.length;
  return r >= 2 && perm.every((p, i) => (i < r - 2 ? p === i : i === r - 2 ? p === r - 1 : p === r - 2));
};

const attention: Rule = {
  name: 'attention',
  root: 'MatMul',
  apply(out, view) {
    if (defaultOpset(view) < 13) return undefined;
    const softmax = soleProducer(view, out.inputs[0], out, 'Softmax');
    if (!softmax) return undefined;
    const axis = softmax.attributes.get('axis');
    if (axis && !(axis.type === 'int' && axis.value === -1)) return undefined;
    const nodes: Node[] = [softmax, out];
    let cur = softmax.inputs[0];
    let reader = softmax;
    let mask = '';
    const add = soleProducer(view, cur, reader, 'Add');
    if (add) {
      // the scores side is the one that leads to the QK MatMul
      const k = [0, 1].find((i) => {
        const p = view.producer(add.inputs[i]);
        return !!p && p.domain === '' && ['Div', 'Mul', 'MatMul'].includes(p.opType);
      });
      if (k === undefined) return undefined;
      mask = add.inputs[1 - k];
      cur = add.inputs[k];
      reader = add;
      nodes.push(add);
    }
    let scale = 1;
    const sc = soleProducer(view, cur, reader, 'Div', 'Mul');
    if (sc) {
      const k = sc.opType === 'Div' ? 0 : [0, 1].find((i) => constScalar(view, sc.inputs[1 - i]) !== undefined);
      const c = k === undefined ? undefined : constScalar(view, sc.inputs[1 - k]);
      if (k === undefined || c === undefined || c === 0) return undefined;
      scale = sc.opType === 'Div' ? 1 / c : c;
      cur = sc.inputs[k];
      reader = sc;
      nodes.push(sc);
    }
    const qk = soleProducer(view, cur, reader, 'MatMul');
    if (!qk) return undefined;
    nodes.push(qk);
    let k = qk.inputs[1];
    let transposeK = 0;
    const tr = soleProducer(view, k, qk, 'Transpose');
    const perm = tr?.attributes.get('perm');
    if (tr && perm && perm.type === 'ints' && isLastTwoSwap(perm.value)) {
      k = tr.inputs[0];
      transposeK = 1;
      nodes.push(tr);
    }
    const attributes = new Map([
      ['scale', flt(scale)],
      ['transpose_k', int(transposeK)],
      ['has_mask', int(mask ? 1 : 0)],
    ]);
    const inputs = [qk.inputs[0], k, out.inputs[1], ...(mask ? [mask] : [])];
    const fused: Node = { name: out.name, opType: 'FusedAttention', domain: useFusedDomain(view), inputs, outputs: [out.outputs[0]], attributes };
    return replacePattern(view, nodes, fused);
  },
};

export const fuseAttention = rulePass('fuse-attention', [attention]);
