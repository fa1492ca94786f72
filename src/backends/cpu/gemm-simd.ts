/**
 * The GEMM's SIMD micro-kernel: a 4x8 float32 tile in WebAssembly SIMD (f32x4), assembled here from
 * bytes so no toolchain is needed. Scalar JS tops out near 4 GFLOP/s on one core; this kernel does
 * 4 lanes per instruction. Packed panels and the (padded) C block live in the module's memory.
 *
 *   micro(kc, ap, bp, c, ldc): for k < kc: C[4 x 8] += Ap[k][0..3] (outer) Bp[k][0..7]
 *   (byte addresses; ap advances 16 bytes per k, bp 32; ldc is C's row pitch in bytes)
 */

/** The slice of the WebAssembly API used here (the project's lib settings do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

export interface SimdKernel {
  memory: WasmMemory;
  micro: (kc: number, ap: number, bp: number, c: number, ldc: number) => void;
}

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function str(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

/** Body of micro(). Params 0..4 = kc, ap, bp, c, ldc; v128 locals 5..12 = acc, 13/14 = b0/b1, 15 = a. */
function microBody(): number[] {
  const KC = 0, AP = 1, BP = 2, C = 3, LDC = 4, B0 = 13, B1 = 14, A = 15;
  const acc = (i: number, h: number) => 5 + i * 2 + h;
  const get = (l: number) => [0x20, l];
  const set = (l: number) => [0x21, l];
  const v128load = (off: number) => [0xfd, 0x00, 4, ...uleb(off)];
  const v128store = (off: number) => [0xfd, 0x0b, 4, ...uleb(off)];
  const f32load = (off: number) => [0x2a, 2, ...uleb(off)];
  const splat = [0xfd, 0x13];
  const fadd = [0xfd, 0xe4, 0x01];
  const fmul = [0xfd, 0xe6, 0x01];
  /** address of C row i: c + i * ldc */
  const rowAddr = (i: number): number[] => {
    const out = get(C);
    for (let r = 0; r < i; r++) out.push(...get(LDC), 0x6a);
    return out;
  };
  const code: number[] = [];
  for (let i = 0; i < 4; i++) {
    code.push(...rowAddr(i), ...v128load(0), ...set(acc(i, 0)));
    code.push(...rowAddr(i), ...v128load(16), ...set(acc(i, 1)));
  }
  code.push(0x03, 0x40); // loop
  code.push(...get(BP), ...v128load(0), ...set(B0));
  code.push(...get(BP), ...v128load(16), ...set(B1));
  for (let i = 0; i < 4; i++) {
    code.push(...get(AP), ...f32load(4 * i), ...splat, ...set(A));
    code.push(...get(acc(i, 0)), ...get(A), ...get(B0), ...fmul, ...fadd, ...set(acc(i, 0)));
    code.push(...get(acc(i, 1)), ...get(A), ...get(B1), ...fmul, ...fadd, ...set(acc(i, 1)));
  }
  code.push(...get(AP), 0x41, 16, 0x6a, ...set(AP));
  code.push(...get(BP), 0x41, 32, 0x6a, ...set(BP));
  code.push(...get(KC), 0x41, 1, 0x6b, 0x22, KC, 0x0d, 0); // kc -= 1; br_if loop
  code.push(0x0b); // end loop
  for (let i = 0; i < 4; i++) {
    code.push(...rowAddr(i), ...get(acc(i, 0)), ...v128store(0));
    code.push(...rowAddr(i), ...get(acc(i, 1)), ...v128store(16));
  }
  code.push(0x0b); // end function
  const locals = [1, 11, 0x7b]; // one group: 11 x v128
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

function moduleBytes(): Uint8Array {
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]), // type: (i32 x5) -> ()
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(5, [1, 0x00, 1]), // memory: min 1 page
    ...section(7, [2, ...str('mem'), 0x02, 0, ...str('micro'), 0x00, 0]),
    ...section(10, [1, ...microBody()]),
  ];
  return new Uint8Array(bytes);
}

let cached: SimdKernel | null | undefined;

/** The SIMD kernel, or null where WebAssembly SIMD is unavailable (callers fall back to scalar JS). */
export function simdKernel(): SimdKernel | null {
  if (cached !== undefined) return cached;
  try {
    if (process.env.TENSORJET_NO_SIMD) throw new Error('disabled');
    if (!wasm) throw new Error('no WebAssembly');
    const inst = new wasm.Instance(new wasm.Module(moduleBytes()), {});
    const ex = inst.exports as unknown as { mem: WasmMemory; micro: SimdKernel['micro'] };
    cached = { memory: ex.mem, micro: ex.micro };
  } catch {
    cached = null;
  }
  return cached;
}
