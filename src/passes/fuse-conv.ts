/**
 * Conv [+ residual Add] [+ activation] -> tensorjet::FusedConv (GPU pipeline). Grows one step at a time:
 *   Conv -> act                 FusedConv(activation)
 *   Conv|FusedConv(no Z) + Z    FusedConv(Z; residual_before_activation = 1 if no activation yet, else 0)
 *   FusedConv(no act) -> act    FusedConv(activation) (ResNet: conv -> bn(folded) -> add -> relu)
 *   SiLU = Mul(c, Sigmoid(c))   activation 'SiLU'
 */
import type { Attribute, Node } from '../ir/graph.js';
import { rulePass, type Rule, type RewriteView } from './rewrite.js';
import { ACTIVATION_ROOTS, activationOf, int, replacePattern, siluOf, str, useFusedDomain } from './fuse-util.js';
import { FUSED_DOMAIN } from '../ops/fused.js';

const hasAct = (n: Node): boolean => {
  const a = n.attributes.get('activation');
  return !!a && a.type === 'string' && a.value !== '';
};

/** The Conv or FusedConv producing `name` when an activation may still be added to it. */
function convForActivation(view: RewriteView, name: string): Node | undefined {
  const p = view.producer(name);
  if (!p) return undefined;
  if (p.domain === '' && p.opType === 'Conv') return p;
  if (p.domain === FUSED_DOMAIN && p.opType === 'FusedConv' && !hasAct(p)) {
    // a residual added after an activation cannot take another activation
    const before = p.attributes.get('residual_before_activation');
    if (p.inputs[3] && before && before.type === 'int' && before.value === 0) return undefined;
    return p;
  }
  return undefined;
}

function toFused(view: RewriteView, conv: Node, extra: Map<string, Attribute>, output: string, z?: string): Node {
  const attributes = new Map(conv.attributes);
  for (const [k, v] of extra) attributes.set(k, v);
  const inputs = conv.domain === '' ? [conv.inputs[0], conv.inputs[1], conv.inputs[2] ?? ''] : [...conv.inputs];
  if (z !== undefined) inputs[3] = z;
  return { name: conv.name, opType: 'FusedConv', domain: useFusedDomain(view), inputs, outputs: [output], attributes };
}

const convActivation: Rule[] = ACTIVATION_ROOTS.map(({ domain, opType }) => ({
  name: `conv+${opType}`,
  root: opType,
  domain,
  apply(act, view) {
    const conv = convForActivation(view, act.inputs[0]);
    const extra = conv && view.onlyReadBy(act.inputs[0], act) ? activationOf(act, view) : undefined;
    if (!conv || !extra) return undefined;
    return replacePattern(view, [conv, act], toFused(view, conv, extra, act.outputs[0]));
  },
}));

const convSilu: Rule = {
  name: 'conv+silu',
  root: 'Mul',
  apply(mul, view) {
    const silu = siluOf(mul, view);
    const conv = silu && convForActivation(view, silu.x);
    if (!silu || !conv) return undefined;
    return replacePattern(view, [conv, silu.sigmoid, mul], toFused(view, conv, new Map([['activation', str('SiLU')]]), mul.outputs[0]));
  },
};

const convResidual: Rule = {
  name: 'conv+add',
  root: 'Add',
  apply(add, view) {
    for (const k of [0, 1]) {
      const c = add.inputs[k], z = add.inputs[1 - k];
      const p = view.producer(c);
      if (!p || z === c || !view.onlyReadBy(c, add)) continue;
      const isConv = p.domain === '' && p.opType === 'Conv';
      const isFused = p.domain === FUSED_DOMAIN && p.opType === 'FusedConv' && !p.inputs[3];
      if (!isConv && !isFused) continue;
      const extra = new Map([['residual_before_activation', int(hasAct(p) ? 0 : 1)]]);
      return replacePattern(view, [p, add], toFused(view, p, extra, add.outputs[0], z));
    }
    return undefined;
  },
};

export const fuseConv = rulePass('fuse-conv', [...convActivation, convSilu, convResidual]);
