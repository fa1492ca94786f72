/**
 * Programmatic dependent launch is only safe for kernels that wait for the grid before them: every CUDA kernel
 * (kernels/*.cu and the generated FusedElementwise ones) must open with PDL_ENTER(), and plans say so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelSourceDir, listKernelSources, packKernels, unpackKernels } from '../../../src/backends/cuda/compile.js';
import { fusedKernel, fusedModuleSource } from '../../../src/backends/cuda/fused-codegen.js';
import { pdlUsable } from '../../../src/backends/cuda/kernel-launch.js';
import type { Driver } from '../../../src/backends/cuda/ffi/driver.js';

/** [kernel name, the body's first statement] of every extern "C" kernel in `src` */
function kernelOpenings(src: string): [string, string][] {
  const out: [string, string][] = [];
  for (const m of src.matchAll(/extern "C" __global__ void (?:__launch_bounds__\([^)]*\) )?([\w#]+)\(/g)) {
    let i = m.index! + m[0].length;
    for (let depth = 1; depth > 0; i++) depth += src[i] === '(' ? 1 : src[i] === ')' ? -1 : 0;
    const body = src.slice(src.indexOf('{', i) + 1).replace(/^[\s\\]+/, '');
    out.push([m[1], body.slice(0, body.indexOf(';') + 1)]);
  }
  return out;
}

test('every kernel source opens each kernel with PDL_ENTER()', () => {
  let n = 0;
  for (const file of listKernelSources()) {
    for (const [name, first] of kernelOpenings(readFileSync(join(kernelSourceDir(), file), 'utf8'))) {
      assert.equal(first, 'PDL_ENTER();', `${file}: kernel ${name} starts with '${first}'`);
      n++;
    }
  }
  assert.ok(n >= 60, `found only ${n} kernels`);
});

test('generated FusedElementwise kernels open with PDL_ENTER()', () => {
  const program = JSON.stringify({ steps: [{ op: 'Mul', in: ['i0', 'i1'] }, { op: 'Relu', in: ['s0'] }] });
  const openings = kernelOpenings(fusedModuleSource(fusedKernel(program, 'test')));
  assert.ok(openings.length >= 2);
  for (const [name, first] of openings) assert.equal(first, 'PDL_ENTER();', `kernel ${name}`);
});

test('plans record that their kernels wait (pdl); PDL needs sm_90, the plan flag and cuLaunchKernelEx', () => {
  assert.equal(unpackKernels(packKernels('sm_90', [])).pdl, true);
  const withEx = { launchKernelEx: () => 0 } as unknown as Driver;
  assert.equal(pdlUsable(withEx, 'sm_90', true), process.env.TENSORJET_PDL !== '0');
  assert.equal(pdlUsable(withEx, 'sm_100', true), process.env.TENSORJET_PDL !== '0');
  assert.equal(pdlUsable(withEx, 'sm_89', true), false);
  assert.equal(pdlUsable(withEx, 'sm_90', false), false, 'a plan built before PDL_ENTER');
  assert.equal(pdlUsable({} as Driver, 'sm_90', true), false, 'a driver without cuLaunchKernelEx');
});
