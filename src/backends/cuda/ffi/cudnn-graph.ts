/**
 * cuDNN 9 graph (backend) API for fp16 NHWC forward convolutions with their epilogue in one operation graph:
 * y = act(conv(x, w) + bias [+ z]) [+ z]. cuDNN's heuristics list engine configurations (including
 * runtime-fused and sm90 kernels the legacy API does not reach); build-time tuning times them and keeps the
 * fastest (its rank in the heuristic list is the tactic). The plumbing is in cudnn-backend.ts.
 */
import type { ConvSpec } from './cudnn.js';
import { A, BackendGraph, DATA, DESC, f32, i32, i64s, ptrs, PW, T, type Attr } from './cudnn-backend.js';

const CROSS_CORRELATION = 1;
/** activation codes (kernels/conv.cu ACT_*) the graph expresses: none, relu, leaky relu, sigmoid, SiLU, clip */
const GRAPH_ACTS = new Set([0, 1, 2, 3, 4, 6]);
const UID = { x: 1, w: 2, b: 3, z: 4, y: 5 } as const;

/** Whether the graph path is on (TENSORJET_CUDNN_GRAPH=0 turns it off) and expresses `s`. */
export function cudnnGraphSupports(s: ConvSpec): boolean {
  if (process.env.TENSORJET_CUDNN_GRAPH === '0') return false;
  return !s.transpose && !!s.nhwc && s.dtype === 'float16' && GRAPH_ACTS.has(s.act) && s.pads[0] === s.pads[2] && s.pads[1] === s.pads[3];
}

/** One conv + epilogue operation graph on one handle; `use(rank)` picks an engine config, `run` enqueues it. */
export class CudnnConvGraph extends BackendGraph {
  constructor(
    handle: number,
    readonly spec: ConvSpec,
  ) {
    super(handle);
    this.init(() => this.buildGraph());
  }

  private buildGraph(): { ops: number[]; uids: number[] } {
    const s = this.spec;
    const dt = DATA[s.dtype];
    let virtualUid = 100;
    // NHWC strides for logical [n, c, h, w] dims; `px` elements from one pixel to the next (a channel view's row)
    const tensor = (dims: [number, number, number, number], uid: number, dtype: number, virtual = false, px = dims[1]) =>
      this.descs.tensor({ dims, strides: [px * dims[2] * dims[3], 1, dims[3] * px, px], uid, dtype, virtual });
    const yDims: [number, number, number, number] = [s.n, s.k, s.oh, s.ow];
    const x = tensor([s.n, s.c, s.h, s.w], UID.x, dt, false, s.xStride ?? s.c);
    const w = tensor([s.k, s.c / s.groups, s.kh, s.kw], UID.w, dt);
    const uids: number[] = [UID.x, UID.w];
    const conv = this.descs.make(DESC.convolution, [
      [A.convCompType, T.dataType, 1, i32(DATA.float32)],
      [A.convMode, T.convMode, 1, i32(CROSS_CORRELATION)],
      [A.convSpatialDims, T.int64, 1, i64s([2])],
      [A.convDilations, T.int64, 2, i64s(s.dilations)],
      [A.convStrides, T.int64, 2, i64s(s.strides)],
      [A.convPrePad, T.int64, 2, i64s([s.pads[0], s.pads[1]])],
      [A.convPostPad, T.int64, 2, i64s([s.pads[2], s.pads[3]])],
    ]);
    const ops: number[] = [];
    const steps = this.epilogue();
    const yPx = s.yStride ?? s.k;
    let cur = steps.length ? tensor(yDims, virtualUid++, DATA.float32, true) : tensor(yDims, UID.y, dt, false, yPx);
    ops.push(this.descs.make(DESC.opConvFwd, [
      [A.convFwdDesc, T.descriptor, 1, ptrs([conv])],
      [A.convFwdX, T.descriptor, 1, ptrs([x])],
      [A.convFwdW, T.descriptor, 1, ptrs([w])],
      [A.convFwdY, T.descriptor, 1, ptrs([cur])],
      [A.convFwdAlpha, T.float, 1, f32(1)],
      [A.convFwdBeta, T.float, 1, f32(0)],
    ]));
    steps.forEach((st, i) => {
      const last = i === steps.length - 1;
      const out = last ? tensor(yDims, UID.y, dt, false, yPx) : tensor(yDims, virtualUid++, DATA.float32, true);
      const pwAttrs: Attr[] = [[A.pwMode, T.pointwiseMode, 1, i32(st.mode)], [A.pwMathPrec, T.dataType, 1, i32(DATA.float32)]];
      // float math precision: the clip / slope / beta parameters are CUDNN_TYPE_FLOAT
      if (st.lower !== undefined) pwAttrs.push([A.pwReluLowerClip, T.float, 1, f32(st.lower)]);
      if (st.upper !== undefined) pwAttrs.push([A.pwReluUpperClip, T.float, 1, f32(st.upper)]);
      if (st.slope !== undefined) pwAttrs.push([A.pwReluLowerClipSlope, T.float, 1, f32(st.slope)]);
      if (st.mode === PW.swish) pwAttrs.push([A.pwSwishBeta, T.float, 1, f32(1)]);
      const pw = this.descs.make(DESC.pointwise, pwAttrs);
      const opAttrs: Attr[] = [
        [A.opPwDesc, T.descriptor, 1, ptrs([pw])],
        [A.opPwX, T.descriptor, 1, ptrs([cur])],
        [A.opPwY, T.descriptor, 1, ptrs([out])],
      ];
      if (st.operand) {
        const dims: [number, number, number, number] = st.operand === 'b' ? [1, s.k, 1, 1] : yDims;
        const t = tensor(dims, UID[st.operand], dt, false, st.operand === 'z' ? (s.zStride ?? s.k) : s.k);
        uids.push(UID[st.operand]);
        opAttrs.push([A.opPwB, T.descriptor, 1, ptrs([t])]);
      }
      ops.push(this.descs.make(DESC.opPointwise, opAttrs));
      cur = out;
    });
    uids.push(UID.y);
    return { ops, uids };
  }

  /** The pointwise steps after the conv: bias add, residual add (before or after), activation. */
  private epilogue(): { mode: number; operand?: 'b' | 'z'; lower?: number; upper?: number; slope?: number }[] {
    const s = this.spec;
    const steps: { mode: number; operand?: 'b' | 'z'; lower?: number; upper?: number; slope?: number }[] = [];
    if (s.bias) steps.push({ mode: PW.add, operand: 'b' });
    if (s.residual === 1) steps.push({ mode: PW.add, operand: 'z' });
    const [p0, p1] = s.actParams;
    if (s.act === 1) steps.push({ mode: PW.relu });
    else if (s.act === 2) steps.push({ mode: PW.relu, slope: p0 });
    else if (s.act === 3) steps.push({ mode: PW.sigmoid });
    else if (s.act === 4) steps.push({ mode: PW.swish });
    else if (s.act === 6) steps.push({ mode: PW.relu, lower: p0, upper: p1 });
    if (s.residual === 2) steps.push({ mode: PW.add, operand: 'z' });
    return steps;
  }

  /** Enqueues the graph on the handle's stream; b and z are 0 when absent. */
  run(x: number, w: number, b: number, z: number, y: number, ws: number): void {
    const byUid: Record<number, number> = { [UID.x]: x, [UID.w]: w, [UID.b]: b, [UID.z]: z, [UID.y]: y };
    this.execute(this.uids.map((u) => byUid[u]!), ws);
  }
}
