/** Helpers shared by the fuse-* passes: constant scalars, fresh names, the tensorjet opset. */
import type { Attribute, Node } from '../ir/graph.js';
import { opsetOf } from '../ir/graph.js';
import { readNumbers } from '../backends/cpu/util.js';
import { FUSED_DOMAIN } from '../ops/fused.js';
import type { Tensor } from '../tensor/tensor.js';
import type { RewriteView } from './rewrite.js';
import { isFloat } from '../tensor/dtype.js';

/** The value of `name` when it is a float constant with exactly one element. */
export function constScalar(view: RewriteView, name: string | undefined): number | undefined {
  const t = name ? view.graph.constants.get(name) : undefined;
  if (!t || !isFloat(t.dtype) || t.data.length !== 1) return undefined;
  return readNumbers(t)[0];
}

export const constant = (view: RewriteView, name: string | undefined): Tensor | undefined => (name ? view.graph.constants.get(name) : undefined);

export const near = (a: number | undefined, b: number, tol = 1e-4): boolean => a !== undefined && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

/** The producer of `name` when it has op type `op` (default domain) and `name` is read only by `reader`. */
export function soleProducer(view: RewriteView, name: string, reader: Node, ...ops: string[]): Node | undefined {
  const p = view.producer(name);
  if (!p || p.domain !== '' || !ops.includes(p.opType) || !view.onlyReadBy(name, reader)) return undefined;
  return p;
}

/** Like soleProducer, for nodes of the tensorjet domain. */
export function soleFusedProducer(view: RewriteView, name: string, reader: Node, op: string): Node | undefined {
  const p = view.producer(name);
  if (!p || p.domain !== FUSED_DOMAIN || p.opType !== op || !view.onlyReadBy(name, reader)) return undefined;
  return p;
}

/** Declares the tensorjet domain in the model (fused nodes run at its version 1). */
export function useFusedDomain(view: RewriteView): string {
  if (!view.ctx.model.opsets.has(FUSED_DOMAIN)) view.ctx.model.opsets.set(FUSED_DOMAIN, 1);
  return FUSED_DOMAIN;
}

export const defaultOpset = (view: RewriteView): number => opsetOf(view.ctx.model, '');

/** A node name not used in the graph, derived from `base`. */
export function freshNodeName(view: RewriteView, base: string): string {
  const used = new Set(view.graph.nodes.map((n) => n.name));
  let name = base;
  for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
  return name;
}

export const str = (value: string): Attribute => ({ type: 'string', value });
export const int = (value: number): Attribute => ({ type: 'int', value });
export const flt = (value: number): Attribute => ({ type: 'float', value });
export const flts = (value: number[]): Attribute => ({ type: 'floats', value });

/** The 'activation' attributes for an activation node, or undefined when it is not fusable. */
export function activationOf(node: Node, view: RewriteView): Map<string, Attribute> | undefined {
  const a = node.attributes;
  const m = new Map<string, Attribute>();
  switch (node.opType) {
    case 'Relu':
    case 'Sigmoid':
    case 'HardSwish':
      m.set('activation', str(node.opType));
      return m;
    case 'LeakyRelu': {
      const alpha = a.get('alpha');
      m.set('activation', str('LeakyRelu'));
      m.set('activation_params', flts([alpha && alpha.type === 'float' ? alpha.value : 0.01]));
      return m;
    }
    case 'Gelu': {
      const ap = a.get('approximate');
      if (ap && ap.type === 'string' && ap.value !== 'none') return undefined;
      m.set('activation', str('Gelu'));
      return m;
    }
    case 'Clip': {
      let lo = -Infinity, hi = Infinity;
      if (defaultOpset(view) < 11) {
        const mn = a.get('min'), mx = a.get('max');
        if (mn && mn.type === 'float') lo = mn.value;
        if (mx && mx.type === 'float') hi = mx.value;
      } else {
        if (node.inputs[1]) {
          const v = constScalar(view, node.inputs[1]);
          if (v === undefined) return undefined;
          lo = v;
        }
        if (node.inputs[2]) {
          const v = constScalar(view, node.inputs[2]);
          if (v === undefined) return undefined;
          hi = v;
        }
      }
      m.set('activation', str('Clip'));
      m.set('activation_params', flts([lo, hi]));
      return m;
    }
    default:
      return undefined;
  }
}

/**
 * Ops whose node is an activation candidate for FusedConv/FusedGemm (root ops of the rules); erf Gelu
 * recovered before opset 20 is tensorjet::Gelu.
 */
export const ACTIVATION_ROOTS: { domain: string; opType: string }[] = [
  ...['Relu', 'LeakyRelu', 'Sigmoid', 'HardSwish', 'Clip', 'Gelu'].map((opType) => ({ domain: '', opType })),
  { domain: FUSED_DOMAIN, opType: 'Gelu' },
];

/**
 * SiLU as exported: Mul(x, Sigmoid(x)) (either order). Returns x and the Sigmoid node when `mul` is that
 * pattern and x is read only by the Sigmoid and the Mul.
 */
export function siluOf(mul: Node, view: RewriteView): { x: string; sigmoid: Node } | undefined {
  if (mul.opType !== 'Mul') return undefined;
  for (const k of [0, 1]) {
    const s = view.producer(mul.inputs[k]);
    const x = mul.inputs[1 - k];
    if (!s || s.opType !== 'Sigmoid' || s.domain !== '' || s.inputs[0] !== x || !view.onlyReadBy(mul.inputs[k], mul)) continue;
    const readers = view.readers(x);
    if (readers.length !== 2 || !readers.includes(s) || !readers.includes(mul) || view.graph.outputs.some((o) => o.name === x)) continue;
    return { x, sigmoid: s };
  }
  return undefined;
}

/**
 * Replaces the pattern `removed` (whose intermediates are read only inside it) by `fused`, placed where
 * the pattern's last node was: nodes between the pattern's first and last node move before it (none
 * reads an intermediate, so the order stays topological even when an outside input, e.g. a residual,
 * is produced in between).
 */
export function replacePattern(view: RewriteView, removed: Node[], fused: Node): { remove: Node[]; insert: Node[] } {
  const idx = removed.map((n) => view.graph.nodes.indexOf(n));
  const lo = Math.min(...idx), hi = Math.max(...idx);
  const set = new Set(removed);
  const between = view.graph.nodes.slice(lo, hi + 1).filter((n) => !set.has(n));
  return { remove: [...removed, ...between], insert: [...between, fused] };
}
