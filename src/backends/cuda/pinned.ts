/**
 * Page-locked ("pinned") host tensors: ordinary Tensors whose typed array lies in pinned memory, so infer()
 * uploads from them and downloads into them with async DMA and no staging copy (TensorRT's pinned host
 * buffers). The registry maps each such ArrayBuffer to its host address; memory is freed by dispose(), or
 * when the tensor is garbage-collected.
 */
import { TensorJetError } from '../../errors.js';
import { DTYPES, type DType, type TensorData } from '../../tensor/dtype.js';
import { checkAllocation } from '../../tensor/tensor.js';
import type { HostTensor } from '../backend.js';
import { allocPinned, freePinned, type Driver, type PinnedBuffer } from './ffi/driver.js';


const addresses = new WeakMap<ArrayBufferLike, number>();
const DISPOSED = -1;
interface Allocation {
  d: Driver;
  /** the allocation without a view of it (a view would keep the buffer alive) */
  buf: Pick<PinnedBuffer, 'ptr'>;
  freed: boolean;
}
// keyed on the ArrayBuffer: freed only once no view of the memory is reachable
const released = new FinalizationRegistry<Allocation>((a) => {
  if (!a.freed) a.d.fn.cuMemFreeHost(a.buf.ptr);
});

/** Allocates a pinned tensor (portable: usable with every GPU). Needs a current CUDA context. */
export function allocPinnedTensor(d: Driver, dtype: DType, dims: readonly number[]): HostTensor {
  const ctor = DTYPES[dtype].array;
  if (!ctor) throw new TensorJetError('E_USAGE', `${dtype} tensors cannot live in pinned memory`);
  const n = checkAllocation(dtype, dims);
  const per = (ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  const buf = allocPinned(d, n * per, true);
  const data = new (ctor as unknown as new (b: ArrayBufferLike, o: number, n: number) => TensorData)(buf.bytes.buffer, buf.bytes.byteOffset, n);
  addresses.set(buf.bytes.buffer, buf.address - buf.bytes.byteOffset);
  const handle: Allocation = { d, buf: { ptr: buf.ptr }, freed: false };
  const t: HostTensor = {
    dtype,
    dims: [...dims],
    data,
    pinned: true,
    dispose() {
      if (handle.freed) return;
      handle.freed = true;
      addresses.set(buf.bytes.buffer, DISPOSED);
      released.unregister(handle);
      freePinned(d, buf);
    },
  };
  released.register(buf.bytes.buffer, handle, handle);
  return t;
}

/**
 * The host address of `view`'s first byte when it lies in pinned memory made here, else undefined;
 * E_DISPOSED for memory already freed by dispose() (reading it would crash the process).
 */
export function pinnedAddress(view: Uint8Array, what: string): number | undefined {
  const base = addresses.get(view.buffer);
  if (base === DISPOSED) throw new TensorJetError('E_DISPOSED', `${what} is a disposed pinned tensor`);
  return base === undefined ? undefined : base + view.byteOffset;
}
