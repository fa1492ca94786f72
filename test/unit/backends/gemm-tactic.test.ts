/**
 * Stored GEMM tactics (src/backends/cuda/gemm-tactics.ts): a plain number (plans from before split-K
 * candidates) is a heuristic rank; a {rank, splitK, reduction} record adds split-K; anything else is a corrupt
 * plan. Both forms survive the kernel section's pack / unpack. No GPU needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GEMM_CANDIDATES, tacticPick } from '../../../src/backends/cuda/gemm-tactics.js';
import { packKernels, unpackKernels } from '../../../src/backends/cuda/compile.js';
import { REDUCTION } from '../../../src/backends/cuda/ffi/cublaslt.js';

test('a plain number is a heuristic rank (plans built before split-K)', () => {
  assert.deepEqual(tacticPick(0), { rank: 0, of: GEMM_CANDIDATES });
  assert.deepEqual(tacticPick(7), { rank: 7, of: GEMM_CANDIDATES });
});

test('a record is a heuristic rank with split-K and its reduction scheme', () => {
  assert.deepEqual(tacticPick({ rank: 2, splitK: 4, reduction: REDUCTION.compute }), { rank: 2, of: GEMM_CANDIDATES, splitK: 4, reduction: 2 });
  assert.deepEqual(tacticPick({ rank: 0, splitK: 1, reduction: 0 }), { rank: 0, of: GEMM_CANDIDATES, splitK: 1, reduction: 0 });
});

test('anything else is E_PLAN_CORRUPT', () => {
  for (const bad of [-1, 1.5, '3', null, { rank: 1 }, { rank: 1, splitK: 0, reduction: 2 }, { rank: -1, splitK: 2, reduction: 2 }, { rank: 1, splitK: 2, reduction: 'x' }]) {
    assert.throws(() => tacticPick(bad), (e: Error & { code?: string }) => e.code === 'E_PLAN_CORRUPT', JSON.stringify(bad));
  }
});

test('both forms survive the kernel section pack / unpack', () => {
  const gemms = { a: 3, b: { rank: 1, splitK: 6, reduction: REDUCTION.output } };
  const back = unpackKernels(packKernels('sm_90', [], { gemms }));
  assert.deepEqual(back.gemms, gemms);
  assert.deepEqual(tacticPick(back.gemms!.b), { rank: 1, of: GEMM_CANDIDATES, splitK: 6, reduction: 4 });
});
