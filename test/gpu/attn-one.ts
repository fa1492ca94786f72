/**
 * Runs BERT-base's FusedAttention node (packed QKV [b, 128, 2304], padding mask, 12 heads of 64) `iters` times on
 * GPU 0, eagerly: a target for a kernel profiler (test/gpu/attn-ncu.sh).
 *   node dist/test/gpu/attn-one.js [batch=64] [iters=5]
 */
import { CudaEngine } from '../../src/backends/cuda/index.js';
import { float32ArrayToFloat16 } from '../../src/tensor/float16.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { cpuRegistry, randomFloats } from '../helpers.js';
import { kernelsFor, oneNodeModel, planOf } from './harness.js';

const [b, iters] = [Number(process.argv[2] ?? 64), Number(process.argv[3] ?? 5)];
const { arch, kernels, deviceName } = await kernelsFor(0);
const half = (dims: number[], data: Float32Array): Tensor => makeTensor('float16', dims, float32ArrayToFloat16(data));
const qkv = half([b, 128, 2304], randomFloats(b * 128 * 2304, 3, -1, 1));
const mask = half([b, 1, 1, 128], Float32Array.from({ length: b * 128 }, (_, i) => (i % 128 < 128 - ((Math.floor(i / 128) * 7) % 127) ? 0 : -10000)));
const attrs = {
  scale: { type: 'float' as const, value: 0.125 }, transpose_k: { type: 'int' as const, value: 1 }, has_mask: { type: 'int' as const, value: 1 },
  bshd: { type: 'int' as const, value: 15 }, qkv: { type: 'int' as const, value: 1 }, num_heads: { type: 'int' as const, value: 12 },
};
const model = oneNodeModel('FusedAttention', [{ name: 'in0', t: qkv }, { name: 'in1', t: mask }], attrs, ['out0'], 17, 'tensorjet');
const engine = new CudaEngine(planOf(model, arch, kernels, deviceName), 0, { graphs: false }, cpuRegistry);
const ctx = engine.createContext();
for (let i = 0; i < iters; i++) await ctx.infer(new Map([['in0', qkv], ['in1', mask]]));
ctx.dispose();
engine.dispose();
console.log(`attn-one: ${iters} runs of FusedAttention b${b} on ${deviceName}`);
