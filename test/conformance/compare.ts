/** Output comparison for conformance cases: upstream tolerances, exact for integers, NaN must match NaN. */
import type { Value } from '../../src/ir/value.js';
import { isOptional, isSequence, isTensor } from '../../src/ir/value.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { isFloat } from '../../src/tensor/dtype.js';
import { readNumbers } from '../../src/backends/cpu/util.js';

export interface Tolerance {
  rtol: number;
  atol: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-7 };

/** Returns undefined when equal within tolerance, else a one-line description of the first mismatch. */
export function compareValues(actual: Value | undefined, expected: Value, tol: Tolerance, where = 'output'): string | undefined {
  if (actual === undefined) return `${where}: missing`;
  if (isSequence(expected)) {
    if (!isSequence(actual)) return `${where}: expected a sequence`;
    if (actual.items.length !== expected.items.length) return `${where}: sequence length ${actual.items.length} != ${expected.items.length}`;
    for (let i = 0; i < expected.items.length; i++) {
      const m = compareValues(actual.items[i], expected.items[i], tol, `${where}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  if (isOptional(expected)) {
    const inner = isOptional(actual) ? actual.value : actual;
    if (expected.value === null) return inner === null ? undefined : `${where}: expected an empty optional`;
    if (inner === null) return `${where}: expected a value, got an empty optional`;
    return compareValues(inner, expected.value, tol, where);
  }
  if (isOptional(actual)) return actual.value === null ? `${where}: got an empty optional` : compareValues(actual.value, expected, tol, where);
  if (!isTensor(actual)) return `${where}: expected a tensor`;
  return compareTensors(actual, expected as Tensor, tol, where);
}

function compareTensors(a: Tensor, e: Tensor, tol: Tolerance, where: string): string | undefined {
  if (a.dtype !== e.dtype) return `${where}: dtype ${a.dtype} != expected ${e.dtype}`;
  if (a.dims.length !== e.dims.length || a.dims.some((d, i) => d !== e.dims[i])) {
    return `${where}: shape [${a.dims.join(',')}] != expected [${e.dims.join(',')}]`;
  }
  if (e.dtype === 'string') {
    const x = a.data as string[];
    const y = e.data as string[];
    for (let i = 0; i < y.length; i++) if (x[i] !== y[i]) return `${where}[${i}]: '${x[i]}' != '${y[i]}'`;
    return undefined;
  }
  if (e.dtype === 'int64' || e.dtype === 'uint64') {
    const x = a.data as BigInt64Array;
    const y = e.data as BigInt64Array;
    for (let i = 0; i < y.length; i++) if (x[i] !== y[i]) return `${where}[${i}]: ${x[i]} != ${y[i]}`;
    return undefined;
  }
  const x = readNumbers(a);
  const y = readNumbers(e);
  const exact = !isFloat(e.dtype);
  for (let i = 0; i < y.length; i++) {
    const xi = x[i];
    const yi = y[i];
    if (Number.isNaN(yi)) {
      if (!Number.isNaN(xi)) return `${where}[${i}]: ${xi} != NaN`;
      continue;
    }
    if (xi === yi) continue;
    if (exact || !Number.isFinite(yi) || Math.abs(xi - yi) > tol.atol + tol.rtol * Math.abs(yi)) {
      return `${where}[${i}]: ${xi} != expected ${yi}`;
    }
  }
  return undefined;
}
