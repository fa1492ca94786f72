/** Small graph builder and before/after check for the fusion tests. */
import assert from 'node:assert/strict';
import type { Attribute, Graph, Model, Node } from '../../../src/ir/graph.js';
import type { Value } from '../../../src/ir/value.js';
import type { Pass } from '../../../src/passes/pass.js';
import { optimizeModel } from '../../../src/passes/index.js';
import { executeGraph } from '../../../src/backends/cpu/executor.js';
import { createCpuRegistry } from '../../../src/backends/cpu/kernels/index.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { readNumbers } from '../../../src/backends/cpu/util.js';
import { randomFloats } from '../../helpers.js';

export const registry = createCpuRegistry();
let seed = 1;
export const rand = (dims: number[], scale = 1): Tensor =>
  makeTensor('float32', dims, Float32Array.from(randomFloats(dims.reduce((a, b) => a * b, 1), seed++), (v) => v * scale));
export const scalarF = (v: number): Tensor => makeTensor('float32', [], Float32Array.of(v));
export const ints = (v: number[]): Tensor => makeTensor('int64', [v.length], BigInt64Array.from(v, BigInt));

export function attr(v: number | string | number[]): Attribute {
  if (typeof v === 'string') return { type: 'string', value: v };
  if (Array.isArray(v)) return { type: 'ints', value: v };
  return Number.isInteger(v) ? { type: 'int', value: v } : { type: 'float', value: v };
}

export class G {
  nodes: Node[] = [];
  consts = new Map<string, Tensor>();
  private k = 0;
  constructor(readonly inputs: Record<string, number[]>) {}
  c(t: Tensor): string {
    const name = `c${this.k++}`;
    this.consts.set(name, t);
    return name;
  }
  op(opType: string, inputs: string[], attrs: Record<string, Attribute | number | string | number[]> = {}): string {
    const out = `v${this.k++}`;
    const attributes = new Map(Object.entries(attrs).map(([k, v]) => [k, typeof v === 'object' && !Array.isArray(v) ? v : attr(v)]));
    this.nodes.push({ name: `${opType}_${this.k}`, opType, domain: '', inputs, outputs: [out], attributes });
    return out;
  }
  model(outputs: string[], opset = 17): Model {
    const graph: Graph = {
      name: 'g',
      nodes: this.nodes,
      inputs: Object.entries(this.inputs).map(([name, shape]) => ({ name, type: { kind: 'tensor', dtype: 'float32', shape } })),
      outputs: outputs.map((name) => ({ name, type: { kind: 'tensor', dtype: 'float32' } })),
      constants: this.consts,
      valueInfo: new Map(),
    };
    return { irVersion: 8, opsets: new Map([['', opset]]), graph } as Model;
  }
}

export function run(m: Model, feeds: Map<string, Value>): Tensor[] {
  return executeGraph(m.graph, feeds, { registry, opsets: m.opsets }) as Tensor[];
}

export function relL2(a: Tensor, b: Tensor): number {
  const x = readNumbers(a), y = readNumbers(b);
  let num = 0, den = 0;
  for (let i = 0; i < x.length; i++) {
    num += (x[i] - y[i]) ** 2;
    den += y[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/** Runs `passes` (or the target pipeline) and checks outputs match the unfused graph within 1e-5. */
export function checkFusion(m: Model, opts: { passes?: Pass[]; target?: 'cuda' }, expectOps: string[], tol = 1e-5): Model {
  const feeds = new Map<string, Value>(m.graph.inputs.map((i) => [i.name, rand((i.type as { shape: number[] }).shape)]));
  const before = run(m, feeds);
  const opt = optimizeModel(m, { registry, ...opts });
  const ops = opt.graph.nodes.map((n) => n.opType);
  for (const op of expectOps) assert.ok(ops.includes(op), `expected ${op} in [${ops.join(', ')}]`);
  const after = run(opt, feeds);
  before.forEach((b, i) => {
    assert.deepEqual(after[i].dims, b.dims);
    const x = readNumbers(after[i]), y = readNumbers(b);
    for (let j = 0; j < x.length; j++) assert.ok(Math.abs(x[j] - y[j]) <= tol * (1 + Math.abs(y[j])), `output ${i}[${j}]: ${x[j]} vs ${y[j]}`);
  });
  return opt;
}
