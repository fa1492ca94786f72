/**
 * Tensors at the CUDA engine's boundary: DeviceTensor (GPU-resident inputs and outputs), host tensors as
 * bytes, and the checks on caller-provided output tensors (InferOptions.outputs).
 */
import { TensorJetError } from '../../errors.js';
import { allocTensor, sameDims, type Tensor } from '../../tensor/tensor.js';
import type { DType, TensorData } from '../../tensor/dtype.js';
import type { InferOptions } from '../backend.js';
import { CudaDevice } from './device.js';

/** A tensor that stays on the GPU; free it with dispose(). Reading `.data` is an error: use toHost(). */
export class DeviceTensor implements Tensor {
  private freed = false;
  constructor(
    readonly dtype: DType,
    readonly dims: readonly number[],
    readonly ptr: number,
    readonly bytes: number,
    readonly device: CudaDevice,
    /** release `device` on dispose (tensors made by fromHost hold their own device reference) */
    private readonly ownsDevice = false,
  ) {}
  /** Copies a host tensor to GPU `deviceIndex` (synchronously); use it as a device-resident infer() input. */
  static fromHost(t: Tensor, deviceIndex: number): DeviceTensor {
    const dev = new CudaDevice(deviceIndex);
    const bytes = hostBytes(t, 'tensor');
    const ptr = dev.alloc(Math.max(bytes.length, 1), 'device tensor');
    dev.makeCurrent();
    if (bytes.length) dev.d.check(dev.d.fn.cuMemcpyHtoD(ptr, bytes, bytes.length), 'cuMemcpyHtoD');
    return new DeviceTensor(t.dtype, [...t.dims], ptr, bytes.length, dev, true);
  }
  get data(): TensorData {
    throw new TensorJetError('E_USAGE', `tensor on cuda:${this.device.index} has no host data: call toHost() first`);
  }
  get disposed(): boolean {
    return this.freed;
  }
  get location(): string {
    return `cuda:${this.device.index}`;
  }
  async toHost(): Promise<Tensor> {
    if (this.freed) throw new TensorJetError('E_DISPOSED', 'device tensor was disposed');
    const t = allocTensor(this.dtype, this.dims);
    const d = t.data as unknown as ArrayBufferView;
    this.device.makeCurrent();
    this.device.d.check(this.device.d.fn.cuMemcpyDtoH(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), this.ptr, this.bytes), 'cuMemcpyDtoH');
    return t;
  }
  dispose(): void {
    if (this.freed) return;
    this.freed = true;
    this.device.free(this.ptr);
    if (this.ownsDevice) this.device.release();
  }
}

export function hostBytes(t: Tensor, name: string): Uint8Array {
  if (t.dtype === 'string') throw new TensorJetError('E_INPUT', `input '${name}': string tensors cannot go to the GPU`, { input: name });
  const d = t.data as unknown as ArrayBufferView;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** The caller's tensor for output `name` (InferOptions.outputs), checked against what the plan produces. */
export function callerOutput(options: InferOptions, name: string, dtype: DType, dims: readonly number[]): Tensor | undefined {
  const t = options.outputs?.[name];
  if (!t) return undefined;
  if (t instanceof DeviceTensor || t.dtype !== dtype || !sameDims(t.dims, dims)) {
    const got = t instanceof DeviceTensor ? `a tensor on ${t.location}` : `${t.dtype} [${t.dims}]`;
    throw new TensorJetError('E_USAGE', `outputs['${name}'] is ${got}, but this inference produces host ${dtype} [${dims}]`);
  }
  return t;
}

/** With outputLocation 'device': the caller's DeviceTensor for output `name` on this GPU, checked. */
export function callerDeviceOutput(options: InferOptions, name: string, dtype: DType, dims: readonly number[], gpu: number): DeviceTensor | undefined {
  const t = options.outputs?.[name];
  if (!t) return undefined;
  if (!(t instanceof DeviceTensor) || t.disposed || t.device.index !== gpu || t.dtype !== dtype || !sameDims(t.dims, dims)) {
    const got = !(t instanceof DeviceTensor) ? 'a host tensor' : t.disposed ? 'a disposed device tensor' : `${t.dtype} [${t.dims}] on ${t.location}`;
    throw new TensorJetError('E_USAGE', `outputs['${name}'] is ${got}, but this inference produces ${dtype} [${dims}] on cuda:${gpu}`);
  }
  return t;
}
