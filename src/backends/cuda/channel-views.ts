/**
 * NHWC channel views (TensorRT's concat elision): a channel-axis Concat whose inputs can all be written in
 * place does no work. Its output buffer is allocated once; the convs producing its inputs write their
 * channel range of it (a strided cuDNN graph-API output), channel Split / Slice outputs of those values are
 * views into it, and readers take the row stride (NHWC convs as x or residual z, other Concats' copies).
 * YOLO's C2f: cv1 writes channels [0, 2c) of the buffer, its Split halves are views, the bottlenecks write
 * [2c, 3c) and [3c, 4c), the Concat and the Split are gone.
 *
 * The planner runs the node loop once without views, hands the shapes and conv specs to `planChannelViews`,
 * and runs it again with the result. Off by default until measured on a GPU: TENSORJET_CONCAT_VIEWS=1 turns it on.
 */
import type { Graph, Node } from '../../ir/graph.js';
import { normalizeDomain } from '../../ir/graph.js';
import { convStrided, type ConvSpec } from './ffi/cudnn.js';
import { cudnnGraphSupports } from './ffi/cudnn-graph.js';
import { byteSize, numelOf, type ValMeta } from './lowering/types.js';

/** Where a value lives inside a concat buffer; offset and stride in elements (channels). */
export interface ChannelView {
  buffer: string;
  offset: number;
  stride: number;
}

export interface ViewPlan {
  /** placed conv outputs and Split / Slice views -> their place in a buffer (a Concat's output) */
  views: Map<string, ChannelView>;
  /** Concat nodes (by index) that do nothing: their output is the buffer */
  elided: Set<number>;
  /** Split / Slice nodes (by index) whose outputs are views */
  viewNodes: Set<number>;
  /** every value's shape (the first pass's) */
  metas: Map<string, ValMeta>;
  /** elided Concat outputs (the buffers) -> their shape */
  buffers: Map<string, ValMeta>;
  /** Concat output name -> why it stays a copy (tests and debugging) */
  kept: Map<string, string>;
}

/** The planner's first pass: every value's shape, and the conv spec of every conv node (by index). */
export interface PlanFacts {
  metas: Map<string, ValMeta>;
  convs: Map<number, ConvSpec>;
  opsets: Map<string, number>;
}

/** TENSORJET_CONCAT_VIEWS=1 turns the elision on (0 or unset: off). */
export const channelViewsEnabled = (): boolean => process.env.TENSORJET_CONCAT_VIEWS === '1';

/** cuDNN's tensors are declared 16-byte aligned: channel offsets and row strides are whole 16-byte groups. */
const ALIGN = 16;

const isConv = (n: Node) => (n.opType === 'Conv' && normalizeDomain(n.domain) === '') || (n.opType === 'FusedConv' && normalizeDomain(n.domain) !== '');

class Rejected extends Error {}

export function planChannelViews(graph: Graph, facts: PlanFacts): ViewPlan {
  const out: ViewPlan = { views: new Map(), elided: new Set(), viewNodes: new Set(), metas: facts.metas, buffers: new Map(), kept: new Map() };
  const nodes = graph.nodes;
  const producer = new Map<string, number>();
  const readers = new Map<string, { node: number; slot: number }[]>();
  nodes.forEach((n, i) => {
    n.outputs.forEach((o) => o && producer.set(o, i));
    n.inputs.forEach((v, slot) => {
      if (!v) return;
      if (!readers.has(v)) readers.set(v, []);
      readers.get(v)!.push({ node: i, slot });
    });
  });
  const graphOutputs = new Set(graph.outputs.map((o) => o.name));
  const meta = (v: string) => facts.metas.get(v);
  const fail: (why: string) => never = (why) => {
    throw new Rejected(why);
  };

  /** An NHWC conv on cuDNN's graph path (which takes strided x, z and y). */
  const graphConv = (i: number): boolean => {
    const s = facts.convs.get(i);
    return !!s && isConv(nodes[i]) && !!s.nhwc && cudnnGraphSupports(s) && !convStrided(s);
  };

  /** Channel range [start, start + width) of the input that output `o` of channel Split / Slice `i` takes. */
  const channelRange = (i: number, o: number): { start: number } | undefined => {
    const n = nodes[i];
    const x = meta(n.inputs[0]);
    if (normalizeDomain(n.domain) !== '' || !x || x.dims.length !== 4) return undefined;
    const outs = n.outputs.map(meta);
    if (outs.some((m) => !m || m.dims.slice(0, 3).join() !== x.dims.slice(0, 3).join())) return undefined;
    if (n.opType === 'Split') {
      const a = n.attributes.get('axis');
      const axis = a?.type === 'int' ? a.value : 0;
      if (axis !== 3 && axis !== -1) return undefined;
      return { start: outs.slice(0, o).reduce((s, m) => s + m!.dims[3], 0) };
    }
    if (n.opType === 'Slice' && (facts.opsets.get('') ?? 1) >= 10) {
      const ints = (k: number) => {
        const v = n.inputs[k] ? meta(n.inputs[k]) : undefined;
        return v?.host ? Array.from(v.host.data as ArrayLike<number | bigint>, Number) : undefined;
      };
      const [starts, axes, steps] = [ints(1), ints(3), ints(4)];
      if (!starts || starts.length !== 1 || (n.inputs[3] && !axes) || (n.inputs[4] && !steps)) return undefined;
      const axis = axes?.[0] ?? 0;
      if ((axis !== 3 && axis !== -1) || (steps && steps[0] !== 1)) return undefined;
      const c = x.dims[3];
      const start = Math.min(Math.max(starts[0] < 0 ? starts[0] + c : starts[0], 0), c);
      return { start };
    }
    return undefined;
  };

  nodes.forEach((node, ci) => {
    if (node.opType !== 'Concat' || normalizeDomain(node.domain) !== '') return;
    const name = node.outputs[0];
    const y = meta(name);
    if (!y || y.host || y.dims.length !== 4) return void out.kept.set(name, 'not a rank-4 device value');
    try {
      const a = node.attributes.get('axis');
      if (!(a?.type === 'int' && (a.value === 3 || a.value === -1))) fail('not on the channel (last) axis');
      if (y.dtype !== 'float16') fail(`dtype ${y.dtype} (cuDNN's graph path is float16)`);
      const es = byteSize(y.dtype);
      const total = y.dims[3];
      if ((total * es) % ALIGN) fail(`${total} channels are not whole 16-byte rows`);
      // 1. each input at its offset -> the value written there (a conv output), through channel Split / Slice
      const roots = new Map<string, number>();
      let off = 0;
      for (const v of node.inputs) {
        const m = v ? meta(v) : undefined;
        if (!v || !m) fail('an input is missing');
        let src = v;
        let at = off;
        for (;;) {
          const pi = producer.get(src);
          if (pi === undefined) fail(`'${src}' is a graph input or a weight`);
          const range = nodes[pi!].outputs.indexOf(src);
          const r = nodes[pi!].opType === 'Split' || nodes[pi!].opType === 'Slice' ? channelRange(pi!, range) : undefined;
          if (r) {
            src = nodes[pi!].inputs[0];
            at -= r.start;
            continue;
          }
          if (!graphConv(pi!)) fail(`'${src}' comes from ${nodes[pi!].opType} '${nodes[pi!].name}', which cannot write a channel view`);
          break;
        }
        if (roots.has(src) && roots.get(src) !== at) fail(`'${src}' would sit at two offsets`);
        roots.set(src, at);
        off += m!.dims[3];
      }
      // 2. the written ranges fit the buffer, do not overlap, and no value is placed twice
      const ranges = [...roots].map(([v, at]) => ({ v, at, w: meta(v)!.dims[3] })).sort((p, q) => p.at - q.at);
      ranges.forEach((r, i) => {
        if (out.views.has(r.v)) fail(`'${r.v}' already lives in another concat buffer`);
        if (r.at < 0 || r.at + r.w > total) fail(`'${r.v}' does not fit the buffer`);
        if (i && ranges[i - 1].at + ranges[i - 1].w > r.at) fail(`'${ranges[i - 1].v}' and '${r.v}' overlap`);
        if (meta(r.v)!.dims.slice(0, 3).join() !== y.dims.slice(0, 3).join() || meta(r.v)!.dtype !== y.dtype) fail(`'${r.v}' has another shape or dtype`);
      });
      // 3. from each written value down through Split / Slice views: every reader takes a strided view
      const views = new Map<string, ChannelView>();
      const viewNodes = new Set<number>();
      const concatSlots = new Map<number, number>(); // input slot -> its offset
      off = 0;
      node.inputs.forEach((v, slot) => {
        concatSlots.set(slot, off);
        off += meta(v)!.dims[3];
      });
      const visit = (v: string, at: number) => {
        if (views.has(v)) fail(`'${v}' is reached twice`);
        if ((at * es) % ALIGN) fail(`'${v}' would start at channel ${at}, not on a 16-byte boundary`);
        if (graphOutputs.has(v)) fail(`'${v}' is a graph output`);
        views.set(v, { buffer: name, offset: at, stride: total });
        for (const r of readers.get(v) ?? []) {
          const rn = nodes[r.node];
          if (r.node === ci) {
            if (concatSlots.get(r.slot) !== at) fail(`'${v}' is input ${r.slot} of the concat but sits at channel ${at}`);
          } else if (isConv(rn) && (r.slot === 0 || r.slot === 3)) {
            if (!graphConv(r.node)) fail(`'${v}' is read by conv '${rn.name}', which is not on cuDNN's graph path`);
          } else if (rn.opType === 'Concat' && normalizeDomain(rn.domain) === '') {
            // another concat copies it (strided source)
          } else if ((rn.opType === 'Split' || rn.opType === 'Slice') && r.slot === 0 && rn.outputs.every((o, i) => !o || channelRange(r.node, i))) {
            viewNodes.add(r.node);
            rn.outputs.forEach((o, i) => o && visit(o, at + channelRange(r.node, i)!.start));
          } else fail(`'${v}' is read by ${rn.opType} '${rn.name}', which needs a contiguous tensor`);
        }
      };
      for (const r of ranges) visit(r.v, r.at);
      node.inputs.forEach((v) => views.has(v) || fail(`'${v}' was not placed`));
      if (numelOf(y.dims) === 0) fail('empty');
      for (const [v, cv] of views) out.views.set(v, cv);
      for (const i of viewNodes) out.viewNodes.add(i);
      out.elided.add(ci);
      out.buffers.set(name, { dtype: y.dtype, dims: [...y.dims] });
    } catch (e) {
      if (!(e instanceof Rejected)) throw e;
      out.kept.set(name, e.message);
    }
  });
  return out;
}
