/**
 * What a build pays on a machine whose driver JIT cache (CUDA_CACHE_PATH, ~/.nv/ComputeCache) is empty: wall
 * time of CUDA init, cuBLASLt and cuDNN handles, and of each cuDNN graph-API engine config a conv tuning
 * finalizes and times (fp16 NHWC conv + bias + SiLU, two shapes). Run it with CUDA_CACHE_DISABLE=1 for a cold
 * machine, and twice with one CUDA_CACHE_PATH for a warm one.
 *
 *   node dist/test/gpu/cold-start.js
 */
import type { ConvSpec } from '../../src/backends/cuda/ffi/cudnn.js';

async function main(): Promise<void> {
  const { unavailableReason } = await import('../../src/backends/cuda/index.js');
  const why = unavailableReason();
  if (why) return console.log(`SKIP: ${why}`);
  let t = performance.now();
  const lap = (what: string) => {
    const now = performance.now();
    console.log(`${what}: ${(now - t).toFixed(0)} ms`);
    t = now;
  };
  const { CudaDevice } = await import('../../src/backends/cuda/device.js');
  const { cublasLtCreate, cublasLtDestroy } = await import('../../src/backends/cuda/ffi/cublaslt.js');
  const { cudnnCreate, cudnnDestroy } = await import('../../src/backends/cuda/ffi/cudnn.js');
  const { CudnnConvGraph } = await import('../../src/backends/cuda/ffi/cudnn-graph.js');
  const { CU_STREAM_NON_BLOCKING } = await import('../../src/backends/cuda/ffi/driver.js');
  const { streamMs } = await import('../../src/backends/cuda/graph-capture.js');
  const dev = new CudaDevice(0);
  const { d } = dev;
  const stream = d.out('cuStreamCreate', CU_STREAM_NON_BLOCKING);
  lap('CUDA context + stream');
  const lt = cublasLtCreate();
  lap('cublasLtCreate');
  const handle = cudnnCreate(stream);
  lap('cudnnCreate');
  const ev = [d.out('cuEventCreate', 0), d.out('cuEventCreate', 0)];
  const base: ConvSpec = {
    transpose: false, dtype: 'float16', n: 16, c: 64, h: 80, w: 80, k: 64, kh: 3, kw: 3, oh: 80, ow: 80, pads: [1, 1, 1, 1],
    strides: [1, 1], dilations: [1, 1], groups: 1, act: 4, actParams: [0, 0], bias: true, residual: 0, nhwc: true,
  };
  const shapes: ConvSpec[] = [base, { ...base, n: 1, c: 128, h: 40, w: 40, k: 128, oh: 40, ow: 40 }, { ...base, c: 32, k: 32, kh: 1, kw: 1, pads: [0, 0, 0, 0] }];
  for (const s of shapes) {
    const sizes = [s.n * s.h * s.w * s.c, s.k * s.kh * s.kw * s.c, s.k, s.n * s.oh * s.ow * s.k, s.n * s.oh * s.ow * s.k].map((n) => n * 2);
    const bufs = sizes.map((n) => dev.alloc(n, 'cold-start buffer'));
    const ws = dev.alloc(32 << 20, 'cold-start workspace');
    const g = new CudnnConvGraph(handle, s);
    lap(`conv ${s.n}x${s.c}x${s.h}x${s.w} k${s.k} ${s.kh}x${s.kw}: graph + heuristics`);
    const timed = g.timeConfigs(4, 32 << 20, () => {
      const run = () => g.run(bufs[0]!, bufs[1]!, bufs[2]!, bufs[3]!, bufs[4]!, ws);
      const ms = streamMs(d, stream, ev, run);
      lap(`  config (finalize + first run ${ms.toFixed(3)} ms)`);
      return ms;
    });
    console.log(`  ${timed.length} configs, ranks ${timed.map((x) => x.rank).join(',')}`);
    g.dispose();
    for (const p of [...bufs, ws]) dev.free(p);
    t = performance.now();
  }
  cudnnDestroy(handle);
  cublasLtDestroy(lt);
  dev.release();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
