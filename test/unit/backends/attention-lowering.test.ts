/**
 * tensorjet::FusedAttention's CUDA lowering without a GPU: the kernel it picks and its grid. float16 runs the
 * persistent attn_mma (grid clamped to the resident blocks: 4 per SM at head size 64, 2 at 128, and B as a last
 * argument), attn_mma*q when the mask varies by query, attn_mmas for small grids (BERT b1); float32 runs attn_d.
 * The spec it offers cuDNN's fused attention (build-time tactics), and where it offers none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attribute, Model, Node } from '../../../src/ir/graph.js';
import { LOWERINGS } from '../../../src/backends/cuda/lowering/index.js';
import { familiesFor, KERNEL_FAMILIES, packKernels, unpackKernels } from '../../../src/backends/cuda/compile.js';
import { LowerCtx, SMS, type KArg, type Launcher, type ValMeta } from '../../../src/backends/cuda/lowering/types.js';

const int = (value: number): Attribute => ({ type: 'int', value });

function lower(ins: ValMeta[], attrs: Record<string, Attribute>) {
  const node: Node = { name: 'a', opType: 'FusedAttention', domain: 'tensorjet', inputs: ins.map((_, i) => `i${i}`), outputs: ['y'], attributes: new Map(Object.entries(attrs)) };
  const l = LOWERINGS['tensorjet::FusedAttention'](new LowerCtx(node, 1, ins));
  const calls: { kernel: string; grid: number; block: number; args: KArg[] }[] = [];
  const cudnnCalls: number[][] = [];
  const launcher = {
    blocks: (_f: string, kernel: string, grid: number, block: number, args: KArg[]) => calls.push({ kernel, grid, block, args }),
    // no cuDNN tactic: ours runs
    attention: (_s: unknown, q: number, k: number, v: number, bias: number, o: number, ours: () => void) => (cudnnCalls.push([q, k, v, bias, o]), ours()),
  } as unknown as Launcher;
  l.emit!(ins.map((_, i) => 0x1000 * (i + 1)), [0x9000], launcher);
  return { out: l.outputs[0], spec: l.attention, cudnnCall: cudnnCalls[0], ...calls[0] };
}

/** BERT-base's packed QKV [b, s, 3 * 12 * 64] with a padding mask [b, 1, 1, s] */
const bert = (b: number, s = 128) =>
  lower([{ dtype: 'float16', dims: [b, s, 2304] }, { dtype: 'float16', dims: [b, 1, 1, s] }], { transpose_k: int(1), has_mask: int(1), bshd: int(15), qkv: int(1), num_heads: int(12) });

test('FusedAttention lowering: persistent attn_mma at BERT b64, attn_mmas at b1', () => {
  const saved = process.env.TENSORJET_SMALL_GRID;
  delete process.env.TENSORJET_SMALL_GRID;
  try {
    const b64 = bert(64);
    assert.deepEqual(b64.out, { dtype: 'float16', dims: [64, 128, 12, 64] });
    assert.equal(b64.kernel, 'attn_mma64_f16_mf16');
    assert.deepEqual([b64.grid, b64.block], [SMS * 4, 128]); // 64 * 12 * 2 = 1536 items
    assert.deepEqual(b64.args.at(-1), { i32: 64 });
    assert.equal(b64.args.length, 29);
    const b8 = bert(8);
    assert.deepEqual([b8.kernel, b8.grid], ['attn_mma64_f16_mf16', 8 * 12 * 2]); // fewer items than resident blocks
    const b1 = bert(1);
    assert.deepEqual([b1.kernel, b1.grid], ['attn_mmas64_f16_mf16', 12 * 8]);
    assert.equal(b1.args.length, 28); // no B
  } finally {
    if (saved === undefined) delete process.env.TENSORJET_SMALL_GRID;
    else process.env.TENSORJET_SMALL_GRID = saved;
  }
});

test('FusedAttention lowering: query-varying mask (attn_mma*q), head size 128 (2 blocks per SM), float32 (attn_d)', () => {
  const x = (dims: number[], dtype: 'float16' | 'float32' = 'float16'): ValMeta => ({ dtype, dims });
  const causal = lower([x([32, 8, 130, 64]), x([32, 8, 130, 64]), x([32, 8, 130, 64]), x([1, 1, 130, 130])], { transpose_k: int(1), has_mask: int(1) });
  assert.deepEqual([causal.kernel, causal.grid], ['attn_mma64q_f16_mf16', SMS * 4]);
  const d128 = lower([x([24, 8, 100, 128]), x([24, 8, 100, 128]), x([24, 8, 100, 128])], { transpose_k: int(1) });
  assert.deepEqual([d128.kernel, d128.grid], ['attn_mma128_f16_mf16', SMS * 2]);
  assert.deepEqual(d128.args.at(-1), { i32: 24 });
  const f32 = lower([x([24, 8, 100, 64], 'float32'), x([24, 8, 100, 64], 'float32'), x([24, 8, 100, 64], 'float32')], { transpose_k: int(1) });
  assert.deepEqual([f32.kernel, f32.grid, f32.args.length], ['attn_d64_f32_mf32', 24 * 8 * 2, 28]);
});

test('FusedAttention lowering: the spec offered to cuDNN (packed BERT QKV with its padding mask as a bias), and none where cuDNN cannot run it', () => {
  const b64 = bert(64);
  assert.deepEqual(b64.spec, {
    b: 64, h: 12, sq: 128, sk: 128, d: 64, dv: 64, scale: 1,
    q: [128 * 2304, 64, 2304, 1], k: [128 * 2304, 64, 2304, 1], v: [128 * 2304, 64, 2304, 1], o: [128 * 768, 64, 768, 1],
    bias: { dims: [64, 1, 1, 128], strides: [128, 128, 128, 1] },
  });
  // Q, K and V are the packed buffer's three column blocks (768 halves apart); the mask is the bias
  assert.deepEqual(b64.cudnnCall, [0x1000, 0x1000 + 1536, 0x1000 + 3072, 0x2000, 0x9000]);
  // batch 1: the size-1 batch dim gets its packed stride, not our broadcast 0
  assert.deepEqual(bert(1).spec?.q, [128 * 2304, 64, 2304, 1]);
  const x = (dims: number[], dtype: 'float16' | 'float32' = 'float16'): ValMeta => ({ dtype, dims });
  const f32 = lower([x([2, 4, 32, 64], 'float32'), x([2, 4, 32, 64], 'float32'), x([2, 4, 32, 64], 'float32')], { transpose_k: int(1) });
  assert.equal(f32.spec, undefined);
  const kT = lower([x([2, 4, 32, 64]), x([2, 4, 64, 32]), x([2, 4, 32, 64])], { transpose_k: int(0) }); // K^T: keys not rows
  assert.equal(kT.spec, undefined);
  const d36 = lower([x([2, 4, 32, 36]), x([2, 4, 32, 36]), x([2, 4, 32, 36])], { transpose_k: int(1) }); // head size not a multiple of 8
  assert.equal(d36.spec, undefined);
  const dv32 = lower([x([2, 4, 32, 64]), x([2, 4, 32, 64]), x([2, 4, 32, 32])], { transpose_k: int(1) });
  assert.equal(dv32.spec, undefined);
  const sharedK = lower([x([2, 4, 32, 64]), x([1, 4, 32, 64]), x([2, 4, 32, 64])], { transpose_k: int(1) }); // K broadcast over batch
  assert.equal(sharedK.spec, undefined);
  const f32Mask = lower([x([2, 4, 32, 64]), x([2, 4, 32, 64]), x([2, 4, 32, 64]), x([2, 1, 1, 32], 'float32')], { transpose_k: int(1), has_mask: int(1) });
  assert.equal(f32Mask.spec, undefined);
  const causal = lower([x([2, 4, 32, 64]), x([2, 4, 32, 64]), x([2, 4, 32, 64]), x([1, 1, 32, 32])], { transpose_k: int(1), has_mask: int(1) });
  assert.deepEqual(causal.spec?.bias, { dims: [1, 1, 32, 32], strides: [1024, 1024, 32, 1] });
});

test('attention tactics survive the plan\'s kernel section', () => {
  const attention = { 'cudnn91900:{"b":64}': { form: 'composite' as const, rank: 0 } };
  assert.deepEqual(unpackKernels(packKernels('sm_90', [], { attention })).attention, attention);
  assert.equal(unpackKernels(packKernels('sm_90', [])).attention, undefined); // plans from before attention tactics
});

test('plans carry the attention kernels (the longest NVRTC compile) only for models with FusedAttention', () => {
  const model = (...opTypes: string[]) => ({ graph: { nodes: opTypes.map((opType) => ({ opType })) } }) as unknown as Model;
  assert.deepEqual(familiesFor(model('Conv', 'Relu')), KERNEL_FAMILIES.filter((f) => f !== 'attention'));
  assert.deepEqual(familiesFor(model('MatMul', 'FusedAttention')), [...KERNEL_FAMILIES]);
});
