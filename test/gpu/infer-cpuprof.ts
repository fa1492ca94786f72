/**
 * The host side of one small inference, for a JS CPU profile: builds a model's fp16 plan as the bench does
 * (batch 1 to the largest timed batch), binds device inputs and outputs, and runs awaited infer() calls at
 * one batch size in a loop. Run under `node --cpu-prof --cpu-prof-interval 10` to see where the host time
 * between the call and cuGraphLaunch, and after the GPU is done, goes.
 *
 *   node --cpu-prof --cpu-prof-dir OUT dist/test/gpu/infer-cpuprof.js --data DIR --model bert --batch 1 --iters 5000
 */
import { build, Engine } from '../../src/index.js';
import { batchProfile, loadModelData } from '../../bench/models/data.js';
import { deviceIO } from './device-io.js';

const args = process.argv.slice(2);
const opt = (n: string, f: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : f);
const data = loadModelData(opt('--data', '/tmp/tjbench'), opt('--model', 'bert'));
const batch = Number(opt('--batch', '1'));
const iters = Number(opt('--iters', '5000'));
const maxBatch = Math.max(...data.manifest.batches);
const { plan } = await build(data.onnxPath, { target: 0, precision: 'fp16', shapes: batchProfile(data.inputs, maxBatch, maxBatch) });
const engine = await Engine.load(plan, { device: 0 });
const ctx = engine.createContext();
const io = await deviceIO(ctx, data, batch);
const { feeds: dfeeds, options: o } = io;
for (let i = 0; i < 20; i++) await ctx.infer(dfeeds, o);
const wall: number[] = [];
for (let i = 0; i < iters; i++) {
  const s = performance.now();
  await ctx.infer(dfeeds, o);
  wall.push(performance.now() - s);
}
wall.sort((a, b) => a - b);
console.log(`${data.manifest.name} b${batch}: ${iters} awaited infer() calls, median ${wall[iters >> 1]!.toFixed(3)} ms, p10 ${wall[Math.floor(iters / 10)]!.toFixed(3)} ms`);
io.dispose();
engine.dispose();
