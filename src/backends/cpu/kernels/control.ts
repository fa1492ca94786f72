/** CPU reference kernels for the 'control' op family: If, Loop, Scan, run through ctx.runSubgraph. */
import type { DType } from '../../../tensor/dtype.js';
import type { Graph, ValueType } from '../../../ir/graph.js';
import { isTensor, type Value } from '../../../ir/value.js';
import { allocTensor, scalar, type Tensor } from '../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../kernel.js';
import { normalizeAxis, readNumbers } from '../util.js';
import { ints, reshaped } from './shape/raw.js';
import { concatRaw } from './slice/slice.js';
import { gatherRaw } from './indexing/gather.js';

/** Stacks equally shaped tensors along a new `axis`. */
export function stack(items: Tensor[], axis: number): Tensor {
  const dims = [...items[0].dims];
  dims.splice(axis, 0, 1);
  return concatRaw(items.map((t) => reshaped(t, dims)), axis);
}

/** An empty scan output ([0] + declared element dims where known) for a loop that ran no iterations. */
function emptyScanOutput(type: ValueType | undefined): Tensor {
  const dtype: DType = type && type.kind === 'tensor' ? type.dtype : 'float32';
  const shape = type && type.kind === 'tensor' && type.shape ? type.shape.map((d) => (typeof d === 'number' ? d : 0)) : [];
  return allocTensor(dtype, [0, ...shape]);
}

function truthy(t: Tensor | undefined): boolean {
  return !!t && readNumbers(t)[0] !== 0;
}

/** Slice `t` at position `i` along `axis` (the axis dropped). */
function take(t: Tensor, i: number, axis: number): Tensor {
  return gatherRaw(t, scalar('int64', i), axis);
}

function feedsFor(g: Graph, values: Value[]): Map<string, Value> {
  const m = new Map<string, Value>();
  g.inputs.forEach((inp, i) => { if (values[i] !== undefined) m.set(inp.name, values[i]); });
  return m;
}

function scanLoop(
  ctx: KernelContext, body: Graph, states: Value[], scans: Tensor[], nIter: number,
  inAxes: number[], inRev: boolean[], outAxes: number[], outRev: boolean[],
): Value[] {
  const nOutScans = body.outputs.length - states.length;
  const collected: Tensor[][] = Array.from({ length: nOutScans }, () => []);
  let st = states;
  for (let t = 0; t < nIter; t++) {
    const slices = scans.map((x, j) => take(x, inRev[j] ? nIter - 1 - t : t, inAxes[j]));
    const outs = ctx.runSubgraph(body, feedsFor(body, [...st, ...slices]));
    st = outs.slice(0, states.length);
    outs.slice(states.length).forEach((o, j) => {
      if (!isTensor(o)) throw ctx.error('scan outputs must be tensors');
      collected[j].push(o);
    });
  }
  const scanOuts = collected.map((items, j) => {
    if (items.length === 0) return emptyScanOutput(body.outputs[states.length + j]?.type);
    if (outRev[j]) items.reverse();
    const rank = items[0].dims.length + 1;
    return stack(items, normalizeAxis(outAxes[j] ?? 0, rank, 'scan_output_axes'));
  });
  return [...st, ...scanOuts];
}

export const kernels: KernelTable = {
  If(ctx) {
    const branch = truthy(ctx.input(0)) ? ctx.attrs.graph('then_branch') : ctx.attrs.graph('else_branch');
    return ctx.runSubgraph(branch, new Map());
  },
  Loop(ctx) {
    const body = ctx.attrs.graph('body');
    const mT = ctx.optionalInput(0);
    const condT = ctx.optionalInput(1);
    const maxTrip = mT ? Number(ints(mT)[0]) : Infinity;
    let cond = condT ? truthy(condT) : true;
    let carried: Value[] = ctx.inputs.slice(2) as Value[];
    const nCarried = carried.length;
    const nScan = body.outputs.length - 1 - nCarried;
    const collected: Tensor[][] = Array.from({ length: nScan }, () => []);
    let i = 0;
    for (; i < maxTrip && cond; i++) {
      const feeds = feedsFor(body, [scalar('int64', i), scalar('bool', cond), ...carried]);
      const outs = ctx.runSubgraph(body, feeds);
      // Without a cond input the body's cond output is ignored (a plain for loop).
      if (condT) cond = truthy(outs[0] as Tensor);
      carried = outs.slice(1, 1 + nCarried);
      outs.slice(1 + nCarried).forEach((o, j) => {
        if (!isTensor(o)) throw ctx.error('loop scan outputs must be tensors');
        collected[j].push(o);
      });
      if (i > 1e7) throw ctx.error('loop ran more than 10^7 iterations without terminating');
    }
    const scans = collected.map((items, j) => (items.length ? stack(items, 0) : emptyScanOutput(body.outputs[1 + nCarried + j]?.type)));
    return [...carried, ...scans];
  },
  Scan(ctx) {
    const body = ctx.attrs.graph('body');
    const nScan = ctx.attrs.int('num_scan_inputs');
    const a = ctx.attrs;
    if (ctx.opset < 9) {
      // Opset 8: input 0 is sequence_lens (optional); every tensor has a leading batch axis, time is axis 1.
      const inputs = ctx.inputs.slice(1);
      const nState = inputs.length - nScan;
      const dirs = a.has('directions') ? a.ints('directions') : new Array<number>(nScan).fill(0);
      const lensT = ctx.optionalInput(0);
      const states = inputs.slice(0, nState) as Tensor[];
      const scans = inputs.slice(nState) as Tensor[];
      const batch = (states[0] ?? scans[0]).dims[0];
      const lens = lensT ? ints(lensT) : undefined;
      const perBatch: Value[][] = [];
      for (let b = 0; b < batch; b++) {
        const n = lens ? lens[b] : scans[0].dims[1];
        perBatch.push(scanLoop(ctx, body, states.map((s) => take(s, b, 0)), scans.map((s) => take(s, b, 0)), n,
          scans.map(() => 0), dirs.map((d) => d === 1), [], []));
      }
      return perBatch[0].map((_, j) => stack(perBatch.map((r) => r[j] as Tensor), 0));
    }
    const inputs = ctx.inputs as Value[];
    const nState = inputs.length - nScan;
    const scans = inputs.slice(nState).map((v) => {
      if (!isTensor(v)) throw ctx.error('scan inputs must be tensors');
      return v;
    });
    const inAxes = (a.has('scan_input_axes') ? a.ints('scan_input_axes') : scans.map(() => 0)).map((x, j) => normalizeAxis(x, scans[j].dims.length, 'scan_input_axes'));
    const inDirs = a.has('scan_input_directions') ? a.ints('scan_input_directions') : scans.map(() => 0);
    const nOut = body.outputs.length - nState;
    const outAxes = a.has('scan_output_axes') ? a.ints('scan_output_axes') : new Array<number>(nOut).fill(0);
    const outDirs = a.has('scan_output_directions') ? a.ints('scan_output_directions') : new Array<number>(nOut).fill(0);
    const n = scans.length ? scans[0].dims[inAxes[0]] : 0;
    return scanLoop(ctx, body, inputs.slice(0, nState), scans, n, inAxes, inDirs.map((d) => d === 1), outAxes, outDirs.map((d) => d === 1));
  },
};
