/**
 * Prints what the CUDA fp16 pipeline makes of a model's embedding and mask edge: the first nodes of the
 * imported graph and of the optimized one (op, name, inputs). Used by embed-run.sh to show whether
 * tensorjet::EmbedLayerNorm formed on the exported BERT.   node dist/test/gpu/embed-graph.js model.onnx [n]
 */
import { importModel } from '../../src/onnx/import.js';
import { optimizeModel } from '../../src/passes/index.js';
import { createCpuRegistry } from '../../src/backends/cpu/kernels/index.js';
import { LOWERINGS } from '../../src/backends/cuda/lowering/index.js';
import { normalizeDomain, type Graph } from '../../src/ir/graph.js';

const [file, count = '24'] = process.argv.slice(2);
const model = importModel(file);
const show = (g: Graph, what: string) => {
  console.log(`${what}: ${g.nodes.length} nodes`);
  for (const n of g.nodes.slice(0, Number(count))) console.log(`  ${n.opType.padEnd(18)} ${n.name.padEnd(40)} (${n.inputs.map((i) => (g.constants.has(i) ? `${i}[${g.constants.get(i)!.dims}]` : i)).join(', ')})`);
};
show(model.graph, 'imported');
const supports = (d: string, op: string) => LOWERINGS[normalizeDomain(d) === '' ? op : `${normalizeDomain(d)}::${op}`] !== undefined;
const opt = optimizeModel(model, { registry: createCpuRegistry(), target: 'cuda', precision: 'fp16', supports, onPass: (p, n) => console.log(`  pass ${p}: ${n}`) });
show(opt.graph, 'optimized fp16');
const ops = new Map<string, number>();
for (const n of opt.graph.nodes) ops.set(n.opType, (ops.get(n.opType) ?? 0) + 1);
console.log('op counts:', JSON.stringify(Object.fromEntries(ops)));
