/**
 * Chains of elementwise ops -> one tensorjet::FusedElementwise node holding the chain as a program
 * (src/ops/fused.ts), which the CUDA backend turns into one generated kernel. A node absorbs each input's
 * producer that is elementwise (or already fused) and read only by it; SiLU (x * Sigmoid(x)) is one case.
 */
import type { Attribute, Node } from '../ir/graph.js';
import { rulePass, type Rule, type RewriteView } from './rewrite.js';
import { FUSED_DOMAIN, parseProgram, type ElementwiseProgram, type ElementwiseStep } from '../ops/fused.js';
import { FUSABLE_BINARY, FUSABLE_UNARY, isFusableElementwise } from '../backends/cpu/kernels/fused/call.js';
import { defaultOpset, replacePattern, str, useFusedDomain } from './fuse-util.js';

const SIMPLE_ATTRS = new Set<Attribute['type']>(['float', 'int', 'string', 'floats', 'ints', 'strings']);
const plainAttrs = (n: Node): boolean => [...n.attributes.values()].every((a) => SIMPLE_ATTRS.has(a.type));

const isFusedEw = (n: Node): boolean => n.domain === FUSED_DOMAIN && n.opType === 'FusedElementwise';
const isPlainEw = (n: Node): boolean => n.domain === '' && isFusableElementwise(n.opType) && plainAttrs(n);

function programOf(n: Node): ElementwiseProgram {
  const a = n.attributes.get('program');
  return parseProgram(a && a.type === 'string' ? a.value : '', `node '${n.name}'`);
}

class Builder {
  readonly inputs: string[] = [];
  readonly steps: ElementwiseStep[] = [];
  /** ref for an outside value name */
  input(name: string): string {
    if (!name) return '';
    let k = this.inputs.indexOf(name);
    if (k < 0) k = this.inputs.push(name) - 1;
    return `i${k}`;
  }
  /** appends a node's step(s); returns the ref of its result */
  add(n: Node, operand: (name: string) => string): string {
    if (isFusedEw(n)) {
      const p = programOf(n);
      const base = this.steps.length;
      for (const s of p.steps) {
        const map = (r: string) => (!r ? '' : r[0] === 'i' ? operand(n.inputs[Number(r.slice(1))]) : `s${base + Number(r.slice(1))}`);
        this.steps.push({ ...s, in: s.in.map(map) });
      }
    } else {
      const attrs = n.attributes.size ? Object.fromEntries(n.attributes) : undefined;
      this.steps.push({ op: n.opType, in: n.inputs.map(operand), ...(attrs ? { attrs } : {}) });
    }
    return `s${this.steps.length - 1}`;
  }
}

const fuseChain = (root: string): Rule => ({
  name: `elementwise:${root}`,
  root,
  apply(node, view: RewriteView) {
    if (!plainAttrs(node)) return undefined;
    const absorbed = new Map<string, Node>();
    for (const name of node.inputs) {
      const p = name ? view.producer(name) : undefined;
      if (p && (isPlainEw(p) || isFusedEw(p)) && view.onlyReadBy(name, node)) absorbed.set(name, p);
    }
    if (absorbed.size === 0) return undefined;
    const b = new Builder();
    const refs = new Map<string, string>();
    for (const [name, p] of absorbed) refs.set(name, b.add(p, (x) => b.input(x)));
    b.add(node, (x) => refs.get(x) ?? b.input(x));
    const program: ElementwiseProgram = { opset: defaultOpset(view), steps: b.steps };
    const fused: Node = {
      name: node.name,
      opType: 'FusedElementwise',
      domain: useFusedDomain(view),
      inputs: b.inputs,
      outputs: [node.outputs[0]],
      attributes: new Map([['program', str(JSON.stringify(program))]]),
    };
    return replacePattern(view, [...absorbed.values(), node], fused);
  },
});

export const fuseElementwise = rulePass('fuse-elementwise', [...FUSABLE_UNARY, ...FUSABLE_BINARY].map(fuseChain));
