/**
 * BERT's embedding layer and mask edge as torch's TorchScript exporter writes them (opset 17): word Gather +
 * position Gather of position_ids[:, :Shape(input_ids)[1]] + token-type row, LayerNorm -> tensorjet::EmbedLayerNorm
 * (the position Gather folded through the shape values), and the mask's int64 -> float32 -> float16 Casts as one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Value } from '../../../src/ir/value.js';
import type { Model } from '../../../src/ir/graph.js';
import { normalizeDomain } from '../../../src/ir/graph.js';
import { LOWERINGS } from '../../../src/backends/cuda/lowering/index.js';
import { optimizeModel } from '../../../src/passes/index.js';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { G, ints, rand, registry, relL2, run } from './fuse-graphs.js';

const cudaSupports = (domain: string, opType: string): boolean => LOWERINGS[normalizeDomain(domain) === '' ? opType : `${normalizeDomain(domain)}::${opType}`] !== undefined;
const V = 50, S = 8, H = 32;

/** [last_hidden-like LN output, additive mask]; `extra` replaces the token-type row (e.g. a shape that must not fuse). */
function bertEmbed(tokenType = rand([H], 0.1)): Model {
  const g = new G({ input_ids: [1, S], attention_mask: [1, S] });
  const word = g.op('Gather', [g.c(rand([V, H], 0.5)), 'input_ids']);
  const seq = g.op('Gather', [g.op('Shape', ['input_ids']), g.c(makeTensor('int64', [], BigInt64Array.of(1n)))], { axis: 0 });
  const end = g.op('Unsqueeze', [seq, g.c(ints([0]))]);
  const posIds = g.op('Slice', [g.c(makeTensor('int64', [1, 32], BigInt64Array.from({ length: 32 }, (_, i) => BigInt(i)))), g.c(ints([0])), end, g.c(ints([1])), g.c(ints([1]))]);
  const pos = g.op('Gather', [g.c(rand([32, H], 0.5)), posIds]);
  const x = g.op('Add', [g.op('Add', [word, pos]), g.c(tokenType)]);
  const y = g.op('LayerNormalization', [x, g.c(rand([H])), g.c(rand([H], 0.1))], { axis: -1, epsilon: 1e-12 });
  const m = g.op('Cast', [g.op('Unsqueeze', ['attention_mask', g.c(ints([1, 2]))])], { to: 1 });
  const bias = g.op('Mul', [g.op('Sub', [g.c(makeTensor('float32', [], Float32Array.of(1))), m]), g.c(makeTensor('float32', [], Float32Array.of(-10000)))]);
  const model = g.model([y, bias]);
  for (const i of model.graph.inputs) i.type = { kind: 'tensor', dtype: 'int64', shape: ['batch', S] };
  return model;
}

const feeds = (b: number): Map<string, Value> =>
  new Map([
    ['input_ids', makeTensor('int64', [b, S], BigInt64Array.from({ length: b * S }, (_, i) => BigInt((i * 7 + 3) % V)))],
    ['attention_mask', makeTensor('int64', [b, S], BigInt64Array.from({ length: b * S }, (_, i) => (i % S < S - b ? 1n : 0n)))],
  ]);

test('fuse-embed: word + position (through Shape -> Slice) + token type + LN -> one EmbedLayerNorm', () => {
  const m = bertEmbed();
  const opt = optimizeModel(m, { registry, target: 'cuda', supports: cudaSupports });
  const ops = opt.graph.nodes.map((n) => n.opType);
  assert.ok(ops.includes('EmbedLayerNorm'), ops.join(', '));
  for (const gone of ['Gather', 'Slice', 'Shape', 'LayerNormalization', 'SkipLayerNorm']) assert.ok(!ops.includes(gone), `${gone} left in [${ops}]`);
  const e = opt.graph.nodes.find((n) => n.opType === 'EmbedLayerNorm')!;
  assert.deepEqual(opt.graph.constants.get(e.inputs[2])!.dims, [1, S, H], 'position rows + token type summed into one constant');
  for (const b of [1, 3]) {
    const [want, got] = [run(m, feeds(b)), run(opt, feeds(b))];
    want.forEach((w, i) => assert.ok(relL2(got[i], w) < 1e-6, `b${b} output ${i}: rel L2 ${relL2(got[i], w)}`));
  }
});

test('fp16: EmbedLayerNorm runs in float16, the mask takes one int64 -> float16 Cast', () => {
  const m = bertEmbed();
  const opt = optimizeModel(m, { registry, target: 'cuda', supports: cudaSupports, precision: 'fp16' });
  const e = opt.graph.nodes.find((n) => n.opType === 'EmbedLayerNorm')!;
  assert.equal(opt.graph.constants.get(e.inputs[1])!.dtype, 'float16');
  const casts = opt.graph.nodes.filter((n) => n.opType === 'Cast');
  const fromMask = casts.filter((n) => !n.name.endsWith('_to_fp32'));
  assert.equal(fromMask.length, 1, casts.map((n) => n.name).join(', '));
  assert.equal(fromMask[0].attributes.get('to')?.value, 10);
  const [want, got] = [run(m, feeds(2)), run(opt, feeds(2))];
  want.forEach((w, i) => assert.ok(relL2(got[i], w) < 1e-2, `output ${i}: rel L2 ${relL2(got[i], w)}`));
});

test('fuse-embed is off with TENSORJET_FUSE_EMBED=0 and refuses an addend that would grow the rows', () => {
  process.env.TENSORJET_FUSE_EMBED = '0';
  try {
    const opt = optimizeModel(bertEmbed(), { registry, target: 'cuda', supports: cudaSupports, precision: 'fp16' });
    const ops = opt.graph.nodes.map((n) => n.opType);
    assert.ok(!ops.includes('EmbedLayerNorm') && ops.includes('Slice'), ops.join(', '));
  } finally {
    delete process.env.TENSORJET_FUSE_EMBED;
  }
  // a [2, S, H] addend broadcasts the batch: not whole rows of [batch, S, H]
  const m = bertEmbed(rand([2, S, H], 0.1));
  const opt = optimizeModel(m, { registry, target: 'cuda', supports: cudaSupports });
  assert.ok(!opt.graph.nodes.some((n) => n.opType === 'EmbedLayerNorm'));
  const [want, got] = [run(m, feeds(1)), run(opt, feeds(1))];
  want.forEach((w, i) => assert.ok(relL2(got[i], w) < 1e-6));
});

test('fp16: the SkipLayerNorm feeding a float32 graph output writes float32 itself (no Cast after it)', () => {
  const g = new G({ x: [2, 5, 16], z: [2, 5, 16] });
  const y = g.op('LayerNormalization', [g.op('Add', ['x', 'z']), g.c(rand([16])), g.c(rand([16], 0.1))], { axis: -1 });
  const m = g.model([y]);
  const opt = optimizeModel(m, { registry, target: 'cuda', supports: cudaSupports, precision: 'fp16' });
  const last = opt.graph.nodes[opt.graph.nodes.length - 1];
  assert.equal(last.opType, 'SkipLayerNorm', opt.graph.nodes.map((n) => n.opType).join(', '));
  assert.equal(last.attributes.get('to')?.value, 1);
  assert.equal(last.outputs[0], y);
  const f = new Map<string, Value>([['x', rand([2, 5, 16])], ['z', rand([2, 5, 16])]]);
  const [want, got] = [run(m, f)[0], run(opt, f)[0]];
  assert.equal(got.dtype, 'float32');
  assert.ok(relL2(got, want) < 1e-2, `rel L2 ${relL2(got, want)}`);
});
