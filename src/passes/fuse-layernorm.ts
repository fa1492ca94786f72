/**
 * Decomposed normalizations as exporters write them before the ops existed (GPU pipeline):
 *   LayerNorm: d = x - ReduceMean(x); y = d / Sqrt(ReduceMean(d^2) + eps) * gamma [+ beta]
 *     (d^2 as Pow(d, 2) or Mul(d, d); axes a trailing range) -> LayerNormalization(x, gamma, beta)
 *   Gelu: x * 0.5 * (1 + Erf(x / sqrt(2))), any grouping of the product -> Gelu (opset >= 20) or
 *     tensorjet::Gelu (older opsets, where ONNX has no Gelu).
 *   Residual: LayerNormalization(a + b) over the last axis with 1-D scale/bias -> tensorjet::SkipLayerNorm(a, b, ...)
 *     (b broadcasting to a: same shape or trailing dims); a + b, when also read elsewhere, is its second output.
 */
import type { Dim, Node } from '../ir/graph.js';
import { inferShapes } from '../ir/shape-inference.js';
import { readInts } from '../backends/cpu/util.js';
import { rulePass, type Rule, type RewriteView } from './rewrite.js';
import { constant, constScalar, defaultOpset, flt, int, near, replacePattern, soleProducer, str, useFusedDomain } from './fuse-util.js';

/** Known rank of a value (graph input or value info), if any. */
function rankOf(view: RewriteView, name: string): number | undefined {
  const info = view.graph.valueInfo.get(name) ?? view.graph.inputs.find((i) => i.name === name);
  return info && info.type.kind === 'tensor' && info.type.shape ? info.type.shape.length : undefined;
}

/** ReduceMean's axes (attribute, or constant input from opset 18) when keepdims = 1. */
function meanAxes(view: RewriteView, n: Node): number[] | undefined {
  const keep = n.attributes.get('keepdims');
  if (keep && keep.type === 'int' && keep.value !== 1) return undefined;
  const a = n.attributes.get('axes');
  if (a && a.type === 'ints') return a.value;
  const t = constant(view, n.inputs[1]);
  return t ? readInts(t) : undefined;
}

/** The LayerNormalization axis for trailing `axes` of x, or undefined. */
function trailingAxis(view: RewriteView, x: string, axes: number[]): number | undefined {
  if (!axes.length) return undefined;
  let norm = axes;
  if (axes.some((a) => a >= 0)) {
    const r = rankOf(view, x);
    if (r === undefined) return undefined;
    norm = axes.map((a) => (a >= 0 ? a - r : a));
  }
  const sorted = [...norm].sort((p, q) => p - q);
  if (!sorted.every((a, i) => a === -sorted.length + i)) return undefined;
  return sorted[0];
}

interface Normalized {
  x: string;
  axis: number;
  eps: number;
  nodes: Node[];
}

/** Matches n = (x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps), `n` read only by `reader`. */
function matchNormalized(view: RewriteView, n: string, reader: Node): Normalized | undefined {
  const div = soleProducer(view, n, reader, 'Div');
  const sqrt = div && soleProducer(view, div.inputs[1], div, 'Sqrt');
  const addEps = sqrt && soleProducer(view, sqrt.inputs[0], sqrt, 'Add');
  if (!div || !sqrt || !addEps) return undefined;
  const ke = [0, 1].find((i) => constScalar(view, addEps.inputs[i]) !== undefined);
  if (ke === undefined) return undefined;
  const eps = constScalar(view, addEps.inputs[ke])!;
  const var_ = soleProducer(view, addEps.inputs[1 - ke], addEps, 'ReduceMean');
  const sq = var_ && soleProducer(view, var_.inputs[0], var_, 'Pow', 'Mul');
  if (!var_ || !sq) return undefined;
  const d = div.inputs[0];
  if (sq.opType === 'Pow' ? sq.inputs[0] !== d || !near(constScalar(view, sq.inputs[1]), 2, 0) : sq.inputs[0] !== d || sq.inputs[1] !== d) return undefined;
  const sub = view.producer(d);
  if (!sub || sub.domain !== '' || sub.opType !== 'Sub' || view.graph.outputs.some((o) => o.name === d)) return undefined;
  if (!view.readers(d).every((r) => r === sq || r === div)) return undefined;
  const x = sub.inputs[0];
  const mean = soleProducer(view, sub.inputs[1], sub, 'ReduceMean');
  if (!mean || mean.inputs[0] !== x) return undefined;
  const axes1 = meanAxes(view, mean), axes2 = meanAxes(view, var_);
  if (!axes1 || !axes2 || axes1.join() !== axes2.join()) return undefined;
  const axis = trailingAxis(view, x, axes1);
  if (axis === undefined) return undefined;
  return { x, axis, eps, nodes: [mean, sub, sq, var_, addEps, sqrt, div] };
}

/** A constant affine parameter that broadcasts only over the normalized axes. */
const affineOk = (view: RewriteView, name: string, axis: number): boolean => {
  const t = constant(view, name);
  return !!t && t.dims.length <= -axis;
};

function layerNorm(view: RewriteView, m: Normalized, gamma: string, beta: string, out: string, more: Node[]): ReturnType<Rule['apply']> {
  const root = more[more.length - 1];
  const fused: Node = {
    name: root.name,
    opType: 'LayerNormalization',
    domain: '',
    inputs: beta ? [m.x, gamma, beta] : [m.x, gamma],
    outputs: [out],
    attributes: new Map([['axis', int(m.axis)], ['epsilon', flt(m.eps)]]),
  };
  return replacePattern(view, [...m.nodes, ...more], fused);
}

const layerNormWithBias: Rule = {
  name: 'layernorm',
  root: 'Add',
  apply(add, view) {
    for (const k of [0, 1]) {
      const mul = soleProducer(view, add.inputs[k], add, 'Mul');
      if (!mul) continue;
      for (const j of [0, 1]) {
        const m = matchNormalized(view, mul.inputs[j], mul);
        if (m && affineOk(view, mul.inputs[1 - j], m.axis) && affineOk(view, add.inputs[1 - k], m.axis)) {
          return layerNorm(view, m, mul.inputs[1 - j], add.inputs[1 - k], add.outputs[0], [mul, add]);
        }
      }
    }
    return undefined;
  },
};

const layerNormNoBias: Rule = {
  name: 'layernorm-no-bias',
  root: 'Mul',
  apply(mul, view) {
    // leave the Mul to the rule above when an Add of a constant follows it
    const next = view.readers(mul.outputs[0]);
    if (next.length === 1 && next[0].opType === 'Add' && next[0].inputs.some((i) => view.graph.constants.has(i))) return undefined;
    for (const j of [0, 1]) {
      const m = matchNormalized(view, mul.inputs[j], mul);
      if (m && affineOk(view, mul.inputs[1 - j], m.axis)) return layerNorm(view, m, mul.inputs[1 - j], '', mul.outputs[0], [mul]);
    }
    return undefined;
  },
};

/** Leaves of a product tree of Mul nodes rooted at `mul` (inner Muls read only inside the tree). */
function productLeaves(view: RewriteView, mul: Node, depth: number, leaves: string[], muls: Node[]): void {
  muls.push(mul);
  for (const name of mul.inputs) {
    const p = depth > 0 ? soleProducer(view, name, mul, 'Mul') : undefined;
    if (p) productLeaves(view, p, depth - 1, leaves, muls);
    else leaves.push(name);
  }
}

const gelu: Rule = {
  name: 'gelu',
  root: 'Mul',
  apply(root, view) {
    const leaves: string[] = [];
    const muls: Node[] = [];
    productLeaves(view, root, 2, leaves, muls);
    if (leaves.length !== 3) return undefined;
    const half = leaves.findIndex((l) => near(constScalar(view, l), 0.5));
    if (half < 0) return undefined;
    for (const pi of [0, 1, 2]) {
      if (pi === half) continue;
      const x = leaves[3 - half - pi];
      const reader = muls.find((m) => m.inputs.includes(leaves[pi]))!;
      const plus = soleProducer(view, leaves[pi], reader, 'Add');
      if (!plus) continue;
      const ke = [0, 1].find((i) => near(constScalar(view, plus.inputs[1 - i]), 1));
      const erf = ke === undefined ? undefined : soleProducer(view, plus.inputs[ke], plus, 'Erf');
      const scale = erf && soleProducer(view, erf.inputs[0], erf, 'Div', 'Mul');
      if (!erf || !scale || scale.inputs[0] !== x) continue;
      const c = constScalar(view, scale.inputs[1]);
      if (!(scale.opType === 'Div' ? near(c, Math.SQRT2) : near(c, Math.SQRT1_2))) continue;
      const modern = defaultOpset(view) >= 20;
      const fused: Node = {
        name: root.name,
        opType: 'Gelu',
        domain: modern ? '' : useFusedDomain(view),
        inputs: [x],
        outputs: [root.outputs[0]],
        attributes: new Map([['approximate', str('none')]]),
      };
      return replacePattern(view, [scale, erf, plus, ...muls], fused);
    }
    return undefined;
  },
};

/** 0 when `b` broadcasts into `a`'s shape (a is the full operand), 1 for the reverse, else undefined. */
function fullOperand(a: Dim[] | undefined, b: Dim[] | undefined): 0 | 1 | undefined {
  if (!a || !b) return undefined;
  const within = (full: Dim[], part: Dim[]): boolean => {
    let k = 0;
    while (k < part.length && part[k] === 1) k++;
    const p = part.slice(k);
    return p.length <= full.length && p.every((d, i) => d === full[full.length - p.length + i]);
  };
  return within(a, b) ? 0 : within(b, a) ? 1 : undefined;
}

const skipLayerNorm: Rule = {
  name: 'skip-layernorm',
  root: 'LayerNormalization',
  apply(ln, view) {
    if (ln.outputs.filter(Boolean).length !== 1 || ln.outputs.length > 1) return undefined;
    const add = view.producer(ln.inputs[0]);
    if (!add || add.domain !== '' || add.opType !== 'Add' || add.inputs.length !== 2) return undefined;
    const scale = constant(view, ln.inputs[1]);
    const bias = ln.inputs[2] ? constant(view, ln.inputs[2]) : undefined;
    if (!scale || scale.dims.length !== 1 || scale.dims[0] < 2 || (ln.inputs[2] && (!bias || bias.dims.join() !== scale.dims.join()))) return undefined;
    const shapes = inferShapes(view.ctx.model);
    const [sa, sb] = add.inputs.map((i) => shapes.get(i)?.shape);
    const k = fullOperand(sa, sb);
    if (k === undefined) return undefined;
    const full = k === 0 ? sa! : sb!;
    const axisAttr = ln.attributes.get('axis');
    const axis = axisAttr && axisAttr.type === 'int' ? axisAttr.value : -1;
    if (axis !== -1 && axis !== full.length - 1) return undefined;
    if (full[full.length - 1] !== scale.dims[0]) return undefined;
    const eps = ln.attributes.get('epsilon');
    // the sum is an output of its own when something else reads it
    const sum = view.onlyReadBy(add.outputs[0], ln) ? [] : [add.outputs[0]];
    const fused: Node = {
      name: ln.name,
      opType: 'SkipLayerNorm',
      domain: useFusedDomain(view),
      inputs: [add.inputs[k], add.inputs[1 - k], ...ln.inputs.slice(1, 3).filter(Boolean)],
      outputs: [ln.outputs[0], ...sum],
      attributes: new Map([['epsilon', flt(eps && eps.type === 'float' ? eps.value : 1e-5)]]),
    };
    // at the Add's place: every input is ready there, and readers of the sum (if any) come after it
    return { remove: [add, ln], insert: [fused] };
  },
};

export const fuseLayerNorm = rulePass('fuse-layernorm', [layerNormWithBias, layerNormNoBias, gelu, skipLayerNorm]);
