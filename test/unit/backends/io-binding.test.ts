/** Device I/O bindings (src/backends/cuda/io-binding.ts): which slots move to the caller's memory, and which stay. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindDeviceIO, BoundGraphs, type Binding } from '../../../src/backends/cuda/io-binding.js';
import { DeviceTensor } from '../../../src/backends/cuda/io-tensors.js';
import type { CudaDevice } from '../../../src/backends/cuda/device.js';
import type { PlanValue, ShapePlan } from '../../../src/backends/cuda/planner.js';
import { makeTensor } from '../../../src/tensor/tensor.js';

const fakeDevice = { index: 0 } as unknown as CudaDevice;
const dev = (ptr: number, bytes = 64) => new DeviceTensor('float32', [bytes / 4], ptr, bytes, fakeDevice);
const val = (name: string, slot: number, bytes = 64): PlanValue => ({ name, dtype: 'float32', dims: [bytes / 4], bytes, storage: { kind: 'arena', slot } });

/** x (slot 0) -> y (slot 1); v = view of x (slot 0); z (slot 2); host-staged constant c (slot 3) */
function plan(): ShapePlan {
  const x = val('x', 0);
  return {
    key: 'k', steps: [], arenaBytes: 4096,
    stagedInputs: [{ value: x }, { value: val('c', 3), host: makeTensor('float32', [16], new Float32Array(16)) }],
    outputs: [val('y', 1), { ...val('v', 0), name: 'v' }, val('z', 2)],
    offsets: new Map([[0, 0], [1, 256], [2, 512], [3, 768]]),
  };
}

const BASE = 1 << 20;
const ptr = (p: ShapePlan, slot: number) => BASE + p.offsets.get(slot)!;

test('device inputs and caller device outputs move their slots; the rest stays in the arena', () => {
  const p = plan();
  const b = bindDeviceIO(p, BASE, new Map([['x', dev(0x10000)]]), [dev(0x20000), dev(0x30000), undefined]);
  assert.ok(b);
  assert.deepEqual([...b.inputs], [0]);
  assert.deepEqual([...b.outputs], [0], 'y binds; v shares the input slot; z has no caller tensor');
  assert.equal(ptr(b.plan, 0), 0x10000);
  assert.equal(ptr(b.plan, 1), 0x20000);
  assert.equal(ptr(b.plan, 2), BASE + 512);
  assert.equal(ptr(b.plan, 3), BASE + 768, 'host-staged values stay staged');
  assert.equal(ptr(p, 0), BASE, 'the plan itself is untouched');
  assert.equal(b.key, `${BASE}|0:65536,1:131072`);
  const again = bindDeviceIO(p, BASE, new Map([['x', dev(0x10000)]]), [dev(0x20000), dev(0x30000), undefined], b);
  assert.equal(again, b, 'the same pointers again: the same binding, no plan copy');
  const x2 = new Map([['x', dev(0x50000)]]);
  const other = bindDeviceIO(p, BASE, x2, [dev(0x20000), dev(0x30000), undefined], b);
  assert.equal(ptr(other!.plan, 0), 0x50000, 'another input pointer: a new binding');
  const unbound = bindDeviceIO(p, BASE, x2, [dev(0x20000), dev(0x40000), undefined], other);
  assert.equal(unbound!.plan, other!.plan, "a new pointer for an output that does not bind (v) keeps the binding's plan");
  assert.equal(bindDeviceIO(p, BASE, x2, [dev(0x20000), dev(0x40000), undefined], unbound), unbound, 'and is then found by its pointers');
  const moved = bindDeviceIO(p, BASE + 4096, new Map([['x', dev(0x10000)]]), [dev(0x20000), dev(0x30000), undefined], b);
  assert.notEqual(moved, b, 'another arena: a new binding');
  assert.equal(moved!.plan.offsets.get(0), 0x10000 - (BASE + 4096), 'bound offsets are relative to the new arena');
});

test('nothing binds for host feeds, misaligned or overlapping device tensors', () => {
  const p = plan();
  assert.equal(bindDeviceIO(p, BASE, new Map([['x', makeTensor('float32', [16], new Float32Array(16))]]), []), undefined);
  assert.equal(bindDeviceIO(p, BASE, new Map([['x', dev(0x10010)]]), [dev(0x20010)]), undefined, 'not 256-byte aligned');
  const overlap = bindDeviceIO(p, BASE, new Map([['x', dev(0x10000)]]), [dev(0x10000)]);
  assert.deepEqual([...overlap!.outputs], [], 'an output over a bound input is copied, not bound');
  const twice = { ...p, outputs: [val('y', 1), { ...val('y2', 1) }] };
  assert.equal(bindDeviceIO(twice, BASE, new Map(), [dev(0x20000), dev(0x30000)]), undefined, 'two outputs in one slot');
});

test('bound graphs: captured when the pointers repeat, the oldest dropped past the limit, all dropped on clear', () => {
  const destroyed: number[] = [];
  let next = 1;
  const graphs = new BoundGraphs((e) => destroyed.push(e), 2);
  const b = (key: string) => ({ key }) as Binding;
  const take = (key?: string) => graphs.take(key === undefined ? undefined : b(key), () => next++);
  assert.equal(take('a'), undefined, 'new pointers: plain graph with copies');
  assert.equal(take('a'), 1, 'the same pointers again: captured');
  assert.equal(take('a'), 1, 'replayed');
  assert.equal(take('b'), undefined);
  assert.equal(take(), undefined, 'no binding');
  assert.equal(take('b'), undefined, 'not twice in a row');
  assert.equal(take('b'), 2);
  assert.equal(take('a'), 1, 'a kept graph is used at once');
  assert.equal(take('c'), undefined);
  assert.equal(take('c'), 3);
  assert.deepEqual(destroyed, [1], 'the oldest of 3 dropped');
  graphs.clear();
  assert.deepEqual(destroyed, [1, 2, 3]);
  assert.equal(take('c'), 4, 'after a clear the repeat captures again');
});
