/**
 * The conformance light models run through the GPU pipeline (fusions, fp32) on the CPU backend still
 * match the ONNX reference outputs (same tolerance the conformance runner uses for light/), and the
 * convolutional ones do get FusedConv nodes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { defaultDataDir, listCases, lightInput, loadModel } from '../../conformance/cases.js';
import { compareValues } from '../../conformance/compare.js';
import { readValueProto } from '../../../src/onnx/import.js';
import { optimizeModel } from '../../../src/passes/index.js';
import { executeGraph } from '../../../src/backends/cpu/executor.js';
import { createCpuRegistry } from '../../../src/backends/cpu/kernels/index.js';
import type { Value } from '../../../src/ir/value.js';

const registry = createCpuRegistry();
const cases = listCases(defaultDataDir(), 'light');

test('light models are present', { skip: cases.length === 0 && 'no conformance data' }, () => assert.ok(cases.length > 0));

for (const c of cases) {
  test(`GPU pipeline on CPU: ${c.name}`, () => {
    const model = loadModel(c);
    const opt = optimizeModel(model, { registry, precision: 'fp32', target: 'cuda' });
    const { name, tensor } = lightInput(model);
    const [actual] = executeGraph(opt.graph, new Map<string, Value>([[name, tensor]]), { registry, opsets: opt.opsets });
    const expected = readValueProto(fs.readFileSync(c.expectedPath!), model.graph.outputs[0]?.type);
    const m = compareValues(actual, expected, { rtol: 1e-3, atol: 1e-5 }, model.graph.outputs[0].name);
    assert.equal(m, undefined, m);
    // densenet is pre-activation (BN -> Relu -> Conv) and inception_v2 writes BN as Mul/Add after the
    // Conv (that chain becomes a FusedElementwise): no Conv -> activation pattern to fuse there
    if (!/densenet|inception_v2/.test(c.name) && model.graph.nodes.some((n) => n.opType === 'Conv')) {
      assert.ok(opt.graph.nodes.some((n) => n.opType === 'FusedConv'), 'some Conv was fused');
    }
  });
}
