/**
 * Real models on the GPU: TensorJet fp32 / fp16 against torch eager fp16 and torch.compile fp16.
 *
 *   node dist/bench/models/run.js --data DIR [--peers DIR/torch.jsonl] [--models resnet50,bert]
 *       [--target 0|cpu] [--precisions fp32,fp16] [--min-time 1] [--max-time 8] [--max-iters 200] [--warmup 5]
 *       [--budget-s 400] [--device-out] [--results bench/results]
 *
 * DIR is bench/peers/export_models.py's output (NAME.onnx, NAME.json, .npy samples and torch fp32
 * references). Per model and precision: build() a plan for the target with one shape profile (batch 1 to
 * the largest timed batch), check the outputs on the sample inputs against the reference (relative L2;
 * thresholds 1e-4 fp32, 1e-2 fp16), then time awaited infer() calls at each batch size (warm-up excluded;
 * at least 10 calls and --min-time seconds, fewer past --max-time; median, p10, p90; throughput = batch /
 * median; --batches 1,8 overrides the manifest's batch sizes). A build the backend refuses (E_UNSUPPORTED_OP, listing
 * the nodes) is reported as "not supported on the GPU yet", any other failure as an error row; neither
 * stops the run. Writes RESULTS/<date>-<gpu>.json and .md and prints the markdown.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build, Engine, isTensorJetError, listDevices, type ExecutionContext } from '../../src/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { batchProfile, listManifests, loadModelData, readPeers, relL2, tileBatch, type ModelData } from './data.js';
import { reportMarkdown, type ModelResult, type PrecisionResult, type Timing } from './report.js';

const THRESHOLD = { fp32: 1e-4, fp16: 1e-2 } as const;

const args = process.argv.slice(2);
const opt = (name: string, fallback?: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const list = (s?: string) => s?.split(',').map((x) => x.trim()).filter(Boolean);

const dataDir = path.resolve(opt('--data', process.env.TJ_BENCH_DATA ?? '/tmp/tjbench')!);
const peerFiles = list(opt('--peers')) ?? [path.join(dataDir, 'torch.jsonl')];
const only = list(opt('--models'));
const targetArg = opt('--target', '0')!;
const target: 'cpu' | number = targetArg === 'cpu' ? 'cpu' : Number(targetArg);
const precisions = (list(opt('--precisions')) ?? ['fp32', 'fp16']) as ('fp32' | 'fp16')[];
const minTime = Number(opt('--min-time', '1')) * 1000;
const maxIters = Number(opt('--max-iters', '200'));
const maxTime = Number(opt('--max-time', '8')) * 1000;
const warmup = Number(opt('--warmup', '5'));
const budgetMs = Number(opt('--budget-s', 'Infinity')) * 1000;
const deviceOut = args.includes('--device-out');
/** also time with inputs already on the GPU and outputs left there (default on for GPU targets; --no-device-io) */
const deviceIO = target !== 'cpu' && !args.includes('--no-device-io');
const batchOverride = list(opt('--batches'))?.map(Number);
const resultsDir = path.resolve(opt('--results', 'bench/results')!);
const t0 = performance.now();
const overBudget = () => performance.now() - t0 > budgetMs;

const oneLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 600);

function failure(precision: 'fp32' | 'fp16', e: unknown): PrecisionResult {
  if (isTensorJetError(e) && e.code === 'E_UNSUPPORTED_OP') {
    const nodes = (e.fields as { nodes?: { opType: string }[] }).nodes ?? [];
    const unsupportedOps: Record<string, number> = {};
    for (const n of nodes) unsupportedOps[n.opType] = (unsupportedOps[n.opType] ?? 0) + 1;
    return { precision, status: 'unsupported', errorCode: e.code, error: oneLine(e), unsupportedOps, timings: [] };
  }
  return { precision, status: 'error', errorCode: isTensorJetError(e) ? e.code : undefined, error: oneLine(e), timings: [] };
}

async function timeBatch(ctx: ExecutionContext, feeds: Record<string, Tensor>, batch: number): Promise<Timing> {
  // warm-up: the first call per shape plans and captures; slow models get fewer warm-up calls
  const w0 = performance.now();
  for (let i = 0; i < warmup && (i < 2 || performance.now() - w0 < 2 * minTime); i++) await ctx.infer(feeds);
  const times: number[] = [];
  const start = performance.now();
  // at least 10 calls and minTime, but stop at maxTime once 3 calls are in (slow kernels, big batches)
  const more = () => {
    const el = performance.now() - start;
    if (times.length >= maxIters || (times.length >= 3 && el > maxTime)) return false;
    return times.length < 10 || el < minTime;
  };
  while (more()) {
    const s = performance.now();
    await ctx.infer(feeds);
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  const median = times.length % 2 ? times[(times.length - 1) / 2]! : (times[times.length / 2 - 1]! + times[times.length / 2]!) / 2;
  const t: Timing = {
    batch, status: 'ok', median_ms: median, p10_ms: at(0.1), p90_ms: at(0.9),
    mean_ms: times.reduce((a, b) => a + b, 0) / times.length, iters: times.length, throughput_per_s: (batch * 1000) / median,
  };
  if (deviceIO) {
    // host inputs and outputs in pinned tensors (Engine.allocHostTensor): direct DMA, no staging copy
    const pinned = Object.fromEntries(Object.entries(feeds).map(([n, t]) => {
      const p = ctx.engine.allocHostTensor(t.dtype, t.dims);
      (p.data as unknown as { set(a: ArrayLike<unknown>): void }).set(t.data as ArrayLike<unknown>);
      return [n, p];
    }));
    const shapes = await ctx.infer(pinned);
    const outs = Object.fromEntries(Object.entries(shapes).map(([n, t]) => [n, ctx.engine.allocHostTensor(t.dtype, t.dims)]));
    try {
      const pin: number[] = [];
      for (let i = 0; i < 3; i++) await ctx.infer(pinned, { outputs: outs });
      const s0 = performance.now();
      while (pin.length < Math.max(10, Math.min(times.length, 100)) && (pin.length < 10 || performance.now() - s0 < minTime)) {
        const s = performance.now();
        await ctx.infer(pinned, { outputs: outs });
        pin.push(performance.now() - s);
      }
      pin.sort((a, b) => a - b);
      t.pinned_median_ms = pin[Math.floor(pin.length / 2)];
    } finally {
      for (const p of [...Object.values(pinned), ...Object.values(outs)]) p.dispose();
    }
    // inputs already on the GPU and outputs left there (as torch is timed)
    const { DeviceTensor } = await import('../../src/backends/cuda/index.js');
    // outputs written into preallocated device tensors (bindings, as TensorRT users do)
    const dfeeds = Object.fromEntries(Object.entries(feeds).map(([n, t]) => [n, DeviceTensor.fromHost(t, target as number)]));
    const douts = Object.fromEntries(Object.entries(await ctx.infer(feeds)).map(([n, t]) => [n, DeviceTensor.fromHost(t, target as number)]));
    try {
      const dev: number[] = [];
      const opts = { outputLocation: 'device' as const, outputs: douts };
      for (let i = 0; i < 3; i++) await ctx.infer(dfeeds, opts);
      const s0 = performance.now();
      while (dev.length < Math.max(10, Math.min(times.length, 100)) && (dev.length < 10 || performance.now() - s0 < minTime)) {
        const s = performance.now();
        await ctx.infer(dfeeds, opts);
        dev.push(performance.now() - s);
      }
      dev.sort((a, b) => a - b);
      t.devio_median_ms = dev[Math.floor(dev.length / 2)];
    } finally {
      for (const d of [...Object.values(dfeeds), ...Object.values(douts)]) d.dispose();
    }
  }
  if (deviceOut) {
    const dev: number[] = [];
    for (let i = 0; i < Math.min(times.length, 50); i++) {
      const s = performance.now();
      const out = await ctx.infer(feeds, { outputLocation: 'device' });
      dev.push(performance.now() - s);
      for (const o of Object.values(out)) (o as { dispose?: () => void }).dispose?.();
    }
    dev.sort((a, b) => a - b);
    t.devout_median_ms = dev[Math.floor(dev.length / 2)];
  }
  return t;
}

async function runPrecision(data: ModelData, precision: 'fp32' | 'fp16', batches: number[]): Promise<PrecisionResult> {
  const { manifest, inputs, references } = data;
  const maxBatch = Math.max(manifest.sample_batch, ...batches);
  const label = `${manifest.name} ${precision}`;
  let engine: Engine | undefined;
  try {
    const b0 = performance.now();
    const { plan } = await build(data.onnxPath, { target, precision, shapes: batchProfile(inputs, maxBatch, maxBatch) });
    const build_s = (performance.now() - b0) / 1000;
    engine = await Engine.load(plan, { device: target });
    const ctx = engine.createContext();
    const dtypes = new Map(engine.inputs.map((i) => [i.name, i.dtype]));
    const feedsFor = (batch: number) =>
      Object.fromEntries([...inputs].map(([n, t]) => [n, tileBatch(t, batch, dtypes.get(n) ?? t.dtype)]));

    const out = await ctx.infer(feedsFor(manifest.sample_batch));
    const rel_l2: Record<string, number> = {};
    for (const [name, ref] of references) rel_l2[name] = out[name] ? relL2(out[name]!, ref) : Infinity;
    const worst = Math.max(...Object.values(rel_l2));
    const result: PrecisionResult = {
      precision, status: 'ok', build_s, plan_bytes: plan.byteLength, rel_l2, threshold: THRESHOLD[precision],
      accuracy_ok: worst <= THRESHOLD[precision], timings: [],
    };
    console.log(`${label}: built in ${build_s.toFixed(1)} s, rel L2 ${worst.toExponential(2)} (${result.accuracy_ok ? 'ok' : 'FAIL'})`);
    for (const batch of batches) {
      if (overBudget()) {
        result.timings.push({ batch, status: 'skipped', error: `time budget of ${budgetMs / 1000} s spent` });
        continue;
      }
      try {
        const t = await timeBatch(ctx, feedsFor(batch), batch);
        console.log(`${label} batch ${batch}: ${t.median_ms!.toFixed(3)} ms median, ${t.throughput_per_s!.toFixed(0)}/s (${t.iters} calls)${t.devio_median_ms !== undefined ? `, device I/O ${t.devio_median_ms.toFixed(3)} ms` : ''}`);
        result.timings.push(t);
      } catch (e) {
        console.log(`${label} batch ${batch}: ${oneLine(e)}`);
        result.timings.push({ batch, status: 'error', error: oneLine(e) });
      }
    }
    return result;
  } catch (e) {
    const r = failure(precision, e);
    console.log(`${label}: ${r.status}: ${r.error}`);
    return r;
  } finally {
    engine?.dispose();
  }
}

async function deviceName(): Promise<string> {
  if (target === 'cpu') return 'cpu';
  try {
    const d = (await listDevices()).find((x) => x.kind === 'cuda' && x.index === target);
    return d?.name ?? `cuda${target}`;
  } catch {
    return `cuda${target}`;
  }
}

async function main(): Promise<void> {
  const names = listManifests(dataDir, only);
  if (!names.length) {
    console.error(`no exported models in ${dataDir}: run python3 bench/peers/export_models.py --out ${dataDir} first`);
    process.exit(2);
  }
  const gpu = await deviceName();
  const peers = readPeers(peerFiles);
  const models: ModelResult[] = [];
  for (const name of names) {
    let data: ModelData;
    try {
      data = loadModelData(dataDir, name);
    } catch (e) {
      console.log(`${name}: cannot read the exported data: ${oneLine(e)}`);
      models.push({ name, batches: [], tensorjet: precisions.map((p) => ({ precision: p, status: 'error', error: oneLine(e), timings: [] })), peers: [] });
      continue;
    }
    const batches = batchOverride ?? data.manifest.batches;
    const tensorjet: PrecisionResult[] = [];
    for (const p of precisions) {
      tensorjet.push(overBudget() ? { precision: p, status: 'skipped', error: 'time budget spent', timings: [] } : await runPrecision(data, p, batches));
    }
    models.push({
      name, params: data.manifest.params, exporter: data.manifest.exporter, batches, tensorjet,
      opset: data.manifest.opset as number | undefined, ortRelL2: data.manifest.ort_rel_l2 as number[] | undefined,
      peers: peers.filter((r) => r.model === name && batches.includes(r.batch)),
    });
  }

  const date = new Date().toISOString().slice(0, 10);
  const slug = gpu.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const torchVersion = peers.find((p) => p.torch)?.torch;
  const preface = [
    `Device: ${gpu} (target ${target}). Node ${process.version}. ${torchVersion ? `torch ${torchVersion}.` : 'No torch peer results.'}`,
    `Models from ${dataDir}; accuracy thresholds (relative L2 vs torch fp32): fp32 ${THRESHOLD.fp32}, fp16 ${THRESHOLD.fp16}.`,
  ];
  const md = reportMarkdown(`TensorJet vs PyTorch, ${date}, ${gpu}`, preface, models);
  fs.mkdirSync(resultsDir, { recursive: true });
  const base = path.join(resultsDir, `${date}-${slug}`);
  const json = { date: new Date().toISOString(), device: gpu, target, node: process.version, torch: torchVersion, dataDir, thresholds: THRESHOLD, models };
  fs.writeFileSync(`${base}.json`, JSON.stringify(json, null, 1));
  fs.writeFileSync(`${base}.md`, md);
  console.log(`\n${md}\nwrote ${base}.json and ${base}.md`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
