/**
 * NHWC for fp16 convolutions (GPU pipeline, after the fp16 pass): cuDNN's tensor-core kernels want NHWC,
 * and NCHW fp16 runs far slower. Every 2-D Conv / tensorjet::FusedConv with a float16 constant weight,
 * explicit symmetric pads (or VALID) gets attribute layout = 'NHWC': its X, Z and Y are NHWC and its weight
 * becomes a KRSC ([k, kh, kw, c/groups]) constant. NHWC values then flow on through the ops that can take
 * them (layout-nhwc-ops.ts: pools, Concat / Split / Slice / Resize with remapped axes, elementwise ops with
 * re-laid constants), so conv chains, YOLO's concat / split / upsample glue and ResNet's pools stay NHWC;
 * Transposes are inserted only at the edges, where a value comes from (or goes to) anything else, or is a
 * graph output. A non-conv node stays converted only when that does not add Transposes (ties: pools and
 * other shrinking ops keep NHWC, Resize goes back, as a transpose before an upsample is the cheaper one).
 * Convs with fewer than 8 input channels fed from an NCHW edge (ResNet's RGB conv1) get their channels
 * zero-padded (weights padded, a Pad after the input transpose): to 4 when C < 4 (cuDNN's small-channel
 * kernels: ResNet-50's conv1 at b256 on an H200 runs in 0.41 ms on 4 channels, 1.23 ms on 8), else to 8.
 * Shape inference does not know the attribute, so the pass runs last (CUDA lowering computes the shapes).
 */
import type { Graph, Node } from '../ir/graph.js';
import { opsetOf } from '../ir/graph.js';
import { allocTensor, type Tensor } from '../tensor/tensor.js';
import { cudnnAvailable } from '../backends/cuda/ffi/cudnn.js';
import { transposeRaw } from '../backends/cpu/kernels/shape/raw.js';
import { consumers, hasSubgraph, type Pass } from './pass.js';
import { int64, nhwcRule, TO_NCHW, TO_NHWC, type RewriteCtx } from './layout-nhwc-ops.js';

/** channel count a small-C conv is padded to (cuDNN's NHWC kernels: small-channel ones for <= 4, tensor cores need C % 8) */
const paddedChannels = (c: number): number => (c < 4 ? 4 : c < 8 ? 8 : 0);

function eligible(n: Node, g: Graph): boolean {
  if (!((n.opType === 'Conv' && n.domain === '') || (n.opType === 'FusedConv' && n.domain !== ''))) return false;
  if (n.attributes.has('layout')) return false;
  const w = g.constants.get(n.inputs[1]);
  if (!w || w.dtype !== 'float16' || w.dims.length !== 4) return false;
  const autoPad = n.attributes.get('auto_pad');
  if (autoPad && !(autoPad.type === 'string' && (autoPad.value === 'NOTSET' || autoPad.value === 'VALID'))) return false;
  const pads = n.attributes.get('pads');
  if (pads && !(pads.type === 'ints' && pads.value.length === 4 && pads.value[0] === pads.value[2] && pads.value[1] === pads.value[3])) return false;
  return true;
}

/** [..., c] -> [..., to] with zeros (raw element copy: any host storage). */
function padLast(t: Tensor, to: number): Tensor {
  const c = t.dims[t.dims.length - 1];
  const out = allocTensor(t.dtype, [...t.dims.slice(0, -1), to]);
  const src = t.data as unknown as ArrayLike<number>;
  const dst = out.data as unknown as number[];
  for (let r = 0, rows = src.length / c; r < rows; r++) for (let i = 0; i < c; i++) dst[r * to + i] = src[r * c + i];
  return out;
}

/** Converts the graph (no cuDNN check: tests call it directly); returns how many nodes became NHWC. */
export function convertToNhwc(g: Graph, opset: number): number {
  const convs = new Set(g.nodes.filter((n) => eligible(n, g)));
  if (!convs.size) return 0;
  const readers = consumers(g);
  const graphOutputs = new Set(g.outputs.map((o) => o.name));
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) if (o) producer.set(o, n);

  // 1. NHWC nodes: the convs, then (in order) every node whose activation inputs are all NHWC values
  const slots = new Map<Node, number[]>();
  for (const n of convs) slots.set(n, [0, 3].filter((i) => n.inputs[i]));
  const isNhwcValue = (v: string): boolean => !!v && slots.has(producer.get(v)!);
  for (const n of g.nodes) {
    if (slots.has(n) || hasSubgraph(n)) continue;
    const rule = nhwcRule(n);
    if (!rule || !rule.ok(n, g, opset)) continue;
    const data = rule.data(n, g);
    if (data.length && data.every((i) => isNhwcValue(n.inputs[i]))) slots.set(n, data);
  }
  const readsNhwc = (r: Node, v: string): boolean => !!slots.get(r)?.some((i) => r.inputs[i] === v);
  // a Shape reader takes the NHWC value and reorders the dims it reports (no transpose for it)
  const isShape = (r: Node): boolean => r.opType === 'Shape' && r.domain === '';
  const needsNchw = (v: string): boolean => graphOutputs.has(v) || (readers.get(v) ?? []).some((r) => !readsNhwc(r, v) && !isShape(r));

  // 2. back to NCHW where converting adds transposes (from the end: a revert can make its producer's worse)
  for (let changed = true; changed; ) {
    changed = false;
    for (const n of [...g.nodes].reverse()) {
      if (!slots.has(n) || convs.has(n)) continue;
      const outs = n.outputs.filter(Boolean);
      if (outs.some((o) => (readers.get(o) ?? []).some((r) => readsNhwc(r, o)))) continue;
      const keep = outs.filter(needsNchw).length;
      const revert = [...new Set(slots.get(n)!.map((i) => n.inputs[i]))].filter((v) => !needsNchw(v)).length;
      if (revert < keep || (revert === keep && nhwcRule(n)!.grows)) {
        slots.delete(n);
        changed = true;
      }
    }
  }

  // 3. rewrite
  const names = new Set<string>([...g.constants.keys(), ...g.inputs.map((i) => i.name), ...g.nodes.flatMap((n) => n.outputs)]);
  const fresh = (base: string): string => {
    let s = base;
    for (let i = 1; names.has(s); i++) s = `${base}_${i}`;
    names.add(s);
    return s;
  };
  const nchwNeeded = new Set([...producer.keys()].filter((v) => slots.has(producer.get(v)!) && needsNchw(v)));
  const replacedConsts = new Set<string>();
  for (const n of slots.keys()) for (const v of n.inputs) if (v && g.constants.has(v)) replacedConsts.add(v);
  const rctx: RewriteCtx = { graph: g, fresh, opset };
  const nhwcOf = new Map<string, string>();
  const paddedOf = new Map<string, string>();
  const krsc = new Map<string, string>();
  const out: Node[] = [];
  const transpose = (from: string, to: string, perm: number[]): Node => ({
    name: fresh(`${to}_transpose`), opType: 'Transpose', domain: '', inputs: [from], outputs: [to],
    attributes: new Map([['perm', { type: 'ints', value: perm }]]),
  });
  for (const n of g.nodes) {
    const data = slots.get(n);
    if (!data) {
      if (isShape(n) && nhwcOf.has(n.inputs[0])) out.push(...shapeOfNhwc(n, nhwcOf.get(n.inputs[0])!, g, fresh));
      else out.push(n);
      continue;
    }
    const conv = convs.has(n);
    const w = conv ? g.constants.get(n.inputs[1])! : undefined;
    const group = n.attributes.get('group');
    // channel padding: a small-C conv whose input arrives through an edge transpose
    const padTo = w && !(group && group.type === 'int' && group.value !== 1) && !isNhwcValue(n.inputs[0]) ? paddedChannels(w.dims[1]) : 0;
    for (const slot of data) {
      const v = n.inputs[slot];
      if (!nhwcOf.has(v)) {
        const t = fresh(`${v}__nhwc`);
        out.push(transpose(v, t, TO_NHWC));
        nhwcOf.set(v, t);
      }
      n.inputs[slot] = nhwcOf.get(v)!;
      if (slot === 0 && padTo) {
        if (!paddedOf.has(v)) {
          const p = fresh(`${v}__nhwc_c${padTo}`);
          const pads = [0, 0, 0, 0, 0, 0, 0, padTo - w!.dims[1]];
          const pad: Node = { name: fresh(`${p}_pad`), opType: 'Pad', domain: '', inputs: [nhwcOf.get(v)!], outputs: [p], attributes: new Map() };
          if (opset >= 11) {
            const pc = fresh(`${p}_pads`);
            g.constants.set(pc, int64(pads));
            pad.inputs.push(pc);
          } else pad.attributes.set('pads', { type: 'ints', value: pads });
          out.push(pad);
          paddedOf.set(v, p);
        }
        n.inputs[0] = paddedOf.get(v)!;
      }
    }
    if (conv) {
      const key = `${n.inputs[1]}|${padTo}`;
      if (!krsc.has(key)) {
        const name = fresh(`${n.inputs[1]}__krsc`);
        const k = transposeRaw(w!, TO_NHWC);
        g.constants.set(name, padTo ? padLast(k, padTo) : k);
        krsc.set(key, name);
      }
      n.inputs[1] = krsc.get(key)!;
      n.attributes.set('layout', { type: 'string', value: 'NHWC' });
    } else nhwcRule(n)!.rewrite(n, rctx);
    out.push(n);
    n.outputs.forEach((y, i) => {
      if (!y) return;
      const yn = fresh(`${y}__nhwc`);
      n.outputs[i] = yn;
      nhwcOf.set(y, yn);
      if (nchwNeeded.has(y)) out.push(transpose(yn, y, TO_NCHW));
    });
  }
  g.nodes = out;
  // drop the NCHW constants nothing reads any more
  const still = new Set(g.nodes.flatMap((x) => x.inputs));
  for (const c of replacedConsts) if (!still.has(c) && !graphOutputs.has(c)) g.constants.delete(c);
  return slots.size;
}

/**
 * Shape(x) of a value now held NHWC: Shape of the NHWC value, then a Gather of its dims in NCHW order
 * (honouring Shape's start / end). Both run on plan-time host values.
 */
function shapeOfNhwc(n: Node, nhwc: string, g: Graph, fresh: (base: string) => string): Node[] {
  const clamp = (a: { type: string; value: unknown } | undefined, dflt: number): number => {
    const v = a && a.type === 'int' ? (a.value as number) : dflt;
    return Math.min(Math.max(v < 0 ? v + 4 : v, 0), 4);
  };
  const start = clamp(n.attributes.get('start'), 0);
  const end = clamp(n.attributes.get('end'), 4);
  const dims = fresh(`${n.outputs[0]}__nhwc_dims`);
  const order = fresh(`${n.outputs[0]}__nchw_order`);
  const picked = TO_NCHW.slice(start, Math.max(start, end));
  g.constants.set(order, int64(picked));
  return [
    { name: fresh(`${n.name}__nhwc`), opType: 'Shape', domain: '', inputs: [nhwc], outputs: [dims], attributes: new Map() },
    { name: n.name, opType: 'Gather', domain: '', inputs: [dims, order], outputs: [...n.outputs], attributes: new Map([['axis', { type: 'int', value: 0 }]]) },
  ];
}

export const layoutNhwc: Pass = {
  name: 'layout-nhwc',
  run(g: Graph, ctx): number {
    if (!g.nodes.some((n) => eligible(n, g)) || !cudnnAvailable()) return 0;
    return convertToNhwc(g, opsetOf(ctx.model, ''));
  },
};
