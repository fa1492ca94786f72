/**
 * Attribute layout = 'NHWC' (set by passes/layout-nhwc.ts for the GPU) on the CPU reference kernels: the
 * channel-last inputs at `slots` ([n, ...spatial, c]; a conv filter [k, ...kernel, c/groups]) are permuted to
 * channel-first, the NCHW kernel runs, and its outputs are permuted back to channel-last.
 */
import type { Value } from '../../../ir/value.js';
import { isTensor } from '../../../ir/value.js';
import { KernelContext, type CpuKernel } from '../kernel.js';
import { transposeRaw } from './shape/raw.js';

const toFirst = (r: number): number[] => [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];
const toLast = (r: number): number[] => [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];

export function channelLast(kernel: CpuKernel, slots: readonly number[]): CpuKernel {
  return (ctx) => {
    const layout = ctx.attrs.string('layout', 'NCHW');
    if (layout === 'NCHW') return kernel(ctx);
    if (layout !== 'NHWC') throw ctx.error(`layout '${layout}' (NCHW or NHWC)`);
    const inputs = ctx.inputs.map((v, i) => (slots.includes(i) && isTensor(v) && v.dims.length >= 3 ? transposeRaw(v, toFirst(v.dims.length)) : v));
    const node = { ...ctx.node, attributes: new Map([...ctx.node.attributes].filter(([k]) => k !== 'layout')) };
    const outs = kernel(new KernelContext(node, inputs, ctx.opset, ctx.runSubgraph, ctx.graph));
    return outs.map((o): Value => (isTensor(o) && o.dims.length >= 3 ? transposeRaw(o, toLast(o.dims.length)) : o));
  };
}
