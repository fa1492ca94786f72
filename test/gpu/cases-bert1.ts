/**
 * GPU checks for the small-grid kernels (BERT-base at batch 1): tensorjet::FusedAttention's attn_mmas (16
 * queries per block, keys split over the warps; float16 when B * H * ceil(S / 64) < 132), SkipLayerNorm's
 * warppf and LayerNormalization's warp kernel with 1-7 warps per block, at the shapes that pick them (B = 1
 * S = 128 H = 12 D = 64, odd S 77, B = 2, several key tiles, D 128, K^T, unaligned, rows masked everywhere)
 * and at the shapes that keep the 64-query / 8-row kernels (B = 64). float32 and float16, padding masks.
 * Run the checks with TENSORJET_SMALL_GRID=1 (every shape small-grid) and =0 (none) to cover both paths.
 *
 * Run directly (node dist/test/gpu/cases-bert1.js), it times those nodes on GPU 0 with the small-grid
 * launches off, automatic and forced (per-node profile: one event pair each, ~2.5 us of it overhead).
 */
import type { Attribute } from '../../src/ir/graph.js';
import type { DType } from '../../src/tensor/dtype.js';
import { float32ArrayToFloat16 } from '../../src/tensor/float16.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import type { Case, In } from './run.js';

const int = (value: number): Attribute => ({ type: 'int', value });
const flt = (value: number): Attribute => ({ type: 'float', value });

/**
 * BERT padding mask [b, 1, 1, s]: sequence i has s - (7 * i) % (s - 1) tokens (0), the rest -10000. Every sequence
 * keeps a token: over all -10000 the float16 reference (scores + mask rounded to 8) is no reference.
 */
const padding = (dt: DType, b: number, s: number): In => ({
  dtype: dt, dims: [b, 1, 1, s], floats: Array.from({ length: b * s }, (_, i) => (i % s < s - ((Math.floor(i / s) * 7) % (s - 1)) ? 0 : -10000)),
});
const qkvAttrs = (h: number, d: number, mask: boolean): Record<string, Attribute> => ({
  scale: flt(1 / Math.sqrt(d)), transpose_k: int(1), has_mask: int(mask ? 1 : 0), bshd: int(15), qkv: int(1), num_heads: int(h),
});

export function bert1Cases(): Case[] {
  const c: Case[] = [];
  for (const dt of ['float32', 'float16'] as DType[]) {
    const tol = dt === 'float16' ? 1e-2 : 1e-5;
    const x = (dims: number[], lo = -1, hi = 1): In => ({ dtype: dt, dims, lo, hi });
    const W = (...dims: number[]): In => ({ dtype: dt, dims, constant: true });
    const qkv = (name: string, [b, s, h, d]: number[], mask?: In) =>
      c.push({ name: `FusedAttention_bert1_qkv_${name}_${dt}`, op: 'FusedAttention', domain: 'tensorjet', opset: 17, tol,
        inputs: [x([b, s, 3 * h * d]), ...(mask ? [mask] : [])], attrs: qkvAttrs(h, d, !!mask) });
    const at = (name: string, inputs: In[], scale: number, tk: number, bshd: number) =>
      c.push({ name: `FusedAttention_bert1_${name}_${dt}`, op: 'FusedAttention', domain: 'tensorjet', inputs, opset: 17, tol,
        attrs: { scale: flt(scale), transpose_k: int(tk), has_mask: int(inputs.length > 3 ? 1 : 0), bshd: int(bshd) } });
    // small grids (attn_mmas for float16)
    qkv('b1_s128_h12_d64_mask', [1, 128, 12, 64], padding(dt, 1, 128));
    qkv('b1_s128_h12_d64_nomask', [1, 128, 12, 64]);
    qkv('b1_s77_h12_d64_mask', [1, 77, 12, 64], padding(dt, 1, 77));
    qkv('b2_s128_h12_d64_mask', [2, 128, 12, 64], padding(dt, 2, 128));
    qkv('b3_s50_h3_d20_unaligned_mask', [3, 50, 3, 20], padding(dt, 3, 50));
    // several key tiles (128 keys per tile at D 64, 64 at D 128), causal -inf: whole warps' key ranges masked
    const causal = (s: number) => Array.from({ length: s * s }, (_, i) => (i % s <= Math.floor(i / s) ? 0 : -Infinity));
    at('causal_s300_d64', [x([1, 2, 300, 64]), x([1, 2, 300, 64]), x([1, 2, 300, 64]), { dtype: dt, dims: [1, 1, 300, 300], floats: causal(300) }], 0.125, 1, 0);
    at('bshd_d128_dv96_s150', [x([1, 150, 2, 128]), x([1, 150, 2, 128]), x([1, 150, 2, 96]), { dtype: dt, dims: [1, 1, 150, 150], floats: causal(150) }], 0.09, 1, 15);
    at('bshd_d40_sk45', [x([2, 70, 2, 40], -2, 2), x([2, 45, 2, 40], -2, 2), x([2, 45, 2, 48]), x([2, 2, 70, 45], -3, 0)], 0.15, 1, 15);
    at('kT_s40_d32', [x([1, 3, 40, 32], -2, 2), x([1, 3, 32, 40], -2, 2), x([1, 3, 40, 32])], 0.25, 0, 0);
    at('sk20_few_keys', [x([1, 4, 33, 64]), x([1, 4, 20, 64]), x([1, 4, 20, 64])], 0.125, 1, 0);
    // rows 0 and 5 masked everywhere with -inf: NaN, as the reference
    const dead = Array.from({ length: 33 * 33 }, (_, i) => (Math.floor(i / 33) === 0 || Math.floor(i / 33) === 5 ? -Infinity : i % 7 === 0 ? -Infinity : 0));
    at('rows_masked_everywhere', [x([1, 2, 33, 64]), x([1, 2, 33, 64]), x([1, 2, 33, 64]), { dtype: dt, dims: [1, 1, 33, 33], floats: dead }], 0.125, 1, 0);
    // large grids: the 64-query kernel
    qkv('b64_s128_h12_d64_mask', [64, 128, 12, 64], padding(dt, 64, 128));
    qkv('b16_s77_h12_d64_mask', [16, 77, 12, 64], padding(dt, 16, 77));
    // more items than resident blocks (persistent attn_mma: 528 at head size 64, 264 at 128), several key tiles, a
    // partial last tile, a query-varying mask (attn_mmaq), head size 128, an odd Dv (element stores)
    at('persist_b32_h8_s130_d64_causal', [x([32, 8, 130, 64]), x([32, 8, 130, 64]), x([32, 8, 130, 64]), { dtype: dt, dims: [1, 1, 130, 130], floats: causal(130) }], 0.125, 1, 0);
    at('persist_b24_s100_h8_d128_mask', [x([24, 100, 8, 128]), x([24, 100, 8, 128]), x([24, 100, 8, 128]), padding(dt, 24, 100)], 0.088, 1, 15);
    at('persist_b24_h8_s100_d128', [x([24, 8, 100, 128]), x([24, 8, 100, 128]), x([24, 8, 100, 128])], 0.088, 1, 0);
    at('persist_b40_s70_h4_d40_dv33_mask', [x([40, 70, 4, 40]), x([40, 70, 4, 40]), x([40, 70, 4, 33]), padding(dt, 40, 70)], 0.15, 1, 15);

    const sln = (name: string, inputs: In[], outputs = 1) =>
      c.push({ name: `SkipLayerNorm_bert1_${name}_${dt}`, op: 'SkipLayerNorm', domain: 'tensorjet', inputs, attrs: { epsilon: flt(1e-12) }, outputs, tol: dt === 'float16' ? 1e-2 : 1e-4 });
    sln('b1_s128_768', [x([1, 128, 768]), x([1, 128, 768]), W(768), W(768)]);
    sln('b1_s77_768', [x([1, 77, 768]), x([1, 77, 768]), W(768), W(768)]);
    sln('b8_s128_768_wpb7', [x([8, 128, 768]), x([8, 128, 768]), W(768), W(768)]);
    sln('b64_s128_768', [x([64, 128, 768]), x([64, 128, 768]), W(768), W(768)]);
    sln('rows3_cols1000', [x([3, 1000]), x([3, 1000]), W(1000), W(1000)]);
    sln('nobias_sum', [x([1, 50, 256]), x([1, 50, 256]), W(256)], 2);
    sln('skip_one_row', [x([1, 40, 768]), x([768]), W(768), W(768)]);
    sln('scalar_cols', [x([1, 9, 36]), x([1, 9, 36]), W(36), W(36)]);

    const ln = (name: string, inputs: In[], outputs = 1) =>
      c.push({ name: `LayerNorm_bert1_${name}_${dt}`, op: 'LayerNormalization', opset: 17, inputs, attrs: { epsilon: flt(1e-12) }, outputs, tol: dt === 'float16' ? 1e-2 : 1e-4 });
    ln('b1_s128_768', [x([1, 128, 768]), W(768), W(768)]);
    ln('rows300_64', [x([300, 64]), W(64), W(64)]);
    ln('b64_s128_768', [x([64, 128, 768]), W(768), W(768)]);
  }
  c.push({ name: 'LayerNorm_bert1_stats_float32', op: 'LayerNormalization', opset: 17, outputs: 3, inputs: [{ dims: [1, 20, 50] }, { dims: [50] }, { dims: [50] }], tol: 1e-5 });
  return c;
}

interface PerfIn { dims: number[]; constant?: boolean; floats?: number[] }

/** Per-node time (us, profile medians) of one node on GPU 0 under each TENSORJET_SMALL_GRID setting. */
async function bert1Perf(): Promise<void> {
  const { CudaEngine } = await import('../../src/backends/cuda/index.js');
  const { cpuRegistry, randomFloats } = await import('../helpers.js');
  const { kernelsFor, oneNodeModel, planOf } = await import('./harness.js');
  const { arch, kernels, deviceName } = await kernelsFor(0);
  const dt: DType = 'float16';
  const tensor = (s: PerfIn, seed: number): Tensor => {
    const n = s.dims.reduce((a, b) => a * b, 1);
    return makeTensor(dt, s.dims, float32ArrayToFloat16(s.floats ? Float32Array.from(s.floats) : randomFloats(n, seed, -1, 1)));
  };
  const time = async (name: string, op: string, ins: PerfIn[], attrs: Record<string, Attribute>, domain: string, opset = 17) => {
    const cols: string[] = [];
    for (const mode of ['0', 'auto', '1']) {
      if (mode === 'auto') delete process.env.TENSORJET_SMALL_GRID;
      else process.env.TENSORJET_SMALL_GRID = mode;
      const ts = ins.map((s, i) => tensor(s, 3 + i));
      const model = oneNodeModel(op, ins.map((s, i) => ({ name: `in${i}`, t: ts[i], constant: s.constant })), attrs, ['out0'], opset, domain);
      const engine = new CudaEngine(planOf(model, arch, kernels, deviceName), 0, { graphs: true }, cpuRegistry);
      try {
        const ctx = engine.createContext();
        const feeds = new Map(ins.flatMap((s, i) => (s.constant ? [] : [[`in${i}`, ts[i]] as [string, Tensor]])));
        const p = await ctx.profile(feeds, 50);
        cols.push(`${mode.padStart(4)} ${(p.nodes.reduce((a, n) => a + n.ms, 0) * 1000).toFixed(2).padStart(7)} us`);
        ctx.dispose();
      } finally {
        engine.dispose();
      }
    }
    delete process.env.TENSORJET_SMALL_GRID;
    console.log(`${name.padEnd(40)} ${cols.join('  ')}`);
  };
  console.log(`GPU 0: ${deviceName}; float16 per-node us with TENSORJET_SMALL_GRID = 0 / auto / 1`);
  for (const b of [1, 2, 4, 5, 8, 16, 64]) {
    const mask = padding('float16', b, 128);
    await time(`FusedAttention qkv b${b} s128 h12 d64 mask`, 'FusedAttention', [{ dims: [b, 128, 2304] }, { dims: mask.dims, floats: mask.floats }], qkvAttrs(12, 64, true), 'tensorjet');
  }
  for (const b of [1, 2, 4, 8, 64]) {
    const eps = { epsilon: flt(1e-12) };
    await time(`SkipLayerNorm [${b},128,768]`, 'SkipLayerNorm', [{ dims: [b, 128, 768] }, { dims: [b, 128, 768] }, { dims: [768], constant: true }, { dims: [768], constant: true }], eps, 'tensorjet');
    if (b === 1 || b === 64) await time(`LayerNormalization [${b},128,768]`, 'LayerNormalization', [{ dims: [b, 128, 768] }, { dims: [768], constant: true }, { dims: [768], constant: true }], eps, '');
  }
}

if (process.argv[1]?.endsWith('cases-bert1.js')) {
  bert1Perf().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
