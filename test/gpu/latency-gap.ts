/**
 * Where the wall time of one awaited infer() goes beyond the GPU's own time (device I/O, the bench's
 * batch-range plans). Per model and batch: the GPU time of one inference (timing events, phaseTimes) and
 * the wall-clock median of awaited infer() calls under several ways of waiting for the done event:
 *   default   the engine's wait (CudaDevice.waitEvent)
 *   spin      a synchronous cuEventQuery loop (the floor: no event-loop turn at all)
 *   immediate setImmediate polls only
 *   worker    a koffi worker thread in cuEventSynchronize from the start
 *   sleep-spin, imm-spin, sleep-imm-spin: hybrids ending in a synchronous spin (spinTail)
 * plus, for each, how long after the call cuGraphLaunch returned (host work before the GPU starts).
 *
 *   node dist/test/gpu/latency-gap.js --data DIR --models yolo,bert,resnet50 --batches 1,16 [--max-batch N]
 */
import { build, Engine } from '../../src/index.js';
import { CudaDevice, type WaitHint } from '../../src/backends/cuda/device.js';
import { getDriver, CUDA_ERROR_NOT_READY } from '../../src/backends/cuda/ffi/driver.js';
import { batchProfile, loadModelData } from '../../bench/models/data.js';
import { deviceIO } from './device-io.js';

const args = process.argv.slice(2);
const opt = (n: string, f: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : f);
const dataDir = opt('--data', '/tmp/tjbench');
const models = opt('--models', 'yolo,bert,resnet50').split(',');
const batchList = opt('--batches', '1').split(',').map(Number);
const iters = Number(opt('--iters', '200'));

const d = getDriver();
const originalWait = CudaDevice.prototype.waitEvent;
// every driver call timed: host microseconds per function within one inference, and when the first one ran
let launchedAt = 0;
let firstCallAt = 0;
const hostUs = new Map<string, number>();
const fns = d.fn as unknown as Record<string, (...a: unknown[]) => unknown>;
const raw = { ...d.fn };
// timeline: timing events recorded right before and after cuGraphLaunch (GPU span from the launch call to
// the graph's end) and the host time the launch call began
let span: number[] = []; // created once a context is current
let launchStartAt = 0;
for (const [name, f] of Object.entries(fns)) {
  const timed = (...a: unknown[]) => {
    const s = performance.now();
    firstCallAt ||= s;
    if (name === 'cuGraphLaunch') {
      launchStartAt = s;
      raw.cuEventRecord(span[0]!, a[1] as number);
    }
    const r = f(...a);
    if (name === 'cuGraphLaunch') raw.cuEventRecord(span[1]!, a[1] as number);
    const e = performance.now();
    hostUs.set(name, (hostUs.get(name) ?? 0) + (e - s) * 1000);
    if (name === 'cuGraphLaunch') launchedAt = e;
    return r;
  };
  fns[name] = Object.assign(timed, { async: (f as unknown as { async?: unknown }).async }); // keeps koffi's .async
}

const waits: Record<string, (this: CudaDevice, e: number, hint?: WaitHint) => Promise<void>> = {
  default: originalWait,
  spin(e) {
    while (d.fn.cuEventQuery(e) === CUDA_ERROR_NOT_READY);
    return Promise.resolve();
  },
  immediate(e) {
    return new Promise((resolve) => {
      const poll = () => (d.fn.cuEventQuery(e) === CUDA_ERROR_NOT_READY ? setImmediate(poll) : resolve());
      poll();
    });
  },
  async worker(e) {
    await d.eventSynchronizeAsync(e);
  },
  'sleep-spin'(e, hint) {
    return spinTail(e, hint, true, false);
  },
  'imm-spin'(e, hint) {
    return spinTail(e, hint, false, true);
  },
  'sleep-imm-spin'(e, hint) {
    return spinTail(e, hint, true, true);
  },
};

/**
 * Hybrid waits: optionally sleep on a timer until 1.5 ms before the expected completion (waits of 3 ms or
 * more), optionally setImmediate polls until 0.15 ms before it, then a synchronous spin to the end.
 */
function spinTail(e: number, hint: WaitHint | undefined, sleep: boolean, immediate: boolean): Promise<void> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const expected = hint?.ms ?? 0;
    const done = () => {
      if (hint) hint.ms = performance.now() - t0;
      resolve();
    };
    const spin = () => {
      while (d.fn.cuEventQuery(e) === CUDA_ERROR_NOT_READY);
      done();
    };
    const poll = () => {
      if (d.fn.cuEventQuery(e) !== CUDA_ERROR_NOT_READY) return done();
      if (!immediate || performance.now() >= t0 + expected - 0.15) return spin();
      setImmediate(poll);
    };
    const sleepMs = sleep && expected >= 3 ? Math.floor(expected - 1.5) : 0;
    if (sleepMs) setTimeout(poll, sleepMs);
    else poll();
  });
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;

for (const name of models) {
  const data = loadModelData(dataDir, name);
  const maxBatch = Number(opt('--max-batch', String(Math.max(...data.manifest.batches))));
  const { plan } = await build(data.onnxPath, { target: 0, precision: 'fp16', shapes: batchProfile(data.inputs, maxBatch, maxBatch) });
  const engine = await Engine.load(plan, { device: 0 });
  const ctx = engine.createContext();
  if (!span.length) span = [d.out('cuEventCreate', 0), d.out('cuEventCreate', 0)];
  for (const batch of batchList) {
    const io = await deviceIO(ctx, data, batch);
    const { feeds: dfeeds, options: o } = io;
    for (let i = 0; i < 5; i++) await ctx.infer(dfeeds, o);
    const gpu: number[] = [];
    const total: number[] = [];
    for (let i = 0; i < 30; i++) {
      const p = (await ctx.phaseTimes(dfeeds))!;
      gpu.push(p.computeMs);
      total.push(p.h2dMs + p.computeMs + p.d2hMs);
    }
    const row: string[] = [`${name} b${batch}: GPU compute ${median(gpu).toFixed(3)} ms, with input/output copies ${median(total).toFixed(3)} ms`];
    for (const [wname, w] of Object.entries(waits)) {
      CudaDevice.prototype.waitEvent = w;
      for (let i = 0; i < 5; i++) await ctx.infer(dfeeds, o);
      const wall: number[] = [];
      const toLaunch: number[] = [];
      const toFirst: number[] = [];
      const perFn = new Map<string, number[]>();
      const gpuSpan: number[] = [];
      const toLaunchStart: number[] = [];
      for (let i = 0; i < iters; i++) {
        hostUs.clear();
        firstCallAt = 0;
        const s = performance.now();
        await ctx.infer(dfeeds, o);
        wall.push(performance.now() - s);
        toLaunch.push(launchedAt - s);
        toFirst.push(firstCallAt - s);
        toLaunchStart.push(launchStartAt - s);
        const ms: [number] = [0];
        d.check(raw.cuEventElapsedTime(ms, span[0]!, span[1]!), 'cuEventElapsedTime');
        gpuSpan.push(ms[0]);
        for (const [n, us] of hostUs) perFn.set(n, [...(perFn.get(n) ?? []), us]);
      }
      const fnText = [...perFn].filter(([n]) => n !== 'cuEventQuery').map(([n, a]) => `${n} ${median(a).toFixed(1)}`).join(', ');
      row.push(`  ${wname.padEnd(9)} wall ${median(wall).toFixed(3)} ms (p10 ${[...wall].sort((a, b) => a - b)[Math.floor(iters / 10)]!.toFixed(3)}), first driver call at ${median(toFirst).toFixed(3)}, launch returned at ${median(toLaunch).toFixed(3)} ms; host us: ${fnText}`);
      const end = median(toLaunchStart) + median(gpuSpan);
      row.push(`            GPU launch-to-end ${median(gpuSpan).toFixed(3)} ms from the launch call at ${median(toLaunchStart).toFixed(3)}: GPU done ~${end.toFixed(3)}, resolved ${(median(wall) - end).toFixed(3)} ms later`);
    }
    CudaDevice.prototype.waitEvent = originalWait;
    console.log(row.join('\n'));
    io.dispose();
  }
  engine.dispose();
}
