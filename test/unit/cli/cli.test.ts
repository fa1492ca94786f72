import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readNpy, writeNpy } from '../../../src/cli/npy.js';
import { parseArgs } from '../../../src/cli/args.js';
import { formatValues } from '../../../src/cli/format.js';
import { buildFeeds } from '../../../src/cli/inputs.js';
import { parseShapesOption } from '../../../src/cli/build.js';
import { tensor } from '../../../src/runtime/tensors.js';
import { TensorJetError } from '../../../src/errors.js';
import type { TensorInfo } from '../../../src/runtime/engine.js';

test('.npy round trip for several dtypes', () => {
  for (const t of [
    tensor('float32', [2, 3], [0, 1.5, -2, 3, 4, 5]),
    tensor('int64', [3], [1, -2, 3]),
    tensor('uint8', [], [7]),
    tensor('bool', [2], [true, false]),
    tensor('float64', [0, 4]),
  ]) {
    const back = readNpy(writeNpy(t));
    assert.equal(back.dtype, t.dtype);
    assert.deepEqual(back.dims, t.dims);
    assert.deepEqual(back.data, t.data);
  }
  const bytes = writeNpy(tensor('float32', [4], [1, 2, 3, 4]));
  assert.equal((bytes.length - 16) % 64 === 0 || (10 + new DataView(bytes.buffer).getUint16(8, true)) % 64 === 0, true);
  assert.throws(() => readNpy(bytes.subarray(0, bytes.length - 4), 'x.npy'), (e: unknown) => e instanceof TensorJetError && /x\.npy: truncated data/.test(e.message));
  assert.throws(() => readNpy(new Uint8Array(20), 'y.npy'), /not a .npy file/);
});

test('argument parsing is strict', () => {
  const spec = { usage: 'u', options: { output: 'string' as const, fp16: 'boolean' as const, input: 'strings' as const }, aliases: { o: 'output' }, positionals: [1, 1] as [number, number] };
  assert.deepEqual(parseArgs(['m.onnx', '-o', 'p', '--fp16', '--input', 'a=1', '--input=b=2'], spec), {
    options: { output: 'p', fp16: true, input: ['a=1', 'b=2'] }, positionals: ['m.onnx'],
  });
  assert.throws(() => parseArgs(['m', '--nope'], spec), (e: unknown) => e instanceof TensorJetError && e.code === 'E_USAGE');
  assert.throws(() => parseArgs(['m', '-o'], spec), /needs a value/);
  assert.throws(() => parseArgs([], spec), /missing argument/);
});

test('values print numpy-like, summarized when large', () => {
  assert.equal(formatValues(tensor('float32', [5], [0, 2, 4, 6, 8])), '[0, 2, 4, 6, 8]');
  assert.equal(formatValues(tensor('float32', [2], [0.1, -1.25])), '[0.1, -1.25]');
  assert.equal(formatValues(tensor('int64', [2], [3, -4])), '[3, -4]');
  assert.equal(formatValues(tensor('bool', [2], [true, false])), '[true, false]');
  // float8 / float4 values are decoded, not printed as their raw bits (0x38 is 1.0 in e4m3fn, 0x02 is 1.0 in e2m1)
  assert.equal(formatValues({ dtype: 'float8e4m3fn', dims: [2], data: Uint8Array.of(0x38, 0xb8) }), '[1, -1]');
  assert.equal(formatValues({ dtype: 'float4e2m1', dims: [1], data: Uint8Array.of(0x02) }), '[1]');
  assert.match(formatValues(tensor('float32', [100], Array.from({ length: 100 }, (_, i) => i))), /^\[0, 1, 2, 3, 4, 5, 6, 7, \.\.\., 92, .*, 99\] \(100 values\)$/);
});

test('comma lists take the input shape; --shapes parses profiles', () => {
  const info: TensorInfo = { name: 'x', dtype: 'float32', shape: ['batch', 5], dynamic: true, profiles: [] };
  const feeds = buildFeeds(['0,1,2,3,4'], [info], false);
  assert.deepEqual(feeds.x!.dims, [1, 5]);
  const ids: TensorInfo = { name: 'ids', dtype: 'int64', shape: ['n'], dynamic: true, profiles: [] };
  assert.deepEqual(buildFeeds(['ids=1,2,3'], [ids], false).ids!.data, BigInt64Array.from([1n, 2n, 3n]));
  assert.deepEqual(buildFeeds([], [info], true).x!.dims, [1, 5]);
  assert.deepEqual(parseShapesOption(['x:1x5/4x5/8x5', 'y:2']), { x: { min: [1, 5], opt: [4, 5], max: [8, 5] }, y: { min: [2], opt: [2], max: [2] } });
});
