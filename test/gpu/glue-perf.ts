/**
 * Timings of the transformer glue kernels at BERT-base b64 / YOLO sizes on GPU 0 (µs and GB/s of compulsory traffic):
 * FusedElementwise vector kernel (erf GELU chain, Add+Relu), SkipLayerNorm vs LayerNormalization, Softmax over a
 * non-last axis (YOLO DFL), FusedGemm with and without the GELU epilogue.   node dist/test/gpu/glue-perf.js
 */
import type { Attribute } from '../../src/ir/graph.js';
import type { DType } from '../../src/tensor/dtype.js';
import { float32ArrayToFloat16 } from '../../src/tensor/float16.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { cpuRegistry, randomFloats } from '../helpers.js';
import { kernelsFor, oneNodeModel, planOf } from './harness.js';

interface PerfIn { dims: number[]; constant?: boolean; value?: number; scale?: number }
const str = (value: string): Attribute => ({ type: 'string', value });

function tensor(dt: DType, s: PerfIn, seed: number): Tensor {
  const n = s.dims.reduce((a, b) => a * b, 1);
  const f = s.value !== undefined ? new Float32Array(n).fill(s.value) : randomFloats(n, seed, -2 * (s.scale ?? 1), 2 * (s.scale ?? 1));
  return dt === 'float16' ? makeTensor(dt, s.dims, float32ArrayToFloat16(f)) : makeTensor(dt, s.dims, f);
}

async function time(name: string, op: string, dt: DType, ins: PerfIn[], attrs: Record<string, Attribute>, bytes: number, domain = '', opset = 17): Promise<void> {
  const { CudaEngine } = await import('../../src/backends/cuda/index.js');
  const { arch, kernels, deviceName } = await kernelsFor(0);
  const ts = ins.map((s, i) => tensor(dt, s, 3 + i));
  const model = oneNodeModel(op, ins.map((s, i) => ({ name: `in${i}`, t: ts[i], constant: s.constant })), attrs, ['out0'], opset, domain);
  let section = kernels;
  if (op === 'FusedElementwise') {
    const { compileKernels, packKernels } = await import('../../src/backends/cuda/compile.js');
    const { compileFusedKernels } = await import('../../src/backends/cuda/fused-codegen.js');
    section = packKernels(arch, [...(await compileKernels(arch)), ...(await compileFusedKernels(model, arch))]);
  }
  const engine = new CudaEngine(planOf(model, arch, section, deviceName), 0, { graphs: true }, cpuRegistry);
  try {
    const ctx = engine.createContext();
    const feeds = new Map(ins.flatMap((s, i) => (s.constant ? [] : [[`in${i}`, ts[i]] as [string, Tensor]])));
    const p = await ctx.profile(feeds, 30);
    const ms = p.nodes.reduce((a, n) => a + n.ms, 0);
    console.log(`${name.padEnd(44)} ${dt.padEnd(8)} ${(ms * 1000).toFixed(1).padStart(8)} us  ${(bytes / ms / 1e9).toFixed(2).padStart(6)} TB/s  (${p.mode})`);
    ctx.dispose();
  } finally {
    engine.dispose();
  }
}

async function main(): Promise<void> {
  const prog = (steps: { op: string; in: string[] }[]) => ({ program: str(JSON.stringify({ opset: 17, steps })) });
  const erfGelu = prog([{ op: 'Div', in: ['i0', 'i1'] }, { op: 'Erf', in: ['s0'] }, { op: 'Add', in: ['s1', 'i2'] }, { op: 'Mul', in: ['i0', 's2'] }, { op: 'Mul', in: ['s3', 'i3'] }]);
  const k = (value: number): PerfIn => ({ dims: [], constant: true, value });
  for (const dt of ['float16', 'float32'] as DType[]) {
    const b = dt === 'float16' ? 2 : 4;
    const big = 8192 * 3072;
    await time('FusedElementwise erf-GELU [8192,3072]', 'FusedElementwise', dt, [{ dims: [8192, 3072] }, k(Math.SQRT2), k(1), k(0.5)], erfGelu, 2 * big * b, 'tensorjet');
    await time('FusedElementwise Add+Relu [8192,3072]', 'FusedElementwise', dt, [{ dims: [8192, 3072] }, { dims: [8192, 3072] }], prog([{ op: 'Add', in: ['i0', 'i1'] }, { op: 'Relu', in: ['s0'] }]), 3 * big * b, 'tensorjet');
    const h = 8192 * 768;
    await time('SkipLayerNorm [8192,768] (BERT b64)', 'SkipLayerNorm', dt, [{ dims: [64, 128, 768] }, { dims: [64, 128, 768] }, { dims: [768], constant: true }, { dims: [768], constant: true }], { epsilon: { type: 'float', value: 1e-12 } }, 3 * h * b, 'tensorjet');
    await time('LayerNormalization [8192,768]', 'LayerNormalization', dt, [{ dims: [64, 128, 768] }, { dims: [768], constant: true }, { dims: [768], constant: true }], {}, 2 * h * b);
    const dfl = 16 * 16 * 4 * 8400;
    await time('Softmax axis 1 [16,16,4,8400] (YOLO DFL)', 'Softmax', dt, [{ dims: [16, 16, 4, 8400] }], { axis: { type: 'int', value: 1 } }, 2 * dfl * b, '', 13);
    const w = (dims: number[]): PerfIn => ({ dims, constant: true, scale: 0.03 });
    const gemmBytes = (8192 * 768 + 768 * 3072 + 8192 * 3072) * b;
    await time('FusedGemm [8192,768]x[768,3072] +bias', 'FusedGemm', dt, [{ dims: [8192, 768] }, w([768, 3072]), w([3072])], {}, gemmBytes, 'tensorjet', 13);
    await time('FusedGemm [8192,768]x[768,3072] +bias+Gelu', 'FusedGemm', dt, [{ dims: [8192, 768] }, w([768, 3072]), w([3072])], { activation: str('Gelu') }, gemmBytes, 'tensorjet', 13);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
