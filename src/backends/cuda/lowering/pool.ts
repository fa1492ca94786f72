/**
 * Lowerings for MaxPool / AveragePool (1-3 spatial dims) and GlobalAveragePool / GlobalMaxPool (kernels/pool.cu).
 * Attribute layout = 'NHWC' (passes/layout-nhwc.ts): X and Y are channel-last ([n, ...spatial, c]); no indices output.
 * NHWC windows move 16-byte channel groups (the _vec kernels) when C is a multiple of 16 bytes' worth of channels,
 * both tensors have fewer than 2^30 elements and the pointers are 16-byte aligned.
 */
import { windowGeometry } from '../../../ops/conv.js';
import { numelOf, type IdxStruct, type LowerCtx, type Lowering } from './types.js';

const pad3 = (v: readonly number[], fill: number): number[] => [...new Array<number>(3 - v.length).fill(fill), ...v];
const isNhwc = (c: LowerCtx): boolean => c.attrs.string('layout', 'NCHW') === 'NHWC';

function pool(max: boolean): Lowering {
  return (c) => {
    const x = c.input(0);
    const sfx = c.floatSuffix(x.dtype);
    const r = x.dims.length - 2;
    if (r < 1 || r > 3) throw c.unsupported(`input must have 1 to 3 spatial dims, got [${x.dims}]`);
    const nhwc = isNhwc(c);
    const ch = nhwc ? x.dims[r + 1] : x.dims[1];
    const spatial = nhwc ? x.dims.slice(1, r + 1) : x.dims.slice(2);
    const kernel = c.attrs.ints('kernel_shape');
    const geo = windowGeometry(c.attrs, spatial, kernel, c.attrs.int('ceil_mode', 0) === 1);
    if (!max && geo.dilations.some((d) => d !== 1)) throw c.unsupported('AveragePool with dilations');
    const outDims = nhwc ? [x.dims[0], ...geo.out, ch] : [x.dims[0], ch, ...geo.out];
    const n = numelOf(outDims);
    const idx: IdxStruct = {
      dims: nhwc ? [...pad3(geo.out, 1), ch] : pad3(geo.out, 1),
      s0: [...pad3(spatial, 1), ...pad3(geo.kernel, 1)],
      s1: [...pad3(geo.strides, 1), ...pad3(geo.pads.slice(0, r), 0)],
      s2: [...pad3(geo.dilations, 1), ...pad3(geo.pads.slice(r), 0)],
      pad: max ? c.attrs.int('storage_order', 0) : c.attrs.int('count_include_pad', 0),
    };
    const wantIdx = max && c.node.outputs.length > 1 && !!c.node.outputs[1];
    if (nhwc && wantIdx) throw c.unsupported('MaxPool indices with layout NHWC');
    const v = nhwc ? 'nhwc_' : '';
    const elem = x.dtype === 'float16' ? 2 : 4;
    const vec = nhwc && (ch * elem) % 16 === 0 && numelOf(x.dims) < 2 ** 30 && n < 2 ** 30;
    const outputs = [{ dtype: x.dtype, dims: outDims }, ...(wantIdx ? [{ dtype: 'int64' as const, dims: outDims }] : [])];
    return {
      outputs,
      deviceInputs: [0],
      emit: (ip, op, l) => {
        if (!n) return;
        if (vec && ip[0] % 16 === 0 && op[0] % 16 === 0) {
          const groups = (n * elem) / 16;
          l.elementwise('pool', `${max ? 'max' : 'avg'}pool_nhwc_vec_${sfx}`, groups, [{ ptr: ip[0] }, { ptr: op[0] }, { i32: groups }, { idx }]);
        } else if (max && !nhwc) l.elementwise('pool', `maxpool_${sfx}`, n, [{ ptr: ip[0] }, { ptr: op[0] }, { ptr: wantIdx ? op[1] : 0 }, { i64: n }, { idx }]);
        else l.elementwise('pool', `${max ? 'max' : 'avg'}pool_${v}${sfx}`, n, [{ ptr: ip[0] }, { ptr: op[0] }, { i64: n }, { idx }]);
      },
    };
  };
}

function globalPool(max: boolean): Lowering {
  return (c) => {
    const x = c.input(0);
    const sfx = c.floatSuffix(x.dtype);
    if (x.dims.length < 2) throw c.error(`input must be at least 2-D, got [${x.dims}]`);
    if (isNhwc(c)) {
      const ch = x.dims[x.dims.length - 1];
      const len = numelOf(x.dims.slice(1, -1));
      const blocks = x.dims[0] * Math.ceil(ch / 32);
      const kernel = `${max ? 'globalmaxpool' : 'globalavgpool'}_nhwc_${sfx}`;
      return {
        outputs: [{ dtype: x.dtype, dims: [x.dims[0], ...x.dims.slice(1, -1).map(() => 1), ch] }],
        deviceInputs: [0],
        emit: (ip, op, l) => blocks && len && l.blocks('pool', kernel, Math.min(blocks, 1 << 20), 256, [{ ptr: ip[0] }, { ptr: op[0] }, { i64: x.dims[0] }, { i64: len }, { i64: ch }]),
      };
    }
    const rows = x.dims[0] * x.dims[1];
    const len = numelOf(x.dims.slice(2));
    const kernel = `${max ? 'globalmaxpool' : 'globalavgpool'}_${sfx}`;
    return {
      outputs: [{ dtype: x.dtype, dims: [x.dims[0], x.dims[1], ...x.dims.slice(2).map(() => 1)] }],
      deviceInputs: [0],
      emit: (ip, op, l) => rows && len && l.blocks('pool', kernel, Math.min(rows, 1 << 20), len >= 1024 ? 256 : len >= 256 ? 128 : 32, [{ ptr: ip[0] }, { ptr: op[0] }, { i64: rows }, { i64: len }]),
    };
  };
}

export const poolLowerings: Record<string, Lowering> = {
  MaxPool: pool(true),
  AveragePool: pool(false),
  GlobalMaxPool: globalPool(true),
  GlobalAveragePool: globalPool(false),
};
