/**
 * Space-to-depth for stride-2 convs on few channels (GPU pipeline, fp16 only; runs after the fusions, before
 * the fp16 and NHWC passes). ResNet's RGB conv1 (7x7, stride 2, pads 3, 3 channels) ran on cuDNN's tensor
 * cores at about 10x its cost when padded to 8 channels; MLPerf's ResNets run it as a stride-1 conv on the 2x2
 * space-to-depth input instead. Channel (bh * 2 + bw) * C + c of the s2d input holds pixel (2i + bh, 2j + bw) of channel c;
 * per spatial axis (size S even, pads pb / pe, kernel K, output O):
 *   tap k of the original conv reads pixel 2o - pb + k = 2(o - P) + k + z   (P = ceil(pb / 2), z = 2P - pb)
 *   so it becomes block tap (k + z) >> 1 on parity (k + z) & 1; Ka = S / 2 + 2P + 1 - O block taps keep the
 *   pads symmetric (P both sides: the cuDNN path needs that) and the output size; the taps left over are zero.
 * ResNet: 5x5 on 12 channels, pads 2, stride 1. The input side is two copies with fast CUDA paths, then the
 * NHWC pass transposes the result like any conv input:
 *   x [N, C, H, W] -> Reshape [N, C*H, W/2, 2] -> Transpose [0, 1, 3, 2] (batched thin 2-D transpose)
 *     -> Reshape [N, C, H/2, 4, W/2] -> Transpose [0, 3, 1, 2, 4] (rows of W/2 elements: wide copy_nd)
 *     -> Reshape [N, 4C, H/2, W/2]
 * Eligible: Conv / FusedConv, 2-D, stride 2, dilation 1, group 1, C <= 4, kernel >= 5 on both axes, a constant
 * weight, explicit pads (or VALID), static even H and W (the batch may be symbolic).
 * OFF unless TENSORJET_S2D=1: measured slower on an H200 (ResNet-50 fp16, fixed shapes, cuDNN tuned per plan,
 * test/gpu/s2d-run.sh). Batch 256: conv1 1.23 ms as 7x7 s2 on 8 channels, 1.46 ms as 5x5 on 12 (0.98 ms on 16),
 * its copies 0.50 ms against 0.26 (the NHWC edge transpose of 12 channels alone 0.26 ms); compute 7.29 -> 7.76 ms.
 * What wins is the 7x7 s2 conv on 4 channels (RGB padded to 4, not 8; layout-nhwc does that now): conv1
 * 0.41 ms, compute 6.51 ms.
 */
import type { Graph, Model, Node } from '../ir/graph.js';
import { opsetOf } from '../ir/graph.js';
import { inferShapes } from '../ir/shape-inference.js';
import { allocTensor, type Tensor } from '../tensor/tensor.js';
import { cudnnAvailable } from '../backends/cuda/ffi/cudnn.js';
import { FUSED_DOMAIN } from '../ops/fused.js';
import { int64 } from './layout-nhwc-ops.js';
import type { Pass } from './pass.js';

const MAX_CHANNELS = 4;
const MIN_KERNEL = 5;

/** One spatial axis of the rewrite: block taps, leading zero taps, block pads (each side). */
interface Axis { ka: number; z: number; p: number }

function axisOf(size: number, k: number, pb: number, pe: number): Axis | undefined {
  if (size % 2 || size <= 0) return undefined;
  const out = Math.floor((size + pb + pe - k) / 2) + 1;
  const p = Math.ceil(pb / 2);
  const z = 2 * p - pb;
  const ka = size / 2 + 2 * p + 1 - out;
  return out >= 1 && k + z <= 2 * ka ? { ka, z, p } : undefined;
}

const intsAttr = (n: Node, name: string): number[] | undefined => {
  const a = n.attributes.get(name);
  return a && a.type === 'ints' ? a.value : undefined;
};

interface Rewrite { conv: Node; w: Tensor; h: Axis; v: Axis; dims: [number, number, number] }

/** The rewrite of `n` (C, H, W of its input and both axes), or undefined when it is not eligible. */
function planOf(n: Node, g: Graph, shapes: ReturnType<typeof inferShapes>): Rewrite | undefined {
  if (!((n.domain === '' && n.opType === 'Conv') || (n.domain === FUSED_DOMAIN && n.opType === 'FusedConv'))) return undefined;
  if (n.attributes.has('layout')) return undefined;
  const w = g.constants.get(n.inputs[1]);
  if (!w || w.dims.length !== 4) return undefined;
  const [, c, kh, kw] = w.dims;
  if (c > MAX_CHANNELS || kh < MIN_KERNEL || kw < MIN_KERNEL) return undefined;
  const group = n.attributes.get('group');
  if (group && !(group.type === 'int' && group.value === 1)) return undefined;
  const strides = intsAttr(n, 'strides');
  const dilations = intsAttr(n, 'dilations') ?? [1, 1];
  const ks = intsAttr(n, 'kernel_shape');
  if (!strides || strides.join() !== '2,2' || dilations.join() !== '1,1' || (ks && ks.join() !== `${kh},${kw}`)) return undefined;
  const autoPad = n.attributes.get('auto_pad');
  const mode = autoPad && autoPad.type === 'string' ? autoPad.value : 'NOTSET';
  if (mode !== 'NOTSET' && mode !== 'VALID') return undefined;
  const pads = mode === 'VALID' ? [0, 0, 0, 0] : (intsAttr(n, 'pads') ?? [0, 0, 0, 0]);
  const x = shapes.get(n.inputs[0])?.shape;
  if (pads.length !== 4 || !x || x.length !== 4 || x[1] !== c) return undefined;
  const [, , H, W] = x;
  if (typeof H !== 'number' || typeof W !== 'number') return undefined;
  const h = axisOf(H, kh, pads[0], pads[2]);
  const v = axisOf(W, kw, pads[1], pads[3]);
  return h && v ? { conv: n, w, h, v, dims: [c, H, W] } : undefined;
}

/** [M, C, KH, KW] -> [M, 4C, KaH, KaW]: tap (y, x) of channel c to block tap ((y + zh) >> 1, (x + zw) >> 1) of its parity's channel. */
function blockWeight(w: Tensor, h: Axis, v: Axis): Tensor {
  const [m, c, kh, kw] = w.dims;
  const out = allocTensor(w.dtype, [m, 4 * c, h.ka, v.ka]);
  const src = w.data as unknown as ArrayLike<number>;
  const dst = out.data as unknown as number[];
  for (let o = 0; o < m; o++)
    for (let ci = 0; ci < c; ci++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) {
          const ky = y + h.z, kx = x + v.z;
          const ch = ((ky & 1) * 2 + (kx & 1)) * c + ci;
          dst[((o * 4 * c + ch) * h.ka + (ky >> 1)) * v.ka + (kx >> 1)] = src[((o * c + ci) * kh + y) * kw + x];
        }
  return out;
}

/** Rewrites every eligible conv of `model`'s graph (no cuDNN or env check: tests call it directly); returns how many. */
export function spaceToDepthConvs(model: Model, g: Graph = model.graph): number {
  const shapes = inferShapes(model, {}, g);
  const plans = g.nodes.map((n) => planOf(n, g, shapes)).filter((p): p is Rewrite => !!p);
  if (!plans.length) return 0;
  const opset = opsetOf(model, '');
  const names = new Set<string>([...g.constants.keys(), ...g.inputs.map((i) => i.name), ...g.nodes.flatMap((n) => [n.name, ...n.outputs])]);
  const fresh = (base: string): string => {
    let s = base;
    for (let i = 1; names.has(s); i++) s = `${base}_${i}`;
    names.add(s);
    return s;
  };
  const node = (opType: string, inputs: string[], output: string, perm?: number[]): Node => ({
    name: fresh(`${output}_${opType.toLowerCase()}`), opType, domain: '', inputs, outputs: [output],
    attributes: perm ? new Map([['perm', { type: 'ints', value: perm }]]) : new Map(),
  });
  const reshape = (x: string, dims: number[], out: string): Node => {
    if (opset < 5) return { ...node('Reshape', [x], out), attributes: new Map([['shape', { type: 'ints', value: dims }]]) };
    const shape = fresh(`${out}_shape`);
    g.constants.set(shape, int64(dims));
    return node('Reshape', [x, shape], out);
  };
  const before = new Map<Node, Node[]>();
  const s2dOf = new Map<string, string>(); // input -> its s2d value (convs sharing an input share the copies)
  const replaced = new Set<string>();
  for (const { conv, w, h, v, dims: [c, H, W] } of plans) {
    const x = conv.inputs[0];
    if (!s2dOf.has(x)) {
      const [hb, wb] = [H / 2, W / 2];
      const rows = fresh(`${x}__s2d_rows`), cols = fresh(`${x}__s2d_cols`), blocks = fresh(`${x}__s2d_blocks`);
      const moved = fresh(`${x}__s2d_moved`), s2d = fresh(`${x}__s2d`);
      before.set(conv, [
        reshape(x, [0, c * H, wb, 2], rows),
        node('Transpose', [rows], cols, [0, 1, 3, 2]),
        reshape(cols, [0, c, hb, 4, wb], blocks),
        node('Transpose', [blocks], moved, [0, 3, 1, 2, 4]),
        reshape(moved, [0, 4 * c, hb, wb], s2d),
      ]);
      s2dOf.set(x, s2d);
    }
    conv.inputs[0] = s2dOf.get(x)!;
    const wName = fresh(`${conv.inputs[1]}__s2d`);
    g.constants.set(wName, blockWeight(w, h, v));
    replaced.add(conv.inputs[1]);
    conv.inputs[1] = wName;
    const a = conv.attributes;
    a.set('strides', { type: 'ints', value: [1, 1] });
    a.set('pads', { type: 'ints', value: [h.p, v.p, h.p, v.p] });
    a.delete('auto_pad');
    if (a.has('kernel_shape')) a.set('kernel_shape', { type: 'ints', value: [h.ka, v.ka] });
  }
  g.nodes = g.nodes.flatMap((n) => [...(before.get(n) ?? []), n]);
  const still = new Set(g.nodes.flatMap((n) => n.inputs));
  for (const c of replaced) if (!still.has(c) && !g.outputs.some((o) => o.name === c)) g.constants.delete(c);
  return plans.length;
}

export const convSpaceToDepth: Pass = {
  name: 'conv-space-to-depth',
  run(g: Graph, ctx): number {
    if (process.env.TENSORJET_S2D !== '1' || (ctx.supports && !(ctx.supports('', 'Reshape') && ctx.supports('', 'Transpose')))) return 0;
    if (!g.nodes.some((n) => n.opType.endsWith('Conv')) || !cudnnAvailable()) return 0;
    return spaceToDepthConvs(ctx.model, g);
  },
};
