/**
 * cuDNN graph API vs the legacy API on ResNet-50 / YOLO conv shapes (fp16 NHWC, epilogues fused): outputs
 * compared (random inputs, outputs poisoned first) and device time per call (CUDA events, median of 20).
 *   node dist/test/gpu/cudnn-graph-check.js [--batches 1,256]
 * Prints one line per shape; exits 0 without a GPU (saying why).
 */
import { CudaDevice } from '../../src/backends/cuda/device.js';
import { cudnnAvailable, cudnnCreate, CudnnConv, type ConvSpec } from '../../src/backends/cuda/ffi/cudnn.js';
import { CudnnConvGraph } from '../../src/backends/cuda/ffi/cudnn-graph.js';
import { unavailableReason } from '../../src/backends/cuda/index.js';
import { float16ArrayToFloat32, float32ArrayToFloat16 } from '../../src/tensor/float16.js';
import { randomFloats } from '../helpers.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const batches = arg('--batches', '1,256').split(',').map(Number);

/** [c, h, w, k, kernel, stride, act, bias, residual] */
type Shape = [number, number, number, number, number, number, number, boolean, 0 | 1 | 2];
const SHAPES: Record<string, Shape> = {
  'resnet conv1 7x7s2 c3->64 relu': [3, 224, 224, 64, 7, 2, 1, true, 0],
  'resnet l1 1x1 64->64 relu': [64, 56, 56, 64, 1, 1, 1, true, 0],
  'resnet l1 3x3 64->64 relu': [64, 56, 56, 64, 3, 1, 1, true, 0],
  'resnet l1 1x1 64->256 +z relu': [64, 56, 56, 256, 1, 1, 1, true, 1],
  'resnet l1 downsample 1x1 64->256 bias': [64, 56, 56, 256, 1, 1, 0, true, 0],
  'resnet l3 3x3 256->256 relu': [256, 14, 14, 256, 3, 1, 1, true, 0],
  'resnet l4 1x1 512->2048 +z relu': [512, 7, 7, 2048, 1, 1, 1, true, 1],
  'yolo 3x3s2 32->64 silu': [32, 320, 320, 64, 3, 2, 4, true, 0],
};

function spec(n: number, [c, h, w, k, ks, st, act, bias, residual]: Shape): ConvSpec {
  const p = (ks - 1) >> 1;
  const out = (x: number) => Math.floor((x + 2 * p - ks) / st) + 1;
  return {
    transpose: false, dtype: 'float16', n, c, h, w, k, kh: ks, kw: ks, oh: out(h), ow: out(w), pads: [p, p, p, p], strides: [st, st],
    dilations: [1, 1], groups: 1, act, actParams: [0, 0], bias, residual, nhwc: true,
  };
}

async function main(): Promise<void> {
  const why = unavailableReason();
  if (why || !cudnnAvailable()) {
    console.log(`skipped: ${why ?? 'cuDNN not available'}`);
    return;
  }
  const dev = new CudaDevice(0);
  const { d } = dev;
  const stream = d.out('cuStreamCreate', 1);
  const handle = cudnnCreate(stream);
  const ev = [0, 1].map(() => d.out('cuEventCreate', 0));
  const WS = 256 << 20;
  const ws = dev.alloc(WS, 'workspace');
  const upload = (n: number, seed: number) => {
    const p = dev.alloc(n * 2, 'buffer');
    const h = float32ArrayToFloat16(Float32Array.from(randomFloats(n, seed, -1, 1)));
    d.check(d.fn.cuMemcpyHtoD(p, new Uint8Array(h.buffer), n * 2), 'cuMemcpyHtoD');
    return p;
  };
  const download = (p: number, n: number) => {
    const h = new Uint16Array(n);
    d.check(d.fn.cuMemcpyDtoH(new Uint8Array(h.buffer), p, n * 2), 'cuMemcpyDtoH');
    return float16ArrayToFloat32(h);
  };
  const time = (run: () => void): number => {
    for (let i = 0; i < 3; i++) run();
    const ms: number[] = [];
    for (let i = 0; i < 20; i++) {
      d.check(d.fn.cuEventRecord(ev[0], stream), 'cuEventRecord');
      run();
      d.check(d.fn.cuEventRecord(ev[1], stream), 'cuEventRecord');
      d.check(d.fn.cuEventSynchronize(ev[1]), 'cuEventSynchronize');
      const o: [number] = [0];
      d.check(d.fn.cuEventElapsedTime(o, ev[0], ev[1]), 'cuEventElapsedTime');
      ms.push(o[0]);
    }
    return ms.sort((a, b) => a - b)[10]!;
  };
  for (const n of batches) {
    for (const [name, shape] of Object.entries(SHAPES)) {
      const s = spec(n, shape);
      const xN = s.n * s.h * s.w * s.c, wN = s.k * s.kh * s.kw * s.c, yN = s.n * s.oh * s.ow * s.k;
      const x = upload(xN, 1), w = upload(wN, 2), b = upload(s.k, 3), z = upload(yN, 4);
      const y1 = dev.alloc(yN * 2, 'y1'), y2 = dev.alloc(yN * 2, 'y2');
      try {
        d.check(d.fn.cuMemsetD8Async(y1, 0xff, yN * 2, stream), 'memset');
        d.check(d.fn.cuMemsetD8Async(y2, 0xff, yN * 2, stream), 'memset');
        const legacy = new CudnnConv(handle, s);
        const found = legacy.candidates(true, WS);
        legacy.setAlgo(found[0] ?? { algo: 0, math: 1, workspace: 0 });
        const legacyRun = () => legacy.run(x, w, b, z, y1, ws);
        // the legacy path may need conv-runner's epilogue kernel; report whether it fused
        const tLegacy = time(legacyRun);
        let line = `b${n} ${name}: legacy algo ${found[0]?.algo ?? '?'} ${legacy.fused ? 'fused' : 'UNFUSED (+epilogue kernel not timed)'} ${tLegacy.toFixed(4)} ms`;
        try {
          const t0 = performance.now();
          let g = new CudnnConvGraph(handle, s);
          const times = g.timeConfigs(8, WS, () => time(() => g.run(x, w, b, z, y2, ws)));
          const buildMs = performance.now() - t0;
          const best = [...times].sort((a, b2) => a.ms - b2.ms)[0];
          if (best) {
            // a config cannot be finalized again once its plan is gone: a fresh graph for the check
            g.dispose();
            g = new CudnnConvGraph(handle, s);
            g.use(best.rank, WS);
            d.check(d.fn.cuMemsetD8Async(y2, 0xff, yN * 2, stream), 'memset');
            g.run(x, w, b, z, y2, ws);
            d.check(d.fn.cuStreamSynchronize(stream), 'sync');
            const a = download(y1, yN), c = download(y2, yN);
            let maxErr = 0, maxRef = 0, nan = 0;
            for (let i = 0; i < yN; i++) {
              if (!Number.isFinite(c[i]!)) nan++;
              maxErr = Math.max(maxErr, Math.abs(a[i]! - c[i]!));
              maxRef = Math.max(maxRef, Math.abs(a[i]!));
            }
            line += ` | graph: ${times.length} configs timed in ${buildMs.toFixed(0)} ms, best rank ${best.rank} ${best.ms.toFixed(4)} ms (${(tLegacy / best.ms).toFixed(2)}x), max |diff| ${(maxErr / (maxRef || 1)).toExponential(1)} of max, non-finite ${nan}`;
          } else line += ' | graph: no engine config finalized';
          g.dispose();
        } catch (e) {
          line += ` | graph error: ${(e as Error).message}`;
        }
        legacy.dispose();
        console.log(line);
      } finally {
        for (const p of [x, w, b, z, y1, y2]) dev.free(p);
      }
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
