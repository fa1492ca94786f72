/**
 * Scaled dot-product attention -> tensorjet::FusedAttention (GPU pipeline):
 *   MatMul(Softmax(MatMul(Q, K^T) [/ c | * c] [+ mask], axis=-1), V)
 * K^T is either a Transpose of K swapping its last two axes (absorbed: transpose_k = 1) or any value
 * (transpose_k = 0). The scale must be a constant scalar; Softmax must be over the last axis (opset >= 13).
 * The head split/merge Transposes of rank-4 attention are absorbed (attribute bshd) when nothing else
 * reads their results: Transpose(0,2,1,3) into Q, into V and after the output; into K either followed by
 * the last-two swap or merged with it as Transpose(0,2,3,1).
 */
import type { Node } from '../ir/graph.js';
import { rulePass, type Rule } from './rewrite.js';
import { constScalar, defaultOpset, flt, int, replacePattern, soleProducer, useFusedDomain } from './fuse-util.js';

const isLastTwoSwap = (perm: number[]): boolean => {
  const r = perm.length;
  return r >= 2 && perm.every((p, i) => (i < r - 2 ? p === i : i === r - 2 ? p === r - 1 : p === r - 2));
};

const samePerm = (n: Node | undefined, perm: number[]): boolean => {
  const p = n?.attributes.get('perm');
  return !!p && p.type === 'ints' && p.value.length === perm.length && p.value.every((x, i) => x === perm[i]);
};
const HEADS = [0, 2, 1, 3]; // [B, S, H, D] <-> [B, H, S, D]

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
    let bshd = 0;
    const tr = soleProducer(view, k, qk, 'Transpose');
    const perm = tr?.attributes.get('perm');
    if (tr && perm && perm.type === 'ints' && isLastTwoSwap(perm.value)) {
      k = tr.inputs[0];
      transposeK = 1;
      nodes.push(tr);
      const heads = soleProducer(view, k, tr, 'Transpose');
      if (samePerm(heads, HEADS)) {
        k = heads!.inputs[0];
        bshd |= 2;
        nodes.push(heads!);
      }
    } else if (tr && samePerm(tr, [0, 2, 3, 1])) {
      k = tr.inputs[0];
      transposeK = 1;
      bshd |= 2;
      nodes.push(tr);
    }
    // Q, V and the output: Transpose(0,2,1,3) read only by the pattern
    let q = qk.inputs[0];
    const tq = soleProducer(view, q, qk, 'Transpose');
    if (samePerm(tq, HEADS)) {
      q = tq!.inputs[0];
      bshd |= 1;
      nodes.push(tq!);
    }
    let v = out.inputs[1];
    const tv = soleProducer(view, v, out, 'Transpose');
    if (samePerm(tv, HEADS)) {
      v = tv!.inputs[0];
      bshd |= 4;
      nodes.push(tv!);
    }
    let y = out.outputs[0];
    const readers = view.readers(y);
    const ty = readers.length === 1 && readers[0].opType === 'Transpose' && readers[0].domain === '' ? readers[0] : undefined;
    if (ty && view.onlyReadBy(y, ty) && samePerm(ty, HEADS)) {
      y = ty.outputs[0];
      bshd |= 8;
      nodes.push(ty);
    }
    const attributes = new Map([
      ['scale', flt(scale)],
      ['transpose_k', int(transposeK)],
      ['has_mask', int(mask ? 1 : 0)],
      ...(bshd ? [['bshd', int(bshd)] as const] : []),
    ]);
    const inputs = [q, k, v, ...(mask ? [mask] : [])];
    const fused: Node = { name: out.name, opType: 'FusedAttention', domain: useFusedDomain(view), inputs, outputs: [y], attributes };
    return replacePattern(view, nodes, fused);
  },
};

export const fuseAttention = rulePass('fuse-attention', [attention]);
