/**
 * What a graph launch costs the host, per batch: the nodes of each captured CUDA graph by type (and the
 * kernels by name), cuGraphLaunch's host time with the stream idle before and after cuGraphUpload, and where
 * the host time of one awaited infer() (device I/O) goes before the launch.
 *
 *   node dist/test/gpu/launch-cost.js --data DIR --model resnet50 --batches 1,256
 */
import { build, Engine } from '../../src/index.js';
import { getDriver } from '../../src/backends/cuda/ffi/driver.js';
import { koffi } from '../../src/backends/cuda/ffi/koffi.js';
import { CudaContext } from '../../src/backends/cuda/engine.js';
import { DeviceTensor } from '../../src/backends/cuda/index.js';
import { batchProfile, loadModelData, tileBatch } from '../../bench/models/data.js';

const args = process.argv.slice(2);
const opt = (n: string, f: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : f);
const dataDir = opt('--data', '/tmp/tjbench');
const model = opt('--model', 'resnet50');
const batches = opt('--batches', '1,256').split(',').map(Number);

const d = getDriver();
const lib = koffi().load(d.path);
type F = (...a: unknown[]) => number;
const cuGraphGetNodes = lib.func('int cuGraphGetNodes(uint64_t g, uint64_t *nodes, _Inout_ size_t *n)') as F;
const cuGraphNodeGetType = lib.func('int cuGraphNodeGetType(uint64_t node, _Out_ int *type)') as F;
const cuGraphUpload = lib.func('int cuGraphUpload(uint64_t exec, uint64_t s)') as F;
const cuStreamSynchronize = lib.func('int cuStreamSynchronize(uint64_t s)') as F;
const TYPES = ['kernel', 'memcpy', 'memset', 'host', 'graph', 'empty', 'wait_event', 'event_record', 'ext_sem_signal', 'ext_sem_wait', 'mem_alloc', 'mem_free', 'batch_mem_op', 'conditional'];

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const fns = d.fn as unknown as Record<string, F>;

// node census of every graph instantiated
const census: string[] = [];
const inst = fns.cuGraphInstantiate!;
fns.cuGraphInstantiate = (...a: unknown[]) => {
  const g = a[1] as number;
  const n: [number] = [0];
  cuGraphGetNodes(g, null, n);
  const nodes = new BigUint64Array(Number(n[0]));
  cuGraphGetNodes(g, nodes, n);
  const byType = new Map<string, number>();
  for (const node of nodes) {
    const t: [number] = [0];
    cuGraphNodeGetType(node, t);
    const name = TYPES[t[0]] ?? `type${t[0]}`;
    byType.set(name, (byType.get(name) ?? 0) + 1);
  }
  census.push(`${nodes.length} nodes: ${[...byType].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return inst(...a);
};
let lastExec = 0;
let lastStream = 0;
const launch = fns.cuGraphLaunch!;
fns.cuGraphLaunch = (...a: unknown[]) => {
  lastExec = a[0] as number;
  lastStream = a[1] as number;
  return launch(...a);
};

// host time stamps inside one infer(): entry to inferNow, entry to execute (the launch follows)
const stamps: Record<string, number> = {};
const proto = CudaContext.prototype as unknown as Record<string, F>;
for (const m of ['inferNow', 'execute', 'planFor', 'checkFeeds']) {
  const f = proto[m]!;
  proto[m] = function (this: unknown, ...a: unknown[]) {
    const s = performance.now();
    stamps[m] ??= s;
    const r = f.apply(this, a);
    stamps[`${m} took`] = (stamps[`${m} took`] ?? 0) + performance.now() - s;
    return r;
  };
}

const data = loadModelData(dataDir, model);
const maxBatch = Math.max(...data.manifest.batches);
const { plan } = await build(data.onnxPath, { target: 0, precision: 'fp16', shapes: batchProfile(data.inputs, maxBatch, maxBatch) });
const engine = await Engine.load(plan, { device: 0 });
const ctx = engine.createContext();
const dtypes = new Map(engine.inputs.map((i) => [i.name, i.dtype]));
for (const batch of batches) {
  const feeds = Object.fromEntries([...data.inputs].map(([n, t]) => [n, tileBatch(t, batch, dtypes.get(n) ?? t.dtype)]));
  const dfeeds = Object.fromEntries(Object.entries(feeds).map(([n, t]) => [n, DeviceTensor.fromHost(t, 0)]));
  const douts = Object.fromEntries(Object.entries(await ctx.infer(feeds)).map(([n, t]) => [n, DeviceTensor.fromHost(t, 0)]));
  const o = { outputLocation: 'device' as const, outputs: douts };
  census.length = 0;
  for (let i = 0; i < 5; i++) await ctx.infer(dfeeds, o);
  const exec = lastExec;
  const stream = lastStream;
  const timeLaunches = () => {
    const us: number[] = [];
    for (let i = 0; i < 30; i++) {
      cuStreamSynchronize(stream);
      const s = performance.now();
      d.check(launch(exec, stream), 'cuGraphLaunch');
      us.push((performance.now() - s) * 1000);
    }
    cuStreamSynchronize(stream);
    return median(us).toFixed(1);
  };
  const plain = timeLaunches();
  d.check(cuGraphUpload(exec, stream), 'cuGraphUpload');
  cuStreamSynchronize(stream);
  const uploaded = timeLaunches();
  const parts = new Map<string, number[]>();
  for (let i = 0; i < 100; i++) {
    for (const k of Object.keys(stamps)) delete stamps[k];
    const s = performance.now();
    await ctx.infer(dfeeds, o);
    const rel = (k: string) => (stamps[k] ?? NaN) - s;
    const add = (k: string, v: number) => parts.set(k, [...(parts.get(k) ?? []), v * 1000]);
    add('to inferNow', rel('inferNow'));
    add('to execute', rel('execute'));
    add('checkFeeds', stamps['checkFeeds took'] ?? 0);
    add('planFor', stamps['planFor took'] ?? 0);
    add('execute (incl. launch)', stamps['execute took'] ?? 0);
    add('inferNow sync part', stamps['inferNow took'] ?? 0);
  }
  console.log(`${model} b${batch}: graphs captured: ${census.join(' | ') || 'none'}`);
  console.log(`  cuGraphLaunch host us, idle stream: ${plain}, after cuGraphUpload: ${uploaded}`);
  console.log(`  infer() host us: ${[...parts].map(([k, v]) => `${k} ${median(v).toFixed(1)}`).join(', ')}`);
  for (const t of [...Object.values(dfeeds), ...Object.values(douts)]) t.dispose();
}
engine.dispose();
