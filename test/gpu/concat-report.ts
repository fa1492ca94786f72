/**
 * Which channel Concats a plan's CUDA shape plan elides (channel-views.ts), and why the others stay:
 *   node dist/test/gpu/concat-report.js model.plan name:1x3x640x640 ...
 * Then, given two --compare dirs of `tensorjet run --output-dir` .npy outputs, their max relative difference.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readPlanFile } from '../../src/plan/read.js';
import { planWithViews } from '../../src/backends/cuda/planner.js';
import { createCpuRegistry } from '../../src/backends/cpu/kernels/index.js';
import type { DType } from '../../src/tensor/dtype.js';

const args = process.argv.slice(2);
if (args[0] === '--compare') {
  const [a, b] = args.slice(1);
  for (const f of readdirSync(a).filter((x) => x.endsWith('.npy'))) {
    // fp16 / fp32 npy: the data after the header (aligned to 64 in npy v1)
    const read = (p: string) => {
      const buf = readFileSync(p);
      const hl = buf.readUInt16LE(8);
      const hdr = buf.subarray(10, 10 + hl).toString();
      const data = buf.subarray(10 + hl);
      if (hdr.includes("'<f2'")) {
        const u = new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
        return Float32Array.from(u, (h) => {
          const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 31, m = h & 1023;
          return e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
        });
      }
      return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
    };
    const x = read(join(a, f)), y = read(join(b, f));
    let err = 0, nan = 0;
    for (let i = 0; i < y.length; i++) {
      if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) nan++;
      else err = Math.max(err, Math.abs(x[i] - y[i]) / Math.max(Math.abs(y[i]), 1));
    }
    console.log(`${f}: ${x.length} vs ${y.length} elements, max rel diff ${err.toExponential(2)}, non-finite ${nan}`);
  }
} else {
  const plan = readPlanFile(args[0]);
  const g = plan.model.graph;
  const inputs = new Map<string, { dtype: DType; dims: number[] }>();
  for (const s of args.slice(1)) {
    const [name, dims] = s.split(':');
    const i = g.inputs.find((x) => x.name === name)!;
    inputs.set(name, { dtype: (i.type as { dtype: DType }).dtype, dims: dims.split('x').map(Number) });
  }
  const r = createCpuRegistry();
  process.env.TENSORJET_CONCAT_VIEWS = '1';
  const { plan: sp, views } = planWithViews({ graph: g, opsets: plan.model.opsets, weights: new Map(), inputs, cpuRegistry: () => r });
  const ops = (o: string) => sp.steps.filter((s) => s.node?.opType === o).length;
  console.log(`concats: ${g.nodes.filter((n) => n.opType === 'Concat').length}, elided ${views?.elided.size ?? 0}; steps left: Concat ${ops('Concat')}, Split ${ops('Split')}, Slice ${ops('Slice')}; strided convs ${sp.steps.filter((s) => s.lowered.conv && (s.lowered.conv.xStride || s.lowered.conv.yStride || s.lowered.conv.zStride)).length}`);
  for (const [name, why] of views?.kept ?? []) console.log(`kept ${name}: ${why}`);
}
