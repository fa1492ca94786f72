/**
 * CPU reference kernels for the 'loss' op family: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss
 * (class weights, ignore_index, reduction none/sum/mean; SCE's optional log_prob output). Scores are
 * [N, C, d1, ...], labels [N, d1, ...]; mean divides by the summed weights of the counted elements.
 */
import { isFloat } from '../../../tensor/dtype.js';
import { allocTensor, type Tensor } from '../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../kernel.js';
import { readInts, readNumbers, writeNumbers } from '../util.js';
import { softmaxInto } from './softmax.js';

/** NLL over log-probabilities `lp` (shape dims = [N, C, ...]). */
function nll(ctx: KernelContext, lp: ArrayLike<number>, dims: readonly number[], labelsT: Tensor, weightT: Tensor | undefined, dtype: Tensor['dtype']): Tensor {
  if (dims.length < 2) throw ctx.error(`input must have rank >= 2 ([N, C, ...]), got [${dims.join(', ')}]`);
  const [N, C] = dims;
  const D = dims.slice(2).reduce((p, d) => p * d, 1);
  const labels = readInts(labelsT);
  if (labels.length !== N * D) throw ctx.error(`labels of shape [${labelsT.dims.join(', ')}] do not match input [${dims.join(', ')}]`);
  const w = weightT ? readNumbers(weightT) : undefined;
  if (w && w.length !== C) throw ctx.error(`weights have ${w.length} entries, expected C = ${C}`);
  const reduction = ctx.attrs.string('reduction', 'mean');
  if (reduction !== 'none' && reduction !== 'sum' && reduction !== 'mean') throw ctx.attrs.error(`reduction must be none, sum or mean, got '${reduction}'`);
  const ii = ctx.attrs.has('ignore_index') ? ctx.attrs.int('ignore_index') : undefined;
  const loss = new Float64Array(N * D);
  let wsum = 0;
  for (let n = 0; n < N; n++) {
    for (let d = 0; d < D; d++) {
      const i = n * D + d;
      const c = labels[i];
      if (c === ii) continue;
      if (c < 0 || c >= C) throw ctx.error(`label ${c} at index ${i} is outside [0, ${C})`);
      const wc = w ? w[c] : 1;
      loss[i] = -lp[(n * C + c) * D + d] * wc;
      wsum += wc;
    }
  }
  if (reduction === 'none') {
    const out = allocTensor(dtype, labelsT.dims);
    writeNumbers(out, loss);
    return out;
  }
  let s = 0;
  for (let i = 0; i < loss.length; i++) s += loss[i];
  const out = allocTensor(dtype, []);
  writeNumbers(out, [reduction === 'sum' ? s : s / wsum]);
  return out;
}

function nllLoss(ctx: KernelContext) {
  const x = ctx.input(0);
  if (!isFloat(x.dtype)) throw ctx.error(`expects a float input, got ${x.dtype}`);
  return [nll(ctx, readNumbers(x), x.dims, ctx.input(1), ctx.optionalInput(2), x.dtype)];
}

function sce(ctx: KernelContext) {
  const x = ctx.input(0);
  if (!isFloat(x.dtype)) throw ctx.error(`expects a float input, got ${x.dtype}`);
  if (x.dims.length < 2) throw ctx.error(`scores must have rank >= 2 ([N, C, ...]), got [${x.dims.join(', ')}]`);
  const [N, C] = x.dims;
  const D = x.dims.slice(2).reduce((p, d) => p * d, 1);
  const lp = new Float64Array(x.data.length);
  softmaxInto('logsoftmax', readNumbers(x), lp, N, C, D);
  const loss = nll(ctx, lp, x.dims, ctx.input(1), ctx.optionalInput(2), x.dtype);
  if (ctx.node.outputs.length < 2 || !ctx.node.outputs[1]) return [loss];
  const logProb = allocTensor(x.dtype, x.dims);
  writeNumbers(logProb, lp);
  return [loss, logProb];
}

export const kernels: KernelTable = {
  NegativeLogLikelihoodLoss: nllLoss,
  SoftmaxCrossEntropyLoss: sce,
};
