/** Einsum: a general (repeated indices, ellipsis, implicit output) sum-of-products over one index space. */
import type { KernelContext } from '../kernel.js';
import { allocTensor, type Tensor } from '../../../tensor/tensor.js';
import { broadcastShapes, readNumbers, strides, writeNumbers } from '../util.js';

export function einsum(ctx: KernelContext): Tensor[] {
  const eq = ctx.attrs.string('equation').replace(/\s/g, '');
  const inputs = ctx.inputs.map((_, i) => ctx.input(i));
  const [lhs, rhsIn] = eq.split('->');
  const terms = lhs.split(',');
  if (terms.length !== inputs.length) throw ctx.error(`equation '${eq}' has ${terms.length} operands but the node has ${inputs.length} inputs`);
  // ellipsis dims become letters from a private range
  let ellRank = 0;
  terms.forEach((t, i) => { if (t.includes('...')) ellRank = Math.max(ellRank, inputs[i].dims.length - (t.length - 3)); });
  const ellLetters = Array.from({ length: ellRank }, (_, i) => String.fromCharCode(0x100 + i));
  const ellShapes: number[][] = [];
  const expand = (t: string, rank: number): string[] => {
    const letters: string[] = [];
    for (let c = 0; c < t.length; c++) {
      if (t.startsWith('...', c)) {
        const n = rank - (t.length - 3);
        letters.push(...ellLetters.slice(ellRank - n));
        c += 2;
      } else letters.push(t[c]);
    }
    return letters;
  };
  const opLetters = terms.map((t, i) => expand(t, inputs[i].dims.length));
  const size = new Map<string, number>();
  opLetters.forEach((ls, i) => {
    if (ls.length !== inputs[i].dims.length) throw ctx.error(`operand ${i} has rank ${inputs[i].dims.length} but '${terms[i]}' names ${ls.length} dims`);
    const ell: number[] = [];
    ls.forEach((l, d) => {
      const s = inputs[i].dims[d];
      if (l.charCodeAt(0) >= 0x100) { ell.push(s); return; }
      const prev = size.get(l);
      if (prev !== undefined && prev !== s && prev !== 1 && s !== 1) throw ctx.error(`index '${l}' has sizes ${prev} and ${s}`);
      size.set(l, Math.max(prev ?? 1, s));
    });
    ellShapes.push(ell);
  });
  const ellDims = broadcastShapes(...ellShapes);
  ellLetters.forEach((l, i) => size.set(l, ellDims[i] ?? 1));
  let outLetters: string[];
  if (rhsIn !== undefined) outLetters = expand(rhsIn, rhsIn.length - (rhsIn.includes('...') ? 3 : 0) + (rhsIn.includes('...') ? ellRank : 0));
  else {
    const counts = new Map<string, number>();
    for (const ls of opLetters) for (const l of ls) if (l.charCodeAt(0) < 0x100) counts.set(l, (counts.get(l) ?? 0) + 1);
    outLetters = [...ellLetters, ...[...counts].filter(([, n]) => n === 1).map(([l]) => l).sort()];
  }
  const all = [...outLetters, ...[...size.keys()].filter((l) => !outLetters.includes(l))];
  const dims = all.map((l) => size.get(l)!);
  const Y = allocTensor(inputs[0].dtype, outLetters.map((l) => size.get(l)!));
  // per operand: stride of each loop index (summed over repeated letters: diagonals), 0 where broadcast
  const opStrides = inputs.map((t, i) => {
    const st = strides(t.dims);
    return all.map((l) => opLetters[i].reduce((acc, ol, d) => acc + (ol === l && t.dims[d] !== 1 ? st[d] : 0), 0));
  });
  const vals = inputs.map((t) => readNumbers(t));
  const y = new Float64Array(Y.data.length);
  const nOut = outLetters.length;
  const total = dims.reduce((a, b) => a * b, 1);
  const ctr = new Array<number>(all.length).fill(0);
  const off = new Array<number>(inputs.length).fill(0);
  const outSt = strides(dims.slice(0, nOut));
  for (let it = 0; it < total; it++) {
    let p = 1;
    for (let i = 0; i < vals.length; i++) p *= vals[i][off[i]];
    let yo = 0;
    for (let d = 0; d < nOut; d++) yo += ctr[d] * outSt[d];
    y[yo] += p;
    for (let d = all.length - 1; d >= 0; d--) {
      ctr[d]++;
      for (let i = 0; i < off.length; i++) off[i] += opStrides[i][d];
      if (ctr[d] < dims[d]) break;
      for (let i = 0; i < off.length; i++) off[i] -= opStrides[i][d] * dims[d];
      ctr[d] = 0;
    }
  }
  writeNumbers(Y, y);
  return [Y];
}
