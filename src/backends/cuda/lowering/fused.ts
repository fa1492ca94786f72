/**
 * tensorjet::FusedElementwise: one generated kernel per program (fused-codegen.ts), broadcasting via strides.
 * tensorjet::Gelu (erf Gelu recovered before opset 20) runs as ONNX Gelu: without this lowering the rewriter
 * refused the recovery (Backend.supportsOp), the erf chain became a FusedElementwise and never reached FusedGemm.
 */
import { FUSED_DOMAIN, parseProgram, programDtypeInput } from '../../../ops/fused.js';
import type { DType } from '../../../tensor/dtype.js';
import type { KernelFamily } from '../compile.js';
import { fusedKernel } from '../fused-codegen.js';
import { elementwiseLowerings } from './elementwise.js';
import type { IdxStruct, KArg, Lowering } from './types.js';
import { broadcastDims, broadcastStrides, numelOf } from './types.js';

const CODES: Partial<Record<DType, number>> = { float32: 0, float16: 1, int32: 2, int64: 3, float64: 4 };

const fusedElementwise: Lowering = (c) => {
  const where = `node '${c.node.name}'`;
  const text = c.attrs.string('program');
  const p = parseProgram(text, where);
  const k = fusedKernel(text, where);
  const ins = Array.from({ length: k.inputs }, (_, i) => c.input(i));
  const outDtype = ins[programDtypeInput(p)]!.dtype;
  if (outDtype !== 'float32' && outDtype !== 'float16') throw c.unsupported(`output dtype ${outDtype} (generated kernels write float32 or float16)`);
  const out = broadcastDims(ins.map((v) => v.dims), c);
  if (out.length > 8) throw c.unsupported(`rank ${out.length} exceeds 8`);
  const n = numelOf(out);
  let codes = 0;
  let modes = 0;
  const idx: IdxStruct[] = Array.from({ length: Math.max(1, Math.ceil(k.inputs / 3)) }, () => ({ dims: out, s0: [], s1: [], s2: [] }));
  ins.forEach((v, i) => {
    const code = CODES[v.dtype];
    if (code === undefined) throw c.unsupported(`input ${i} dtype ${v.dtype}`);
    codes |= code << (4 * i);
    const same = numelOf(v.dims) === n && v.dims.length <= out.length && v.dims.every((d, j) => d === out[out.length - v.dims.length + j]);
    const mode = numelOf(v.dims) === 1 ? 1 : same ? 0 : 2;
    modes |= mode << (2 * i);
    if (mode === 2) (idx[Math.floor(i / 3)] as unknown as Record<string, number[]>)[`s${i % 3}`] = broadcastStrides(v.dims, out);
  });
  return {
    outputs: [{ dtype: outDtype, dims: out }],
    deviceInputs: ins.map((_, i) => i),
    emit: (ip, op, l) => {
      if (!n) return;
      // the vector kernel: no strided input, 32-bit indices, 16-byte aligned pointers (arena buffers always are)
      const vec = n >= 8 && n < 2 ** 31 && (modes & 0xaaaaaa) === 0 && [op[0], ...ip.slice(0, k.inputs)].every((p) => p % 16 === 0);
      const head: KArg[] = [{ ptr: op[0] }, { i32: outDtype === 'float16' ? 1 : 0 }, ...ip.slice(0, k.inputs).map((ptr) => ({ ptr }))];
      if (vec) return l.elementwise(k.module as KernelFamily, k.vecKernel, Math.ceil(n / 8), [...head, { i64: n }, { u32: codes >>> 0 }, { u32: modes >>> 0 }]);
      l.elementwise(k.module as KernelFamily, k.kernel, n, [
        { ptr: op[0] }, { i32: outDtype === 'float16' ? 1 : 0 },
        ...ip.slice(0, k.inputs).map((ptr) => ({ ptr })),
        { i64: n }, { u32: codes >>> 0 }, { u32: modes >>> 0 },
        ...idx.map((x) => ({ idx: x })),
      ]);
    },
  };
};

export const fusedLowerings: Record<string, Lowering> = {
  [`${FUSED_DOMAIN}::FusedElementwise`]: fusedElementwise,
  [`${FUSED_DOMAIN}::Gelu`]: elementwiseLowerings.Gelu,
};
