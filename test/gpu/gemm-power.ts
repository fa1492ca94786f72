/**
 * GEMM tactics under the power cap: BERT-base batch-64 GEMMs (M = 8192 tokens, fp16, random data) over the
 * cuBLASLt heuristic's first --ranks algorithms, each timed two ways: as build-time tuning times it (a short
 * burst of graph replays, clocks at boost) and sustained (a graph of runs replayed for --warm-ms, then timed
 * for --ms, when a GPU such as the H200 is held at its power limit), with the energy (NVML) and SM clock of the
 * sustained window (NVML's energy counter updates coarsely: the watts are approximate, the times are not). Shows
 * whether the tactic fastest in a burst is also fastest where the model really runs.
 *
 *   node dist/test/gpu/gemm-power.js [--ranks 12] [--warm-ms 300] [--ms 300] [--shapes qkv,ffn_out]
 */
import koffi from 'koffi';
import { float32ToFloat16 } from '../../src/tensor/float16.js';
import type { MatmulSpec } from '../../src/backends/cuda/ffi/cublaslt.js';

const args = process.argv.slice(2);
const opt = (n: string, f: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : f);
const SHAPES: [string, number, number, number, MatmulSpec['epilogue']][] = [
  ['qkv', 8192, 2304, 768, 'bias'],
  ['attn_out', 8192, 768, 768, 'bias'],
  ['ffn_in', 8192, 3072, 768, 'gelu_bias'],
  ['ffn_out', 8192, 768, 3072, 'bias'],
];

/** NVML's energy counter (mJ) and SM clock, or undefined without libnvidia-ml. */
function nvml(): { energyMj(): number; smMhz(): number } | undefined {
  try {
    const lib = koffi.load('libnvidia-ml.so.1');
    const init = lib.func('int nvmlInit_v2()');
    const handleOf = lib.func('int nvmlDeviceGetHandleByIndex_v2(unsigned int, _Out_ void **)');
    const energy = lib.func('int nvmlDeviceGetTotalEnergyConsumption(void *, _Out_ uint64_t *)');
    const clock = lib.func('int nvmlDeviceGetClockInfo(void *, int, _Out_ unsigned int *)');
    if (init() !== 0) return undefined;
    const h: [unknown] = [null];
    if (handleOf(0, h) !== 0) return undefined;
    return {
      energyMj: () => {
        const v: [number] = [0];
        energy(h[0], v);
        return Number(v[0]);
      },
      smMhz: () => {
        const v: [number] = [0];
        clock(h[0], 1, v);
        return v[0];
      },
    };
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const { unavailableReason } = await import('../../src/backends/cuda/index.js');
  const why = unavailableReason();
  if (why) return console.log(`SKIP: ${why}`);
  const { CudaDevice } = await import('../../src/backends/cuda/device.js');
  const { cublasLtCreate, cublasLtDestroy, LtMatmul } = await import('../../src/backends/cuda/ffi/cublaslt.js');
  const { GEMM_CANDIDATES } = await import('../../src/backends/cuda/gemm-tactics.js');
  const { CONV_WORKSPACE } = await import('../../src/backends/cuda/tactics.js');
  const { captureGraph, replayedMs, streamMs } = await import('../../src/backends/cuda/graph-capture.js');
  const { CU_STREAM_NON_BLOCKING } = await import('../../src/backends/cuda/ffi/driver.js');
  const ranks = Number(opt('--ranks', '12'));
  const warmMs = Number(opt('--warm-ms', '300'));
  const timedMs = Number(opt('--ms', '300'));
  const only = opt('--shapes', '').split(',').filter(Boolean);
  const power = nvml();
  const dev = new CudaDevice(0);
  const { d } = dev;
  const handle = cublasLtCreate();
  const stream = d.out('cuStreamCreate', CU_STREAM_NON_BLOCKING);
  const ev = [d.out('cuEventCreate', 0), d.out('cuEventCreate', 0)];
  const upload = (n: number, scale: number) => {
    const h = new Uint16Array(n);
    for (let i = 0; i < n; i++) h[i] = float32ToFloat16((Math.random() * 2 - 1) * scale);
    const p = dev.alloc(n * 2, 'gemm-power buffer');
    d.check(d.fn.cuMemcpyHtoD(p, h, n * 2), 'cuMemcpyHtoD');
    return p;
  };
  console.log(`${dev.name}; NVML ${power ? 'energy + clocks' : 'unavailable'}; burst = tuning's timing, sustained = after ${warmMs} ms of the same GEMM, over ${timedMs} ms`);
  try {
    for (const [name, m, n, k, epilogue] of SHAPES.filter(([s]) => !only.length || only.includes(s))) {
      const s: MatmulSpec = { m, n, k, transA: false, transB: false, batch: 1, strideA: 0, strideB: 0, strideD: 0, dtype: 'float16', epilogue };
      const [a, w, out, bias] = [upload(m * k, 1), upload(k * n, 1 / Math.sqrt(k)), upload(m * n, 0), upload(n, 0.1)];
      const ws = dev.alloc(CONV_WORKSPACE, 'gemm-power workspace');
      const rows: { rank: number; burst: number; sustained: number; watts: number; mhz: number; cfg: string }[] = [];
      for (let rank = 0; rank < Math.min(ranks, GEMM_CANDIDATES); rank++) {
        let mm;
        try {
          mm = new LtMatmul(handle, s, CONV_WORKSPACE, { rank, of: GEMM_CANDIDATES });
        } catch {
          break;
        }
        if (mm.rank !== rank) break;
        try {
          const run = () => mm.run(a, w, out, bias, ws, stream);
          run();
          const burst = replayedMs(d, stream, ev, 32, run);
          const reps = Math.max(1, Math.ceil(2 / burst));
          const exec = captureGraph(d, stream, () => {
            for (let i = 0; i < reps; i++) run();
          });
          try {
            const replays = (ms: number) => () => {
              for (let i = 0; i < Math.ceil(ms / (burst * reps)); i++) d.check(d.fn.cuGraphLaunch(exec, stream), 'cuGraphLaunch');
            };
            streamMs(d, stream, ev, replays(warmMs));
            const e0 = power?.energyMj() ?? 0;
            const t0 = performance.now();
            let mhz = 0;
            const calls = Math.ceil(timedMs / (burst * reps));
            const total = streamMs(d, stream, ev, () => {
              replays(timedMs)();
              mhz = power?.smMhz() ?? 0; // read while the GPU is busy
            });
            const watts = power ? (power.energyMj() - e0) / (performance.now() - t0) : 0;
            const c = mm.config();
            rows.push({ rank, burst, sustained: total / (calls * reps), watts, mhz, cfg: `id ${c.id} tile ${c.tile} stages ${c.stages} cluster ${c.cluster} inner ${c.inner} custom ${c.custom} splitK ${c.splitK} swizzle ${c.swizzle}` });
          } finally {
            d.fn.cuGraphExecDestroy(exec);
          }
        } catch (e) {
          console.log(`  rank ${rank}: ${(e as Error).message.split('\n')[0]}`);
        } finally {
          mm.dispose();
        }
      }
      const flop = 2 * m * n * k;
      const bb = [...rows].sort((x, y) => x.burst - y.burst)[0];
      const bs = [...rows].sort((x, y) => x.sustained - y.sustained)[0];
      console.log(`\n== ${name} [${m}x${k}]x[${k}x${n}] ${epilogue}: burst-best rank ${bb?.rank}, sustained-best rank ${bs?.rank}` +
        (bb && bs ? ` (sustained ${(bb.sustained * 1000).toFixed(1)} -> ${(bs.sustained * 1000).toFixed(1)} us)` : ''));
      console.log('  rank  burst_us  TFLOPS  sustained_us  TFLOPS   watts  SM_MHz  mJ/run  config');
      for (const r of rows) {
        console.log(`  ${String(r.rank).padStart(4)}  ${(r.burst * 1000).toFixed(1).padStart(8)}  ${(flop / r.burst / 1e9).toFixed(0).padStart(6)}  ${(r.sustained * 1000).toFixed(1).padStart(12)}  ${(flop / r.sustained / 1e9).toFixed(0).padStart(6)}  ${r.watts.toFixed(0).padStart(6)}  ${String(r.mhz).padStart(6)}  ${(r.watts * r.sustained).toFixed(2).padStart(6)}  ${r.cfg}`);
      }
      for (const p of [a, w, out, bias, ws]) dev.free(p);
    }
  } finally {
    d.fn.cuStreamSynchronize(stream);
    cublasLtDestroy(handle);
    dev.release();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
