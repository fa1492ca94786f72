/**
 * Memset nodes of a captured graph turned into memset_fill_bytes kernel nodes (graph-memsets.ts) write what the
 * memsets would: 1- and 4-byte values, unaligned starts and odd lengths, 16-byte rows, and a later memset
 * over part of an earlier one (the edges keep their order). The buffer is poisoned first. Skips without a GPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

test('memset nodes become fill kernels that write the same bytes, in order', async (t) => {
  const cuda = await import('../../src/backends/cuda/index.js');
  const why = cuda.unavailableReason();
  if (why) return t.skip(`no GPU: ${why}`);
  const { CudaDevice } = await import('../../src/backends/cuda/device.js');
  const { compileCached, kernelSource } = await import('../../src/backends/cuda/compile.js');
  const { captureGraph } = await import('../../src/backends/cuda/graph-capture.js');
  const { memsetsToKernels } = await import('../../src/backends/cuda/graph-memsets.js');
  const { CU_STREAM_NON_BLOCKING } = await import('../../src/backends/cuda/ffi/driver.js');
  const dev = new CudaDevice(0);
  const { d } = dev;
  const misc = await compileCached('misc', kernelSource('misc'), dev.arch);
  const mod = d.out('cuModuleLoadData', Buffer.from(misc.cubin));
  const bytes = 1 << 20;
  const buf = dev.alloc(bytes, 'memset test');
  const stream = d.out('cuStreamCreate', CU_STREAM_NON_BLOCKING);
  try {
    const fill = d.out('cuModuleGetFunction', mod, 'memset_fill_bytes');
    // [offset, bytes, value, element size]: later entries overwrite earlier ones where they overlap
    const sets: [number, number, number, 1 | 4][] = [
      [0, 65536, 0x11223344, 4],
      [3, 1001, 0xab, 1],
      [4096, 16 * 1000, 0x5a5a0f0f, 4],
      [8192 + 16, 4 * 7, 0xdeadbeef, 4],
      [200000, 777777, 0x7e, 1],
    ];
    let replaced = -1;
    const exec = captureGraph(d, stream, () => {
      for (const [off, n, v, es] of sets) {
        if (es === 1) d.check(d.fn.cuMemsetD8Async(buf + off, v, n, stream), 'cuMemsetD8Async');
        else d.check(d.fn.cuMemsetD32Async(buf + off, v, n / 4, stream), 'cuMemsetD32Async');
      }
    }, (g) => (replaced = memsetsToKernels(d, g, fill)));
    assert.equal(replaced, sets.length, 'every memset node replaced');
    const expected = new Uint8Array(bytes).fill(0xcd);
    const view = new DataView(expected.buffer);
    for (const [off, n, v, es] of sets) {
      for (let i = 0; i < n; i += es) {
        if (es === 1) expected[off + i] = v;
        else view.setUint32(off + i, v >>> 0, true);
      }
    }
    for (let run = 0; run < 2; run++) {
      d.check(d.fn.cuMemsetD8Async(buf, 0xcd, bytes, stream), 'cuMemsetD8Async'); // poison
      d.check(d.fn.cuGraphLaunch(exec, stream), 'cuGraphLaunch');
      d.check(d.fn.cuStreamSynchronize(stream), 'cuStreamSynchronize');
      const got = new Uint8Array(bytes);
      d.check(d.fn.cuMemcpyDtoH(got, buf, bytes), 'cuMemcpyDtoH');
      const bad = got.findIndex((b, i) => b !== expected[i]);
      assert.equal(bad, -1, `byte ${bad}: got ${got[bad]}, expected ${expected[bad]} (replay ${run})`);
    }
    d.fn.cuGraphExecDestroy(exec);
  } finally {
    d.fn.cuStreamDestroy(stream);
    dev.free(buf);
    d.fn.cuModuleUnload(mod);
    dev.release();
  }
});
