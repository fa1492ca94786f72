/** Op family 'matmul': MatMul, Gemm, Einsum, Det: shape inference. */
import { TensorJetError } from '../errors.js';
import type { Dim } from '../ir/graph.js';
import type { InferContext, OpSchema, ValueMeta } from './schema.js';

/** Broadcast of symbolic batch dims (1 stretches; equal symbols match; otherwise the numeric one wins). */
export function broadcastDims(a: readonly Dim[], b: readonly Dim[], where: string): Dim[] {
  const r = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x === 1) out.push(y);
    else if (y === 1 || x === y) out.push(x);
    else if (typeof x === 'number' && typeof y === 'number') throw new TensorJetError('E_SHAPE', `${where}: dims ${x} and ${y} cannot be broadcast`);
    else out.push(typeof x === 'number' ? x : y);
  }
  return out;
}

/** MatMul output shape (numpy semantics, 1-D operands promoted then squeezed). */
export function matmulShape(a: readonly Dim[], b: readonly Dim[], where: string): Dim[] {
  if (a.length === 0 || b.length === 0) throw new TensorJetError('E_SHAPE', `${where}: MatMul operands must not be scalars`);
  const A = a.length === 1 ? [1, a[0]] : [...a];
  const B = b.length === 1 ? [b[0], 1] : [...b];
  const k1 = A[A.length - 1], k2 = B[B.length - 2];
  if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) {
    throw new TensorJetError('E_SHAPE', `${where}: inner dims differ ([${a.join(', ')}] x [${b.join(', ')}])`);
  }
  const batch = broadcastDims(A.slice(0, -2), B.slice(0, -2), where);
  const out = [...batch];
  if (a.length > 1) out.push(A[A.length - 2]);
  if (b.length > 1) out.push(B[B.length - 1]);
  return out;
}

function matmulInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const a = ctx.inputs[0], b = ctx.inputs[1];
  if (!a) return [undefined];
  if (!a.shape || !b?.shape) return [{ dtype: a.dtype }];
  return [{ dtype: a.dtype, shape: matmulShape(a.shape, b.shape, `node '${ctx.node.name}'`) }];
}

function gemmInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const a = ctx.inputs[0], b = ctx.inputs[1];
  if (!a) return [undefined];
  if (!a.shape || !b?.shape) return [{ dtype: a.dtype }];
  const m = ctx.attrs.int('transA', 0) ? a.shape[1] : a.shape[0];
  const n = ctx.attrs.int('transB', 0) ? b.shape[0] : b.shape[1];
  return [{ dtype: a.dtype, shape: [m, n] }];
}

/** Einsum output shape from the equation (explicit or implicit output). */
function einsumInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  if (!x) return [undefined];
  if (ctx.inputs.some((m) => !m?.shape)) return [{ dtype: x.dtype }];
  const eq = ctx.attrs.string('equation').replace(/\s/g, '');
  const [lhs, rhs] = eq.split('->');
  const terms = lhs.split(',');
  const sizes = new Map<string, Dim>();
  let ell: Dim[] = [];
  terms.forEach((term, i) => {
    const shape = ctx.inputs[i]!.shape!;
    const letters = term.replace('...', '');
    const nEll = shape.length - letters.length;
    let d = 0;
    for (let c = 0; c < term.length; c++) {
      if (term.startsWith('...', c)) {
        const part = shape.slice(d, d + nEll);
        ell = ell.length >= part.length ? ell : broadcastDims(ell, part, `node '${ctx.node.name}'`);
        d += nEll;
        c += 2;
      } else sizes.set(term[c], shape[d++]);
    }
  });
  let out: string;
  if (rhs !== undefined) out = rhs;
  else {
    const counts = new Map<string, number>();
    for (const ch of lhs.replace(/\.\.\.|,/g, '')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    out = (lhs.includes('...') ? '...' : '') + [...counts].filter(([, n]) => n === 1).map(([c]) => c).sort().join('');
  }
  const shape: Dim[] = [];
  for (let c = 0; c < out.length; c++) {
    if (out.startsWith('...', c)) { shape.push(...ell); c += 2; } else shape.push(sizes.get(out[c]) ?? 1);
  }
  return [{ dtype: x.dtype, shape }];
}

function detInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  if (!x) return [undefined];
  return [{ dtype: x.dtype, shape: x.shape?.slice(0, -2) }];
}

export const schemas: OpSchema[] = [
  { opType: 'MatMul', infer: matmulInfer },
  { opType: 'Gemm', infer: gemmInfer },
  { opType: 'Einsum', infer: einsumInfer },
  { opType: 'Det', infer: detInfer },
];
