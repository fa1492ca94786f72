/**
 * How one plan's GPU time changes under sustained load (the bench's back-to-back awaited calls) against the
 * same graph run after the GPU has idled. Per model and batch: compute by timing events after 1.5 s of idle
 * (5 samples), then awaited infer() calls with device I/O back to back for --seconds, wall per call (median of
 * the last half) and compute by events right after. Prints `PHASE name start end` (epoch ms) lines so a
 * clock / power log (nvidia-smi) taken alongside can be split by phase (test/gpu/sustained-run.sh).
 *
 *   node dist/test/gpu/sustained.js --data DIR --model bert --batch 64 [--seconds 5]
 */
import { build, Engine } from '../../src/index.js';
import { batchProfile, loadModelData } from '../../bench/models/data.js';
import { deviceIO } from './device-io.js';

const args = process.argv.slice(2);
const opt = (n: string, f: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : f);
const data = loadModelData(opt('--data', '/tmp/tjbench'), opt('--model', 'bert'));
const batch = Number(opt('--batch', '64'));
const seconds = Number(opt('--seconds', '5'));
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const phase = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
  const s = Date.now();
  const r = await f();
  console.log(`PHASE tensorjet-${name} ${s} ${Date.now()}`);
  return r;
};

const { plan } = await build(data.onnxPath, { target: 0, precision: 'fp16', shapes: batchProfile(data.inputs, batch, batch) });
const engine = await Engine.load(plan, { device: 0 });
const ctx = engine.createContext();
const io = await deviceIO(ctx, data, batch);
for (let i = 0; i < 5; i++) await ctx.infer(io.feeds, io.options);
const compute = async () => (await ctx.phaseTimes(io.feeds))!.computeMs;

const idle: number[] = [];
for (let i = 0; i < 5; i++) {
  await sleep(1500);
  idle.push(await phase('after-idle', compute));
}
const wall = await phase('sustained', async () => {
  const w: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const s = performance.now();
    await ctx.infer(io.feeds, io.options);
    w.push(performance.now() - s);
  }
  return w;
});
const hot: number[] = [];
for (let i = 0; i < 5; i++) hot.push(await compute());
console.log(
  `tensorjet ${opt("--model", "bert")} b${batch}: compute after idle ${median(idle).toFixed(3)} ms; ` +
    `sustained wall ${median(wall.slice(wall.length >> 1)).toFixed(3)} ms (${wall.length} calls), compute right after ${median(hot).toFixed(3)} ms`,
);
io.dispose();
engine.dispose();
