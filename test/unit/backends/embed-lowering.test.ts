/**
 * tensorjet::EmbedLayerNorm's CUDA lowering without a GPU: output shape and dtype, the embedln_* kernel it
 * picks (warppf at BERT b1, warpvec at b64, warp for odd H, block past 1024) and its 11 arguments in the
 * order of norm.cu's signature (ids, table, add, scale, bias|0, y, rows, cols, addRows, vocab, eps).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../../src/ir/graph.js';
import { LOWERINGS } from '../../../src/backends/cuda/lowering/index.js';
import { LowerCtx, type KArg, type Launcher, type ValMeta } from '../../../src/backends/cuda/lowering/types.js';
import type { DType } from '../../../src/tensor/dtype.js';

function lower(ids: ValMeta, t: DType, vocab: number, h: number, addDims: number[], bias = true) {
  const node: Node = { name: 'e', opType: 'EmbedLayerNorm', domain: 'tensorjet', inputs: ['i', 't', 'a', 's', ...(bias ? ['b'] : [])], outputs: ['y'], attributes: new Map([['epsilon', { type: 'float', value: 1e-12 }]]) };
  const ins: ValMeta[] = [ids, { dtype: t, dims: [vocab, h] }, { dtype: t, dims: addDims }, { dtype: t, dims: [h] }, ...(bias ? [{ dtype: t, dims: [h] }] : [])];
  const l = LOWERINGS['tensorjet::EmbedLayerNorm'](new LowerCtx(node, 1, ins));
  const calls: { kernel: string; grid: number; block: number; args: KArg[] }[] = [];
  const launcher = { blocks: (_f: string, kernel: string, grid: number, block: number, args: KArg[]) => calls.push({ kernel, grid, block, args }) } as unknown as Launcher;
  l.emit!([0x1000, 0x2000, 0x3000, 0x4000, bias ? 0x5000 : 0], [0x6000], launcher);
  return { out: l.outputs[0], call: calls[0] };
}

test('EmbedLayerNorm lowering: BERT b1 / b64 fp16, odd H, int32 ids, H > 1024', () => {
  const b1 = lower({ dtype: 'int64', dims: [1, 128] }, 'float16', 30522, 768, [1, 128, 768]);
  assert.deepEqual(b1.out, { dtype: 'float16', dims: [1, 128, 768] });
  assert.equal(b1.call.kernel, 'embedln_warppf_f16_i64');
  assert.deepEqual([b1.call.grid, b1.call.block], [128, 32]);
  assert.deepEqual(b1.call.args, [{ ptr: 0x1000 }, { ptr: 0x2000 }, { ptr: 0x3000 }, { ptr: 0x4000 }, { ptr: 0x5000 }, { ptr: 0x6000 }, { i64: 128 }, { i64: 768 }, { i64: 128 }, { i64: 30522 }, { f32: 1e-12 }]);
  const b64 = lower({ dtype: 'int64', dims: [64, 128] }, 'float16', 30522, 768, [128, 768]);
  assert.equal(b64.call.kernel, 'embedln_warpvec_f16_i64');
  assert.deepEqual([b64.call.grid, b64.call.block], [1024, 256]);
  const odd = lower({ dtype: 'int32', dims: [2, 9] }, 'float32', 50, 35, [9, 35], false);
  assert.equal(odd.call.kernel, 'embedln_warp_f32_i32');
  assert.deepEqual(odd.call.args[4], { ptr: 0 });
  assert.deepEqual(odd.call.args[8], { i64: 9 });
  assert.equal(lower({ dtype: 'int64', dims: [3] }, 'float32', 20, 1100, [1100]).call.kernel, 'embedln_block_f32_i64');
  assert.throws(() => lower({ dtype: 'int64', dims: [2, 9] }, 'float32', 50, 36, [3, 9, 36]), /broadcast/);
});

test('SkipLayerNorm to = float32: float16 inputs, float32 Y, skipln_*_f16_f32 kernels; other conversions refused', () => {
  const sln = (dims: number[], to: number, x: DType = 'float16') => {
    const node: Node = { name: 's', opType: 'SkipLayerNorm', domain: 'tensorjet', inputs: ['x', 'k', 'g', 'b'], outputs: ['y'], attributes: new Map([['to', { type: 'int', value: to }]]) };
    const h = dims[dims.length - 1];
    const l = LOWERINGS['tensorjet::SkipLayerNorm'](new LowerCtx(node, 1, [{ dtype: x, dims }, { dtype: x, dims }, { dtype: x, dims: [h] }, { dtype: x, dims: [h] }]));
    const calls: string[] = [];
    l.emit!([0x1000, 0x2000, 0x3000, 0x4000], [0x5000], { blocks: (_f: string, k: string) => calls.push(k) } as unknown as Launcher);
    return { out: l.outputs[0], kernel: calls[0] };
  };
  assert.deepEqual(sln([1, 128, 768], 1), { out: { dtype: 'float32', dims: [1, 128, 768] }, kernel: 'skipln_warppf_f16_f32' });
  assert.equal(sln([64, 128, 768], 1).kernel, 'skipln_warpvec_f16_f32');
  assert.equal(sln([3, 1100], 1).kernel, 'skipln_block_f16_f32');
  assert.equal(sln([1, 128, 768], 10).kernel, 'skipln_warppf_f16');
  assert.throws(() => sln([4, 8], 10, 'float32'), /Y dtype/);
});
