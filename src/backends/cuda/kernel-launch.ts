/**
 * Kernel launches on one stream: argument packing into pinned memory, and launches as programmatic dependents
 * where possible (PDL, sm_90+). cuLaunchKernelEx with the programmatic-stream-serialization attribute lets a
 * kernel launch while the grid before it in the stream still runs; the kernel's PDL_ENTER() (common.cuh) then
 * waits for that grid's results before touching memory. Captured into a CUDA graph, the edge between two such
 * kernels becomes programmatic, which hides most of the gap between dependent kernels: at batch 1, where a kernel
 * lasts a few microseconds, those gaps are a large share of the time. Only plans whose kernels all open with
 * PDL_ENTER() (compile.ts header `pdl`) launch this way; TENSORJET_PDL=0 turns it off.
 */
import { TensorJetError } from '../../errors.js';
import { allocPinned, freePinned, type Driver, type PinnedBuffer } from './ffi/driver.js';
import type { IdxStruct, KArg } from './lowering/types.js';

/** pinned buffer layout: argument values [0, TABLE), their pointer table [TABLE, CONFIG), launch config [CONFIG, BYTES) */
const TABLE = 2048;
const CONFIG = 3968;
const BYTES = 4096;
/** CUlaunchConfig is 56 bytes, then one CUlaunchAttribute (id, pad, 64-byte value) */
const ATTR = CONFIG + 56;
const CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION = 6;
const OFF = process.env.TENSORJET_PDL === '0';

/** Whether kernels of a plan may launch as programmatic dependents on a GPU of `arch` ('sm_90'). */
export function pdlUsable(d: Driver, arch: string, planKernelsPdl: boolean): boolean {
  return !OFF && planKernelsPdl && !!d.launchKernelEx && Number(arch.replace(/^sm_/, '')) >= 90;
}

export class KernelLauncher {
  private readonly buf: PinnedBuffer;
  private readonly view: DataView;

  constructor(
    private readonly d: Driver,
    private readonly stream: number,
    readonly pdl: boolean,
  ) {
    this.buf = allocPinned(d, BYTES);
    const v = (this.view = new DataView(this.buf.bytes.buffer, this.buf.bytes.byteOffset, BYTES));
    if (!pdl) return;
    v.setBigUint64(CONFIG + 32, BigInt(stream), true); // hStream
    v.setBigUint64(CONFIG + 40, BigInt(this.buf.address + ATTR), true); // attrs
    v.setUint32(CONFIG + 48, 1, true); // numAttrs
    v.setUint32(ATTR, CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION, true);
    v.setUint32(ATTR + 8, 1, true); // programmaticStreamSerializationAllowed
  }

  /** 1-D launch of `f` on the stream (no dynamic shared memory); the arguments are read when the call is made. */
  launch(f: number, grid: number, block: number, args: KArg[], what: string): void {
    const { d } = this;
    const params = this.pack(args, what);
    if (!this.pdl) {
      d.check(d.fn.cuLaunchKernel(f, grid, 1, 1, block, 1, 1, 0, this.stream, params, 0), `cuLaunchKernel(${what})`);
      return;
    }
    const v = this.view;
    v.setUint32(CONFIG, grid, true);
    v.setUint32(CONFIG + 4, 1, true);
    v.setUint32(CONFIG + 8, 1, true);
    v.setUint32(CONFIG + 12, block, true);
    v.setUint32(CONFIG + 16, 1, true);
    v.setUint32(CONFIG + 20, 1, true);
    d.check(d.launchKernelEx!(this.buf.address + CONFIG, f, params, 0), `cuLaunchKernelEx(${what})`);
  }

  dispose(): void {
    freePinned(this.d, this.buf);
  }

  /** Writes the argument values and their pointer table; returns the table's address (kernelParams). */
  private pack(args: KArg[], what: string): number {
    const v = this.view;
    let off = 0;
    const ptrs: number[] = [];
    const at = (a: number) => (off = Math.ceil(off / a) * a);
    for (const a of args) {
      if ('ptr' in a || 'i64' in a) {
        at(8);
        v.setBigInt64(off, BigInt('ptr' in a ? a.ptr : a.i64), true);
        ptrs.push(off);
        off += 8;
      } else if ('i32' in a || 'u32' in a) {
        at(4);
        if ('i32' in a) v.setInt32(off, a.i32, true);
        else v.setUint32(off, a.u32, true);
        ptrs.push(off);
        off += 4;
      } else if ('f32' in a) {
        at(4);
        v.setFloat32(off, a.f32, true);
        ptrs.push(off);
        off += 4;
      } else {
        at(8);
        ptrs.push(off);
        writeIdx(v, off, a.idx);
        off += 8 + 4 * 8 * 8;
      }
    }
    if (off > TABLE || TABLE + 8 * ptrs.length > CONFIG) throw new TensorJetError('E_UNSUPPORTED_OP', `kernel ${what}: ${args.length} arguments (${off} bytes) exceed the launch buffer`);
    ptrs.forEach((p, i) => v.setBigUint64(TABLE + 8 * i, BigInt(this.buf.address + p), true));
    return this.buf.address + TABLE;
  }
}

/** struct Idx { int rank; int pad; i64 dims[8]; i64 s0[8]; i64 s1[8]; i64 s2[8]; } */
function writeIdx(v: DataView, off: number, idx: IdxStruct): void {
  if (idx.dims.length > 8) throw new TensorJetError('E_UNSUPPORTED_OP', `rank ${idx.dims.length} exceeds the CUDA kernels' limit of 8`);
  v.setInt32(off, idx.dims.length, true);
  v.setInt32(off + 4, idx.pad ?? 0, true);
  const lists = [idx.dims, idx.s0 ?? [], idx.s1 ?? [], idx.s2 ?? []];
  lists.forEach((l, k) => {
    for (let i = 0; i < 8; i++) v.setBigInt64(off + 8 + k * 64 + i * 8, BigInt(l[i] ?? 0), true);
  });
}
