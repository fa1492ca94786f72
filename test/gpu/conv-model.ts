/**
 * A light CNN (e.g. light_resnet50.onnx) on GPU 0 through the public API: build (conv tactics timed, then a
 * rebuild that hits the timing cache), Engine.load, infer the arange(n)/n input, compare with the expected
 * output (max relative error) and time inference (median of --iters).
 *   node dist/test/gpu/conv-model.js MODEL.onnx EXPECTED_output_0.pb [--iters 100] [--precision fp16]
 */
import { readFileSync } from 'node:fs';
import { build, Engine, type Tensor } from '../../src/index.js';
import { importModel } from '../../src/onnx/import.js';
import { readTensorProto } from '../../src/onnx/values.js';
import { float16ArrayToFloat32 } from '../../src/tensor/float16.js';
import { lightInput } from '../conformance/cases.js';

const nums = (t: Tensor): number[] => (t.dtype === 'float16' ? [...float16ArrayToFloat32(t.data as Uint16Array)] : Array.from(t.data as ArrayLike<number>));

async function main(): Promise<void> {
  const [path, expectedPath] = process.argv.slice(2);
  const arg = (k: string, d: string) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : d);
  const iters = Number(arg('--iters', '100'));
  const precision = arg('--precision', 'fp32') as 'fp32' | 'fp16';
  const input = lightInput(importModel(path));
  const expected = readTensorProto(new Uint8Array(readFileSync(expectedPath)));
  let plan: Uint8Array | undefined;
  for (const pass of ['build', 'rebuild (timing cache)']) {
    const t0 = performance.now();
    const msgs: string[] = [];
    const res = await build(path, { target: 0, precision, onProgress: (m) => msgs.push(m) });
    const tuning = msgs.filter((m) => m.startsWith('tuning conv')).length;
    console.log(`${pass}: ${((performance.now() - t0) / 1000).toFixed(2)} s, ${(res.plan.length / 2 ** 20).toFixed(1)} MiB, ${tuning} 'tuning conv' steps; last: ${msgs.filter((m) => !m.startsWith('tuning conv')).slice(-3).join(' | ')}`);
    if (tuning) console.log(`  progress sample: ${msgs.find((m) => m.startsWith('tuning conv'))} ... ${msgs.filter((m) => m.startsWith('tuning conv')).pop()}`);
    plan = res.plan;
  }
  const engine = await Engine.load(plan!, { device: 0 });
  const ctx = engine.createContext();
  const feeds = { [input.name]: input.tensor };
  let out = Object.values(await ctx.infer(feeds))[0];
  for (let i = 0; i < 5; i++) out = Object.values(await ctx.infer(feeds))[0];
  const a = nums(out);
  const b = nums(expected);
  let rel = 0, abs = 0, maxRef = 0;
  for (let i = 0; i < b.length; i++) {
    abs = Math.max(abs, Math.abs(a[i] - b[i]));
    rel = Math.max(rel, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-6));
    maxRef = Math.max(maxRef, Math.abs(b[i]));
  }
  console.log(`output ${out.dtype} [${out.dims}] vs expected [${expected.dims}]: max abs err ${abs.toExponential(3)}, max abs err / max|ref| ${(abs / maxRef).toExponential(3)}, max elementwise rel err ${rel.toExponential(3)}`);
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    await ctx.infer(feeds);
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  console.log(`latency over ${iters} infers (host in/out, batch 1, ${precision}): median ${times[iters >> 1].toFixed(3)} ms, p90 ${times[Math.floor(iters * 0.9)].toFixed(3)} ms, min ${times[0].toFixed(3)} ms`);
  const ph = await ctx.phaseTimes(feeds);
  if (ph) console.log(`phases: H2D ${ph.h2dMs.toFixed(3)} ms, compute ${ph.computeMs.toFixed(3)} ms, D2H ${ph.d2hMs.toFixed(3)} ms`);
  ctx.dispose();
  engine.dispose();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`error: ${(e as Error).message}`);
    process.exit(1);
  },
);
