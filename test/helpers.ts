/** Test helpers: run one ONNX node on the CPU reference backend, build tensors, compare with tolerances. */
import assert from 'node:assert/strict';
import type { Attribute, Graph, Node } from '../src/ir/graph.js';
import type { Value } from '../src/ir/value.js';
import { executeGraph } from '../src/backends/cpu/executor.js';
import { createCpuRegistry } from '../src/backends/cpu/kernels/index.js';
import { makeTensor, type Tensor } from '../src/tensor/tensor.js';
import type { DType, TensorData } from '../src/tensor/dtype.js';
import { readNumbers } from '../src/backends/cpu/util.js';

export const cpuRegistry = createCpuRegistry();

type AttrInput = number | string | number[] | string[] | Tensor | Attribute;

function toAttribute(v: AttrInput): Attribute {
  if (typeof v === 'object' && v !== null && 'type' in v && 'value' in v) return v as Attribute;
  if (typeof v === 'number') return Number.isInteger(v) ? { type: 'int', value: v } : { type: 'float', value: v };
  if (typeof v === 'string') return { type: 'string', value: v };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') return { type: 'strings', value: v as string[] };
    return (v as number[]).every(Number.isInteger) ? { type: 'ints', value: v as number[] } : { type: 'floats', value: v as number[] };
  }
  return { type: 'tensor', value: v as Tensor };
}

/** Explicit float attribute (for whole-number floats such as alpha=1.0). */
export const f = (value: number): Attribute => ({ type: 'float', value });

/**
 * Runs one node. `inputs` entries that are undefined become omitted optional inputs.
 * Returns the node's outputs.
 */
export function runNode(
  opType: string,
  inputs: (Value | undefined)[],
  attrs: Record<string, AttrInput> = {},
  opts: { opset?: number; domain?: string; outputs?: number } = {},
): Value[] {
  const nOut = opts.outputs ?? 1;
  const node: Node = {
    name: `${opType}_0`,
    opType,
    domain: opts.domain ?? '',
    inputs: inputs.map((v, i) => (v === undefined ? '' : `in${i}`)),
    outputs: Array.from({ length: nOut }, (_, i) => `out${i}`),
    attributes: new Map(Object.entries(attrs).map(([k, v]) => [k, toAttribute(v)])),
  };
  const graph: Graph = {
    name: 'test',
    nodes: [node],
    inputs: [],
    outputs: node.outputs.map((name) => ({ name, type: { kind: 'tensor', dtype: 'float32' } })),
    constants: new Map(),
    valueInfo: new Map(),
  };
  const feeds = new Map<string, Value>();
  inputs.forEach((v, i) => v !== undefined && feeds.set(`in${i}`, v));
  const opsets = new Map([[opts.domain ?? '', opts.opset ?? 21]]);
  return executeGraph(graph, feeds, { registry: cpuRegistry, opsets });
}

export function t(dtype: DType, dims: number[], values: ArrayLike<number> | bigint[] | string[] | boolean[]): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  let data: TensorData;
  if (dtype === 'int64') data = BigInt64Array.from(values as ArrayLike<number>, (v) => BigInt(v));
  else if (dtype === 'string') data = [...(values as string[])];
  else if (dtype === 'bool') data = Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0));
  else {
    const map: Record<string, new (x: ArrayLike<number>) => TensorData> = {
      float32: Float32Array, float64: Float64Array, int32: Int32Array, int8: Int8Array, uint8: Uint8Array,
      int16: Int16Array, uint16: Uint16Array, uint32: Uint32Array,
    };
    const C = map[dtype];
    if (!C) throw new Error(`t(): use makeTensor for ${dtype}`);
    data = new C(values as ArrayLike<number>);
  }
  assert.equal(data.length, n, 'test tensor size');
  return makeTensor(dtype, dims, data);
}

/** Deterministic pseudo-random floats in [lo, hi) (never all zeros). */
export function randomFloats(n: number, seed = 1, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = lo + ((s % 1_000_000) / 1_000_000) * (hi - lo);
  }
  return out;
}

/** Asserts same dims and element-wise closeness (|a-b| <= atol + rtol*|b|), NaN matching NaN. */
export function assertClose(actual: Value, expected: Tensor, opts: { rtol?: number; atol?: number } = {}): void {
  const a = actual as Tensor;
  assert.deepEqual([...a.dims], [...expected.dims], 'dims');
  assert.equal(a.dtype, expected.dtype, 'dtype');
  if (expected.dtype === 'string') {
    assert.deepEqual(a.data, expected.data);
    return;
  }
  const x = readNumbers(a);
  const y = readNumbers(expected);
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-6;
  for (let i = 0; i < y.length; i++) {
    if (Number.isNaN(y[i])) {
      assert.ok(Number.isNaN(x[i]), `element ${i}: expected NaN, got ${x[i]}`);
      continue;
    }
    if (x[i] === y[i]) continue;
    assert.ok(Math.abs(x[i] - y[i]) <= atol + rtol * Math.abs(y[i]), `element ${i}: got ${x[i]}, expected ${y[i]}`);
  }
}
