/**
 * cuDNN fused attention (ffi/cudnn-sdpa.ts) at BERT-base's shape: packed QKV [b, 128, 3 * 12 * 64] fp16, output
 * [b, 128, 768], padding mask as an additive bias [b, 1, 1, 128] (or expanded to [b, 1, 128, 128]). For each
 * graph form: how many engine configs finalize, device time per call of each (CUDA-graph replays), and the
 * best one's output against a float64 reference on random inputs (output poisoned first): relative L2 and max
 * error over a few (batch, head) pairs.
 *   node dist/test/gpu/sdpa-probe.js [--batches 1,8,64]
 * Exits 0 without a GPU or cuDNN (saying why).
 */
import { CudaDevice } from '../../src/backends/cuda/device.js';
import { cudnnAvailable, cudnnCreate, cudnnVersion } from '../../src/backends/cuda/ffi/cudnn.js';
import { CudnnSdpaGraph, type SdpaForm, type SdpaSpec } from '../../src/backends/cuda/ffi/cudnn-sdpa.js';
import { replayedMs, streamMs } from '../../src/backends/cuda/graph-capture.js';
import { unavailableReason } from '../../src/backends/cuda/index.js';
import { float16ArrayToFloat32, float32ArrayToFloat16 } from '../../src/tensor/float16.js';
import { randomFloats } from '../helpers.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const batches = arg('--batches', '1,8,64').split(',').map(Number);
const [S, H, DH] = [128, 12, 64];
const HD = H * DH;
const WS = 64 << 20;

const why = unavailableReason() ?? (cudnnAvailable() ? undefined : 'cuDNN not available');
if (why) {
  console.log(`skipped: ${why}`);
  process.exit(0);
}
console.log(`cuDNN ${cudnnVersion()}`);
const dev = new CudaDevice(0);
const { d } = dev;
const stream = d.out('cuStreamCreate', 1);
const handle = cudnnCreate(stream);
const ev = [0, 1].map(() => d.out('cuEventCreate', 0));
const ws = dev.alloc(WS, 'workspace');
const upload = (h: Float32Array): number => {
  const p = dev.alloc(h.length * 2, 'buffer');
  const x = float32ArrayToFloat16(h);
  d.check(d.fn.cuMemcpyHtoD(p, new Uint8Array(x.buffer), x.byteLength), 'cuMemcpyHtoD');
  return p;
};
const download = (p: number, n: number): Float32Array => {
  const h = new Uint16Array(n);
  d.check(d.fn.cuMemcpyDtoH(new Uint8Array(h.buffer), p, n * 2), 'cuMemcpyDtoH');
  return float16ArrayToFloat32(h);
};
const round16 = (x: Float32Array) => float16ArrayToFloat32(float32ArrayToFloat16(x));

for (const b of batches) {
  const qkvHost = round16(randomFloats(b * S * 3 * HD, 11 + b, -1, 1));
  const keyBias = Float32Array.from({ length: b * S }, (_, i) => (i % S < S - ((Math.floor(i / S) * 7) % (S - 1)) ? 0 : -10000));
  const fullBias = new Float32Array(b * S * S);
  for (let bi = 0; bi < b; bi++) for (let i = 0; i < S; i++) fullBias.set(keyBias.subarray(bi * S, (bi + 1) * S), (bi * S + i) * S);
  const qkv = upload(qkvHost);
  const biasKey = upload(keyBias);
  const biasFull = upload(fullBias);
  const out = dev.alloc(b * S * HD * 2, 'out');
  const rowStrides = [S * 3 * HD, DH, 3 * HD, 1];
  const base: Omit<SdpaSpec, 'bias'> = { b, h: H, sq: S, sk: S, d: DH, dv: DH, q: rowStrides, k: rowStrides, v: rowStrides, o: [S * HD, DH, HD, 1], scale: 1 / Math.sqrt(DH) };
  const variants: { name: string; form: SdpaForm; spec: SdpaSpec; bias: number }[] = [
    { name: 'unified, no mask', form: 'unified', spec: base, bias: 0 },
    { name: 'composite, no mask', form: 'composite', spec: base, bias: 0 },
    { name: 'composite, bias [b,1,1,s]', form: 'composite', spec: { ...base, bias: { dims: [b, 1, 1, S], strides: [S, S, S, 1] } }, bias: biasKey },
    { name: 'composite, bias [b,1,s,s]', form: 'composite', spec: { ...base, bias: { dims: [b, 1, S, S], strides: [S * S, S * S, S, 1] } }, bias: biasFull },
  ];
  for (const v of variants) {
    let line = `b${b} ${v.name}:`;
    let g: CudnnSdpaGraph | undefined;
    try {
      const t0 = performance.now();
      g = new CudnnSdpaGraph(handle, v.spec, v.form);
      const q = qkv, k = qkv + HD * 2, vv = qkv + 2 * HD * 2;
      const run = () => g!.run(q, k, vv, out, v.bias, ws);
      const times = g.timeConfigs(6, WS, () => {
        run();
        try {
          return replayedMs(d, stream, ev, 20, run);
        } catch {
          return Math.min(...[0, 1, 2].map(() => streamMs(d, stream, ev, run)));
        }
      });
      line += ` ${times.length} configs finalize (${(performance.now() - t0).toFixed(0)} ms incl. timing)`;
      line += ' ' + times.map((t) => `#${t.rank} ${(t.ms * 1000).toFixed(1)} us (ws ${t.workspace})`).join(', ');
      const best = [...times].sort((x, y) => x.ms - y.ms)[0];
      if (best) {
        // a config cannot be finalized again once its plan is gone: a fresh graph for the check
        g.dispose();
        g = new CudnnSdpaGraph(handle, v.spec, v.form);
        g.use(best.rank, WS);
        d.check(d.fn.cuMemsetD8Async(out, 0xff, b * S * HD * 2, stream), 'memset');
        run();
        d.check(d.fn.cuStreamSynchronize(stream), 'sync');
        const got = download(out, b * S * HD);
        const masked = v.bias !== 0;
        let num = 0, den = 0, maxErr = 0, bad = 0;
        for (const [bi, hi] of [[0, 0], [b - 1, H - 1], [b >> 1, 5]] as const) {
          for (let i = 0; i < S; i++) {
            const sc = new Float64Array(S);
            let mx = -Infinity;
            for (let j = 0; j < S; j++) {
              let dot = 0;
              for (let c = 0; c < DH; c++) dot += qkvHost[(bi * S + i) * 3 * HD + hi * DH + c]! * qkvHost[(bi * S + j) * 3 * HD + HD + hi * DH + c]!;
              sc[j] = dot / Math.sqrt(DH) + (masked ? keyBias[bi * S + j]! : 0);
              mx = Math.max(mx, sc[j]!);
            }
            let sum = 0;
            for (let j = 0; j < S; j++) sum += (sc[j] = Math.exp(sc[j]! - mx));
            for (let c = 0; c < DH; c++) {
              let o = 0;
              for (let j = 0; j < S; j++) o += (sc[j]! / sum) * qkvHost[(bi * S + j) * 3 * HD + 2 * HD + hi * DH + c]!;
              const y = got[(bi * S + i) * HD + hi * DH + c]!;
              if (!Number.isFinite(y)) bad++;
              num += (y - o) ** 2;
              den += o * o;
              maxErr = Math.max(maxErr, Math.abs(y - o));
            }
          }
        }
        line += ` | best #${best.rank}: rel L2 ${Math.sqrt(num / den).toExponential(2)}, max err ${maxErr.toExponential(2)}, non-finite ${bad}`;
      }
    } catch (e) {
      line += ` FAILED: ${(e as Error).message.split('\n')[0]}`;
    } finally {
      g?.dispose();
    }
    console.log(line);
  }
  for (const p of [qkv, biasKey, biasFull, out]) dev.free(p);
}
