import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from '../../../src/runtime/builder.js';
import { listGpus } from '../../../src/runtime/devices.js';
import { encodeModel } from '../../../src/onnx/encode.js';
import { simpleNet } from '../../../examples/simplenet/make-simplenet.js';

test("target 'auto' without a usable GPU builds for the CPU and warns once, saying why", async (t) => {
  const { devices } = await listGpus();
  if (devices.length) return t.skip('a GPU is usable here, so auto picks it');
  const warnings: string[] = [];
  const { header } = await build(encodeModel(simpleNet()), { target: 'auto', onWarning: (m) => warnings.push(m) });
  assert.equal(header.target.backend, 'cpu');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^no usable GPU \(.+\); building for the CPU backend$/);
});
