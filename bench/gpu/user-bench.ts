/**
 * Benchmarks of the user path (build -> Engine.load -> createContext -> infer) on GPU 0 (and GPU 1):
 *  1. SimpleNet batch 1, host in -> host out, median infer() latency;
 *  2. clones: device memory (cuMemGetInfo deltas) of one engine + N contexts vs N engines, weight-heavy MLP
 *     (8 x Gemm 4096x4096, 512 MiB fp32, batch 1);
 *  3. DevicePool throughput on a compute-bound MLP: GPU 0 alone vs GPUs 0+1 (when two are present).
 * Also writes /tmp/mlp-compute.plan for `tensorjet bench`.  node dist/bench/gpu/user-bench.js [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import type { Model, Node } from '../../src/ir/graph.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { serializePlan } from '../../src/plan/write.js';
import { kernelsFor, planOf } from '../../test/gpu/harness.js';
import { randomFloats } from '../../test/helpers.js';

/** in -> Gemm(in x width) + bias -> Relu -> (width x width) x (layers-2) -> (width x out) */
function mlp(batch: number, inDim: number, width: number, outDim: number, layers: number): Model {
  const nodes: Node[] = [];
  const constants = new Map<string, Tensor>();
  const shared = new Map<string, Float32Array>();
  const data = (k: number, n: number) => {
    const key = `${k}x${n}`;
    if (!shared.has(key)) shared.set(key, randomFloats(k * n, 11, -1 / Math.sqrt(k), 1 / Math.sqrt(k)));
    return shared.get(key)!;
  };
  let x = 'input';
  for (let l = 0; l < layers; l++) {
    const k = l === 0 ? inDim : width;
    const n = l === layers - 1 ? outDim : width;
    constants.set(`w${l}`, makeTensor('float32', [k, n], data(k, n)));
    constants.set(`b${l}`, makeTensor('float32', [n], data(1, n)));
    nodes.push({ name: `gemm${l}`, opType: 'Gemm', domain: '', inputs: [x, `w${l}`, `b${l}`], outputs: [`g${l}`], attributes: new Map() });
    nodes.push({ name: `relu${l}`, opType: 'Relu', domain: '', inputs: [`g${l}`], outputs: [`r${l}`], attributes: new Map() });
    x = `r${l}`;
  }
  return {
    irVersion: 8, opsets: new Map([['', 17]]), producerName: 'bench', producerVersion: '0',
    graph: { name: 'mlp', nodes, inputs: [{ name: 'input', type: { kind: 'tensor', dtype: 'float32', shape: [batch, inDim] } }], outputs: [{ name: x, type: { kind: 'tensor', dtype: 'float32' } }], constants, valueInfo: new Map() },
  };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const MiB = 2 ** 20;

async function main(): Promise<void> {
  const jsonAt = process.argv.indexOf('--json');
  const results: Record<string, unknown> = {};
  const cuda = await import('../../src/backends/cuda/index.js');
  const why = cuda.unavailableReason();
  if (why) return console.log(`SKIP: ${why}`);
  const api = await import('../../src/index.js');
  const { DevicePool } = await import('../../src/runtime/pool.js');
  const { CudaDevice } = await import('../../src/backends/cuda/device.js');
  const gpus = cuda.listCudaDevices();
  results.gpus = gpus;
  const dev0 = new CudaDevice(0); // holds the primary context so deltas exclude its creation
  const freeBytes = (): number => {
    dev0.makeCurrent();
    dev0.d.check(dev0.d.fn.cuCtxSynchronize(), 'cuCtxSynchronize');
    const f: [number] = [0], t: [number] = [0];
    dev0.d.check(dev0.d.fn.cuMemGetInfo(f, t), 'cuMemGetInfo');
    return Number(f[0]);
  };

  // 1. SimpleNet, batch 1, host -> host
  {
    const { plan } = await api.build('examples/simplenet/simplenet.onnx', { target: 0 });
    const engine = await api.Engine.load(plan, { device: 0 });
    const ctx = engine.createContext();
    const feeds = { input: makeTensor('float32', [1, 5], Float32Array.from([0, 1, 2, 3, 4])) };
    const first = await ctx.infer(feeds);
    console.log(`simplenet output: [${Array.from(first.output!.data as Float32Array).join(', ')}]`);
    for (let i = 0; i < 500; i++) await ctx.infer(feeds);
    const lat: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const t0 = performance.now();
      await ctx.infer(feeds);
      lat.push((performance.now() - t0) * 1000);
    }
    const r = { p50Us: pct(lat, 50), p90Us: pct(lat, 90), p99Us: pct(lat, 99), iters: lat.length, spinUs: process.env.TENSORJET_CUDA_SPIN_US ?? '20 (default)' };
    results.simplenet = r;
    console.log(`SimpleNet b1 infer() host->host on ${engine.device}: p50 ${r.p50Us.toFixed(1)} us  p90 ${r.p90Us.toFixed(1)} us  p99 ${r.p99Us.toFixed(1)} us (${lat.length} iters, spin ${r.spinUs})`);
    engine.dispose();
  }
  if (process.argv.includes('--simplenet-only')) return void dev0.release();

  const { arch, kernels, deviceName } = await kernelsFor(0);

  // 2. clones: one engine + N contexts vs N engines (weight-heavy, batch 1)
  {
    const plan = planOf(mlp(1, 4096, 4096, 4096, 8), arch, kernels, deviceName);
    const feeds = { input: makeTensor('float32', [1, 4096], randomFloats(4096, 3)) };
    const base = freeBytes();
    const engine = await api.Engine.load(plan, { device: 0 });
    const afterEngine = base - freeBytes();
    const ctxTotals: number[] = [];
    const arenas: number[] = [];
    const ctxs = [];
    for (let i = 0; i < 4; i++) {
      const c = engine.createContext();
      await c.infer(feeds);
      ctxs.push(c);
      ctxTotals.push(base - freeBytes());
      arenas.push(c.memoryBytes());
    }
    engine.dispose();
    const engines = [];
    const sepTotals: number[] = [];
    for (let i = 0; i < 4; i++) {
      const e = await api.Engine.load(plan, { device: 0 });
      await e.createContext().infer(feeds);
      engines.push(e);
      sepTotals.push(base - freeBytes());
    }
    engines.forEach((e) => e.dispose());
    const perExtra = ctxTotals.slice(1).map((t, i) => t - ctxTotals[i]!);
    const r = {
      engineMiB: afterEngine / MiB,
      oneContextTotalMiB: ctxTotals[0]! / MiB,
      contextTotalsMiB: ctxTotals.map((b) => b / MiB),
      extraContextMiB: perExtra.map((b) => b / MiB),
      arenaMiB: arenas[0]! / MiB,
      fourContextsOverOne: ctxTotals[3]! / ctxTotals[0]!,
      enginesTotalsMiB: sepTotals.map((b) => b / MiB),
      fourEnginesOverFourContexts: sepTotals[3]! / ctxTotals[3]!,
    };
    results.clones = r;
    console.log(`clones (8 x Gemm 4096x4096 fp32, ${(plan.model.graph.constants.size)} constants): engine load ${r.engineMiB.toFixed(1)} MiB; totals with 1..4 contexts ${r.contextTotalsMiB.map((x) => x.toFixed(1)).join(', ')} MiB`);
    console.log(`  each extra context: ${r.extraContextMiB.map((x) => x.toFixed(2)).join(', ')} MiB (its scratch arena ${r.arenaMiB.toFixed(2)} MiB, incl. 32 MiB cuBLASLt workspace); 4 contexts / 1 context = ${r.fourContextsOverOne.toFixed(3)}`);
    console.log(`  4 separate engines: ${r.enginesTotalsMiB.map((x) => x.toFixed(1)).join(', ')} MiB (${r.fourEnginesOverFourContexts.toFixed(2)}x the 4-context total)`);
  }

  // 3. compute-bound MLP throughput through the DevicePool: 1 GPU vs 2 GPUs
  {
    const batch = 512;
    const model = mlp(batch, 256, 4096, 256, 8);
    const plan = planOf(model, arch, kernels, deviceName);
    writeFileSync('/tmp/mlp-compute.plan', serializePlan(plan));
    const flops = 2 * batch * (256 * 4096 + 6 * 4096 * 4096 + 4096 * 256);
    const feeds = { input: makeTensor('float32', [batch, 256], randomFloats(batch * 256, 9)) };
    const measure = async (devices: number[], seconds: number) => {
      const pool = await DevicePool.create(plan, { devices, contextsPerDevice: 2 });
      await pool.run(Array.from({ length: 8 * devices.length }, () => feeds));
      let done = 0;
      const t0 = performance.now();
      const end = t0 + seconds * 1000;
      await Promise.all(Array.from({ length: 4 * devices.length }, async () => {
        while (performance.now() < end) { await pool.infer(feeds); done++; }
      }));
      const s = (performance.now() - t0) / 1000;
      pool.dispose();
      return { devices, inferPerS: done / s, tflops: (done * flops) / s / 1e12 };
    };
    const one = await measure([0], 3);
    console.log(`pool MLP b${batch} 256->4096x6->256 fp32 on GPU 0 (2 contexts): ${one.inferPerS.toFixed(1)} infer/s, ${one.tflops.toFixed(1)} TFLOP/s`);
    const r: Record<string, unknown> = { one, flopsPerInfer: flops };
    if (gpus.length >= 2) {
      const two = await measure([0, 1], 3);
      r.two = two;
      r.scaling = two.inferPerS / one.inferPerS;
      console.log(`pool on GPUs 0+1 (2 contexts each): ${two.inferPerS.toFixed(1)} infer/s, ${two.tflops.toFixed(1)} TFLOP/s -> ${(two.inferPerS / one.inferPerS).toFixed(2)}x one GPU`);
    }
    results.pool = r;
  }
  dev0.release();
  if (jsonAt > 0) writeFileSync(process.argv[jsonAt + 1]!, JSON.stringify(results, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
