/**
 * CPU timing for the light models (../shared/onnx-backend-tests/light): import -> optimize -> execute,
 * checks the output against the stored reference and prints per-run times (and, with --profile, time per
 * op type).
 *
 *   node dist/bench/cpu-models.js [--filter resnet] [--runs 5] [--profile]
 */
import fs from 'node:fs';
import path from 'node:path';
import { importModel, readValueProto } from '../src/onnx/import.js';
import { optimizeModel } from '../src/passes/index.js';
import { executeGraph } from '../src/backends/cpu/executor.js';
import { createCpuRegistry } from '../src/backends/cpu/kernels/index.js';
import { KernelRegistry } from '../src/backends/cpu/registry.js';
import type { KernelTable } from '../src/backends/cpu/kernel.js';
import { readNumbers } from '../src/backends/cpu/util.js';
import type { Model } from '../src/ir/graph.js';
import type { Tensor } from '../src/tensor/tensor.js';
import type { Value } from '../src/ir/value.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const filter = new RegExp(opt('--filter') ?? '.');
const runs = Number(opt('--runs') ?? 5);
const profile = args.includes('--profile');
const dir = path.resolve(process.cwd(), opt('--dir') ?? '../shared/onnx-backend-tests/light');

const base = createCpuRegistry();
const opTimes = new Map<string, number>();
let registry = base;
if (profile) {
  const table: KernelTable = {};
  for (const { key } of base.entries()) {
    const [domain, op] = key.includes('::') ? key.split('::') : ['', key];
    const k = base.get(domain, op)!;
    table[key] = (ctx) => {
      const t0 = performance.now();
      const r = k(ctx);
      opTimes.set(key, (opTimes.get(key) ?? 0) + performance.now() - t0);
      return r;
    };
  }
  registry = new KernelRegistry().addFamily('profiled', table);
}

/** The light models' input: float32 of the graph input's shape (missing dims = 1), arange(n)/n. */
function input(model: Model): [string, Tensor] {
  const inits = new Set(model.graph.constants.keys());
  const info = model.graph.inputs.find((i) => !inits.has(i.name))!;
  const shape = info.type.kind === 'tensor' ? (info.type.shape ?? []) : [];
  const dims = shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = i / n;
  return [info.name, { dtype: 'float32', dims, data }];
}

function maxError(actual: Value, expected: Value): string {
  const a = readNumbers(actual as Tensor), e = readNumbers(expected as Tensor);
  let abs = 0, worst = 0;
  for (let i = 0; i < e.length; i++) {
    const d = Math.abs(a[i] - e[i]);
    abs = Math.max(abs, d);
    worst = Math.max(worst, d / (1e-5 + Math.abs(e[i])));
  }
  return `max abs err ${abs.toExponential(2)}, max rel err ${worst.toExponential(2)}`;
}

for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.onnx') && filter.test(f)).sort()) {
  const name = file.replace(/\.onnx$/, '');
  const model = importModel(path.join(dir, file));
  const t0 = performance.now();
  const optimized = optimizeModel(model, { registry: base, precision: 'fp32' });
  const prepMs = performance.now() - t0;
  const [inName, tensor] = input(model);
  const feeds = new Map<string, Value>([[inName, tensor]]);
  const times: number[] = [];
  let outputs: Value[] = [];
  opTimes.clear();
  for (let r = 0; r < runs + 1; r++) {
    const s = performance.now();
    outputs = executeGraph(optimized.graph, feeds, { registry, opsets: optimized.opsets });
    if (r > 0) times.push(performance.now() - s); // first run warms up the JIT
  }
  times.sort((a, b) => a - b);
  const expPath = path.join(dir, `${name}_output_0.pb`);
  const check = fs.existsSync(expPath) ? maxError(outputs[0], readValueProto(fs.readFileSync(expPath), model.graph.outputs[0]?.type)) : 'no reference';
  console.log(`${name}: min ${times[0].toFixed(0)} ms, median ${times[Math.floor(times.length / 2)].toFixed(0)} ms over ${runs} runs (optimize ${prepMs.toFixed(0)} ms); ${check}`);
  if (profile) {
    const total = [...opTimes.values()].reduce((a, b) => a + b, 0);
    for (const [k, v] of [...opTimes].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
      console.log(`  ${k.padEnd(24)} ${(v / (runs + 1)).toFixed(1).padStart(8)} ms/run  ${((100 * v) / total).toFixed(1)}%`);
    }
  }
}
