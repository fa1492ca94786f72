/** CI check without a GPU: every CUDA kernel source compiles with nvcc for sm_90 (skips when nvcc is absent). */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KERNEL_FAMILIES, kernelSource } from '../../src/backends/cuda/compile.js';

const nvcc = spawnSync('nvcc', ['--version'], { encoding: 'utf8' });
const skip = nvcc.status === 0 ? false : 'nvcc not found on PATH (install the CUDA toolkit to compile-check kernels)';

for (const family of KERNEL_FAMILIES) {
  test(`CUDA kernels compile: ${family}.cu (sm_90)`, { skip }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tj-nvcc-'));
    const src = join(dir, `${family}.cu`);
    writeFileSync(src, kernelSource(family)); // the same text NVRTC gets (common header inlined)
    execFileSync('nvcc', ['-arch=sm_90', '-cubin', '-o', join(dir, `${family}.cubin`), src], { stdio: 'pipe' });
    // every kernel is extern "C" and named <op>_<variant>_<dtype> (names built by macros are not checked here)
    const names = [...kernelSource(family).matchAll(/extern "C" __global__ void (?:__launch_bounds__\([^)]*\)\s+)?(?!__launch_bounds__)(\w+)\(/g)].map((m) => m[1]);
    for (const n of names) assert.match(n, /^[a-z0-9]+_[a-z0-9]+_[a-z0-9_]+$/, n);
  });
}
