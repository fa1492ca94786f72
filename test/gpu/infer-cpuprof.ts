/**
 * The host side of one small inference, for a JS CPU profile: builds a model's fp16 plan as the bench does
 * (batch 1 to the largest timed batch), binds device inputs and outputs, and runs awaited infer() calls at
 * one batch size in a loop. Run under `node --cpu-prof --cpu-prof-interval 10` to see where the host time
 * between the call and cuGraphLaunch, and after the GPU is done, goes.
 *
 *   node --cpu-prof --cpu-prof-dir OUT dist/test/gpu/infer-cpuprof.js --data DIR --model bert --batch 1 --iters 5000
 */
import { build, Engine } from '../../src/index.js';
import { DeviceTensor } from '../../src/backends/cuda/index.js';
import { batchProfile, loadModelData, tileBatch } from '../../bench/models/data.js';

const args = process.argv.slice(2);
const opt = (n: string, f: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : f);
const data = loadModelData(opt('--data', '/tmp/tjbench'), opt('--model', 'bert'));
const batch = Number(opt('--batch', '1'));
const iters = Number(opt('--iters', '5000'));
const maxBatch = Math.max(...data.manifest.batches);
const { plan } = await build(data.onnxPath, { target: 0, precision: 'fp16', shapes: batchProfile(data.inputs, maxBatch, maxBatch) });
const engine = await Engine.load(plan, { device: 0 });
const ctx = engine.createContext();
const dtypes = new Map(engine.inputs.map((i) => [i.name, i.dtype]));
const feeds = Object.fromEntries([...data.inputs].map(([n, t]) => [n, tileBatch(t, batch, dtypes.get(n) ?? t.dtype)]));
const dfeeds = Object.fromEntries(Object.entries(feeds).map(([n, t]) => [n, DeviceTensor.fromHost(t, 0)]));
const douts = Object.fromEntries(Object.entries(await ctx.infer(feeds)).map(([n, t]) => [n, DeviceTensor.fromHost(t, 0)]));
const o = { outputLocation: 'device' as const, outputs: douts };
for (let i = 0; i < 20; i++) await ctx.infer(dfeeds, o);
const wall: number[] = [];
for (let i = 0; i < iters; i++) {
  const s = performance.now();
  await ctx.infer(dfeeds, o);
  wall.push(performance.now() - s);
}
wall.sort((a, b) => a - b);
console.log(`${data.manifest.name} b${batch}: ${iters} awaited infer() calls, median ${wall[iters >> 1]!.toFixed(3)} ms, p10 ${wall[Math.floor(iters / 10)]!.toFixed(3)} ms`);
for (const t of [...Object.values(dfeeds), ...Object.values(douts)]) t.dispose();
engine.dispose();
