/**
 * Arithmetic binary ops: Add Sub Mul Div Pow Mod, variadic Sum Mean Max Min. float32 has tight loops for
 * same-shape, scalar and trailing-row broadcasting; integers wrap like C; int64/uint64 are exact (BigInt).
 */
import { isBigInt, isFloat, isInteger, type DType } from '../../../../tensor/dtype.js';
import { allocTensor, numel, sameDims, type Tensor } from '../../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../../kernel.js';
import { broadcastShapes } from '../../util.js';
import { binaryMap, nums, type BigFn, type NumFn } from './common.js';

type ArithOp = 'add' | 'sub' | 'mul' | 'div';

/** float32 fast path; returns undefined when the broadcast pattern is not a simple one. */
function arithF32(op: ArithOp, a: Tensor, b: Tensor): Tensor | undefined {
  const outDims = broadcastShapes(a.dims, b.dims);
  const A = a.data as Float32Array;
  const B = b.data as Float32Array;
  const n = numel(outDims);
  let mode: 'same' | 'bscalar' | 'ascalar' | 'brow' | 'bblock' | undefined;
  let inner = 1;
  if (sameDims(a.dims, outDims) && sameDims(b.dims, outDims)) mode = 'same';
  else if (sameDims(a.dims, outDims) && B.length === 1) mode = 'bscalar';
  else if (sameDims(b.dims, outDims) && A.length === 1) mode = 'ascalar';
  else if (sameDims(a.dims, outDims) && B.length > 0 && n % B.length === 0 && isTrailing(b.dims, outDims)) mode = 'brow';
  else if (sameDims(a.dims, outDims) && B.length > 0 && (inner = blockInner(b.dims, outDims)) > 0) mode = 'bblock';
  else if ((op === 'add' || op === 'mul') && sameDims(b.dims, outDims) && !sameDims(a.dims, outDims)) return arithF32(op, b, a);
  if (!mode) return undefined;
  const out = allocTensor('float32', outDims);
  const O = out.data as Float32Array;
  if (mode === 'ascalar') {
    const s = A[0];
    switch (op) {
      case 'add': for (let i = 0; i < n; i++) O[i] = s + B[i]; break;
      case 'sub': for (let i = 0; i < n; i++) O[i] = s - B[i]; break;
      case 'mul': for (let i = 0; i < n; i++) O[i] = s * B[i]; break;
      case 'div': for (let i = 0; i < n; i++) O[i] = s / B[i]; break;
    }
    return out;
  }
  if (mode === 'bscalar') {
    const s = B[0];
    switch (op) {
      case 'add': for (let i = 0; i < n; i++) O[i] = A[i] + s; break;
      case 'sub': for (let i = 0; i < n; i++) O[i] = A[i] - s; break;
      case 'mul': for (let i = 0; i < n; i++) O[i] = A[i] * s; break;
      case 'div': for (let i = 0; i < n; i++) O[i] = A[i] / s; break;
    }
    return out;
  }
  if (mode === 'same') {
    switch (op) {
      case 'add': for (let i = 0; i < n; i++) O[i] = A[i] + B[i]; break;
      case 'sub': for (let i = 0; i < n; i++) O[i] = A[i] - B[i]; break;
      case 'mul': for (let i = 0; i < n; i++) O[i] = A[i] * B[i]; break;
      case 'div': for (let i = 0; i < n; i++) O[i] = A[i] / B[i]; break;
    }
    return out;
  }
  const m = B.length;
  if (mode === 'bblock') {
    // b varies along one contiguous block of dims: b index = floor(i / inner) % m
    for (let base = 0; base < n; base += m * inner) {
      for (let j = 0; j < m; j++) {
        const s = B[j];
        const st = base + j * inner;
        const end = st + inner;
        switch (op) {
          case 'add': for (let i = st; i < end; i++) O[i] = A[i] + s; break;
          case 'sub': for (let i = st; i < end; i++) O[i] = A[i] - s; break;
          case 'mul': for (let i = st; i < end; i++) O[i] = A[i] * s; break;
          case 'div': for (let i = st; i < end; i++) O[i] = A[i] / s; break;
        }
      }
    }
    return out;
  }
  for (let base = 0; base < n; base += m) {
    switch (op) {
      case 'add': for (let j = 0; j < m; j++) O[base + j] = A[base + j] + B[j]; break;
      case 'sub': for (let j = 0; j < m; j++) O[base + j] = A[base + j] - B[j]; break;
      case 'mul': for (let j = 0; j < m; j++) O[base + j] = A[base + j] * B[j]; break;
      case 'div': for (let j = 0; j < m; j++) O[base + j] = A[base + j] / B[j]; break;
    }
  }
  return out;
}

/**
 * When b (right-aligned to out) is 1 everywhere except one contiguous run of dims equal to out's,
 * returns the element count after that run (e.g. a [C,1,1] bias over [N,C,H,W] gives H*W); else 0.
 */
function blockInner(b: readonly number[], out: readonly number[]): number {
  const off = out.length - b.length;
  let first = -1;
  let last = -1;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 1) continue;
    if (b[i] !== out[off + i]) return 0;
    if (first < 0) first = i;
    else if (last !== i - 1) return 0;
    last = i;
  }
  if (first < 0) return 0;
  let inner = 1;
  for (let i = off + last + 1; i < out.length; i++) inner *= out[i];
  return inner;
}

/** b's dims (after dropping leading 1s) equal the trailing dims of out. */
function isTrailing(b: readonly number[], out: readonly number[]): boolean {
  let k = 0;
  while (k < b.length && b[k] === 1) k++;
  const t = b.slice(k);
  return t.length <= out.length && t.every((d, i) => d === out[out.length - t.length + i]);
}

const idiv = (a: number, b: number): number => (b === 0 ? 0 : Math.trunc(a / b));
const bdiv = (a: bigint, b: bigint): bigint => (b === 0n ? 0n : a / b);

function checkSameType(ctx: KernelContext, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) throw ctx.error(`input dtypes differ (${a.dtype} and ${b.dtype})`);
}

function arith(op: ArithOp, num: NumFn, intNum: NumFn, big: BigFn) {
  return (ctx: KernelContext) => {
    const a = ctx.input(0);
    const b = ctx.input(1);
    checkSameType(ctx, a, b);
    if (a.dtype === 'float32') {
      const r = arithF32(op, a, b);
      if (r) return [r];
    }
    return [binaryMap(a, b, isInteger(a.dtype) ? intNum : num, big)];
  };
}

/** int32/uint32 products need Math.imul to stay exact modulo 2^32. */
const imulFor = (d: DType): NumFn => (d === 'int32' || d === 'uint32' ? (a, b) => Math.imul(a, b) : (a, b) => a * b);

function powNum(dtype: DType): NumFn {
  if (isFloat(dtype)) return (a, b) => Math.pow(a, b);
  return (a, b) => {
    const r = Math.pow(a, b);
    return Number.isFinite(r) ? Math.trunc(r) : 0;
  };
}

function pow(ctx: KernelContext) {
  const a = ctx.input(0);
  const b = ctx.input(1);
  if (isBigInt(a.dtype)) {
    // exact integer power for int64 bases; non-integer exponents go through float64
    const B = isBigInt(b.dtype) ? b : undefined;
    const bigPow: BigFn = (x, y) => (y >= 0n ? x ** y : y === -1n ? (x === 1n || x === -1n ? x : 0n) : x === 1n ? 1n : 0n);
    if (B) return [binaryMap(a, b, () => 0, bigPow)];
    const bConv: Tensor = { dtype: 'int64', dims: b.dims, data: BigInt64Array.from(Array.from(nums(b)), (v) => BigInt(Number.isFinite(v) ? Math.trunc(v) : 0)) };
    return [binaryMap(a, bConv, () => 0, bigPow)];
  }
  return [binaryMap(a, b, powNum(a.dtype), undefined, a.dtype)];
}

function mod(ctx: KernelContext) {
  const a = ctx.input(0);
  const b = ctx.input(1);
  checkSameType(ctx, a, b);
  const fmod = ctx.attrs.int('fmod', 0);
  if (fmod === 1) {
    return [binaryMap(a, b, (x, y) => (isInteger(a.dtype) && y === 0 ? 0 : x % y), (x, y) => (y === 0n ? 0n : x % y))];
  }
  if (isFloat(a.dtype)) {
    // Python-style modulo (numpy.mod): result takes the divisor's sign
    return [binaryMap(a, b, (x, y) => { const r = x % y; return r !== 0 && (r < 0) !== (y < 0) ? r + y : r; }, undefined)];
  }
  const num: NumFn = (x, y) => {
    if (y === 0) return 0;
    const r = x % y;
    return r !== 0 && (r < 0) !== (y < 0) ? r + y : r;
  };
  const big: BigFn = (x, y) => {
    if (y === 0n) return 0n;
    const r = x % y;
    return r !== 0n && (r < 0n) !== (y < 0n) ? r + y : r;
  };
  return [binaryMap(a, b, num, big)];
}

/** Folds a variadic op over all inputs pairwise (broadcasting). */
function variadic(name: string, pair: (ctx: KernelContext, a: Tensor, b: Tensor) => Tensor) {
  return (ctx: KernelContext) => {
    const ins: Tensor[] = [];
    for (let i = 0; i < ctx.inputCount; i++) {
      const t = ctx.optionalInput(i);
      if (t) ins.push(t);
    }
    if (ins.length === 0) throw ctx.error(`${name} needs at least one input`);
    let acc = ins[0];
    if (ins.length === 1) {
      const out = allocTensor(acc.dtype, acc.dims);
      (out.data as Float32Array).set(acc.data as Float32Array);
      acc = out;
    }
    for (let i = 1; i < ins.length; i++) acc = pair(ctx, acc, ins[i]);
    return acc;
  };
}

const addPair = (ctx: KernelContext, a: Tensor, b: Tensor): Tensor => {
  checkSameType(ctx, a, b);
  return (a.dtype === 'float32' && arithF32('add', a, b)) || binaryMap(a, b, (x, y) => x + y, (x, y) => x + y);
};
const maxPair = (ctx: KernelContext, a: Tensor, b: Tensor): Tensor => {
  checkSameType(ctx, a, b);
  return binaryMap(a, b, (x, y) => (x !== x || y !== y ? NaN : x >= y ? x : y), (x, y) => (x >= y ? x : y));
};
const minPair = (ctx: KernelContext, a: Tensor, b: Tensor): Tensor => {
  checkSameType(ctx, a, b);
  return binaryMap(a, b, (x, y) => (x !== x || y !== y ? NaN : x <= y ? x : y), (x, y) => (x <= y ? x : y));
};

const sumK = variadic('Sum', addPair);

export const arithKernels: KernelTable = {
  Add: arith('add', (a, b) => a + b, (a, b) => a + b, (a, b) => a + b),
  Sub: arith('sub', (a, b) => a - b, (a, b) => a - b, (a, b) => a - b),
  Mul: (ctx) => arith('mul', (x, y) => x * y, imulFor(ctx.input(0).dtype), (x, y) => x * y)(ctx),
  Div: arith('div', (a, b) => a / b, idiv, bdiv),
  Pow: pow,
  Mod: mod,
  Sum: (ctx) => [sumK(ctx)],
  Mean: (ctx) => {
    const s = sumK(ctx);
    const k = ctx.inputs.filter((v) => v !== undefined).length;
    const one: Tensor = { dtype: s.dtype, dims: [], data: new Float32Array([k]) };
    if (s.dtype === 'float32') return [arithF32('div', s, one) as Tensor];
    return [binaryMap(s, { dtype: 'float64', dims: [], data: new Float64Array([k]) }, (x, y) => x / y, undefined, s.dtype)];
  },
  Max: (ctx) => [variadic('Max', maxPair)(ctx)],
  Min: (ctx) => [variadic('Min', minPair)(ctx)],
};
