/** FusedElementwise: interprets its program step by step with the standard elementwise kernels. */
import type { Tensor } from '../../../../tensor/tensor.js';
import type { KernelContext } from '../../kernel.js';
import { parseProgram } from '../../../../ops/fused.js';
import { callKernel } from './call.js';

export function fusedElementwise(ctx: KernelContext): Tensor[] {
  const p = parseProgram(ctx.attrs.string('program'), `node '${ctx.node.name}'`);
  const results: Tensor[] = [];
  const ref = (r: string): Tensor => (r[0] === 'i' ? ctx.input(Number(r.slice(1))) : results[Number(r.slice(1))]);
  for (const s of p.steps) {
    // an empty ref ('') is an omitted optional operand (e.g. Clip without min)
    const ins = s.in.map((r) => (r ? ref(r) : undefined));
    results.push(callKernel(ctx, s.op, ins, s.attrs ?? {}, p.opset));
  }
  return [results[results.length - 1]];
}
