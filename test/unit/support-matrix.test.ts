/** docs/operators.md is generated from the registries; this fails when it has drifted from them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MATRIX_PATH, renderSupportMatrix, supportRows } from '../../scripts/support-matrix.js';

test('support matrix: docs/operators.md matches the registries (regenerate with `npm run support-matrix`)', () => {
  const file = path.resolve(process.cwd(), MATRIX_PATH);
  assert.ok(fs.existsSync(file), `${MATRIX_PATH} is missing: run \`npm run support-matrix\``);
  assert.equal(fs.readFileSync(file, 'utf8'), renderSupportMatrix(), `${MATRIX_PATH} is stale: run \`npm run support-matrix\``);
});

test('support matrix: rows come from the registries', () => {
  const rows = supportRows();
  const add = rows.find((r) => r.domain === '' && r.opType === 'Add');
  assert.deepEqual(add && { family: add.family, cpu: add.cpu, infer: add.infer }, { family: 'elementwise', cpu: true, infer: true });
  assert.ok(rows.some((r) => r.domain === 'ai.onnx.ml'), 'ai.onnx.ml ops are listed');
  assert.equal(new Set(rows.map((r) => `${r.domain}::${r.opType}`)).size, rows.length, 'one row per op');
});
