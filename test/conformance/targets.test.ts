/**
 * The conformance targets as a test: every case of pytorch-converted, pytorch-operator, simple and light
 * passes, and at least 80% of node/ passes (skips count as not passed). Skips itself, saying why, when
 * the shared data is not beside the checkout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { defaultDataDir } from './cases.js';
import { runSuites, summarize } from './run.js';

const dataDir = defaultDataDir();
const skip = fs.existsSync(dataDir) ? false : `conformance data not found at ${dataDir}`;

test('conformance: model suites pass completely', { skip }, async () => {
  const results = await runSuites({ dataDir, suites: ['pytorch-converted', 'pytorch-operator', 'simple', 'light'] });
  const { lines } = summarize(results);
  console.log(lines.join('\n'));
  for (const [suite, list] of results) {
    const bad = list.filter((r) => r.status !== 'passed').map((r) => `${r.name}: ${r.status} ${r.detail ?? ''}`);
    assert.deepEqual(bad, [], `${suite} has cases that did not pass`);
  }
});

test('conformance: at least 80% of node/ cases pass', { skip }, async () => {
  const results = await runSuites({ dataDir, suites: ['node'] });
  const list = results.get('node') ?? [];
  const passed = list.filter((r) => r.status === 'passed').length;
  console.log(summarize(results).lines[0]);
  assert.ok(list.length >= 1800, `expected the 1,802 node cases, found ${list.length}`);
  assert.ok(passed / list.length >= 0.8, `${passed}/${list.length} node cases pass (${((100 * passed) / list.length).toFixed(1)}%), below 80%`);
});
