/**
 * Lowering for tensorjet::NchwToNhwc (kernels/misc.cu): a CNN's fp32 NCHW input to fp16 NHWC with its channels
 * zero-padded, in one pass. Output channels 4 or 8 take the vector kernel: V positions per thread, V-wide
 * coalesced loads per channel plane, 16-byte stores; V is the largest of 4, 2, 1 up to a cap of 2 that divides
 * H * W, keeps the pointers aligned and writes at most 32 bytes per thread. Other channel counts, or misaligned
 * pointers, take the generic kernel. ResNet-50 b256 on an H200 (fp32 [256, 3, 224, 224] -> fp16 [256, 224, 224, 4],
 * profile times incl. ~2.5 us of events): V = 2 0.061 ms (~4.3 TB/s), V = 4 0.068, V = 1 0.070, generic 0.196;
 * Cast + Transpose + Pad 0.242. TENSORJET_NCHW_VEC=0|1|2|4 moves the cap (0: the generic kernel), for timing;
 * read when the step is enqueued.
 */
import { FUSED_DOMAIN } from '../../../ops/fused.js';
import { dtypeFromOnnx } from '../../../tensor/dtype.js';
import { byteSize, numelOf, type Lowering } from './types.js';

const nchwToNhwc: Lowering = (c) => {
  const x = c.input(0);
  if (x.dims.length !== 4) throw c.unsupported(`input must be rank 4 [N, C, H, W], got [${x.dims}]`);
  const to = c.attrs.int('to', 0);
  const dtype = to ? dtypeFromOnnx(to) : x.dtype;
  const sn = c.floatSuffix(x.dtype), dn = c.floatSuffix(dtype);
  const [n, ch, h, w] = x.dims;
  const co = c.attrs.int('pad_channels', 0) || ch;
  if (co < ch) throw c.error(`pad_channels ${co} is below the input's ${ch} channels`);
  const p = h * w;
  const total = n * p * co;
  const sb = byteSize(x.dtype), db = byteSize(dtype);
  const small = (co === 4 || co === 8) && numelOf(x.dims) < 2 ** 31 && total < 2 ** 31;
  return {
    outputs: [{ dtype, dims: [n, h, w, co] }],
    deviceInputs: [0],
    emit: (ip, op, l) => {
      if (!total) return;
      const cap = Number(process.env.TENSORJET_NCHW_VEC ?? 2);
      const v = small ? [4, 2, 1].find((k) => k <= cap && p % k === 0 && k * co * db <= 32 && ip[0] % (k * sb) === 0 && op[0] % Math.min(16, k * co * db) === 0) : undefined;
      if (!v) return l.elementwise('misc', `nchwtonhwc_any_${sn}_${dn}`, total, [{ ptr: ip[0] }, { ptr: op[0] }, { i64: total }, { i64: p }, { i32: ch }, { i32: co }]);
      const items = (n * p) / v;
      l.blocks('misc', `nchwtonhwc_c${co}v${v}_${sn}_${dn}`, Math.ceil(items / 256), 256, [{ ptr: ip[0] }, { ptr: op[0] }, { i32: items }, { i32: p }, { i32: ch }]);
    },
  };
};

export const nchwToNhwcLowerings: Record<string, Lowering> = {
  [`${FUSED_DOMAIN}::NchwToNhwc`]: nchwToNhwc,
};
