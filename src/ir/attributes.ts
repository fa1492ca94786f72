/** Typed attribute access for one node; every failure names the node and op type. */
import { TensorJetError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Attribute, Graph, Node } from './graph.js';

type Kind = Attribute['type'];
type ValueOf<K extends Kind> = Extract<Attribute, { type: K }>['value'];

export class AttributeReader {
  constructor(readonly node: Node) {}

  has(name: string): boolean {
    return this.node.attributes.has(name);
  }

  private get<K extends Kind>(name: string, kind: K, fallback?: ValueOf<K>): ValueOf<K> {
    const a = this.node.attributes.get(name);
    if (!a) {
      if (fallback !== undefined) return fallback;
      throw this.error(`missing required attribute '${name}'`);
    }
    if (a.type !== kind) {
      // ONNX writers sometimes store a single int where ints are expected and vice versa.
      if (kind === 'ints' && a.type === 'int') return [a.value] as ValueOf<K>;
      if (kind === 'floats' && a.type === 'float') return [a.value] as ValueOf<K>;
      if (kind === 'float' && a.type === 'int') return a.value as ValueOf<K>;
      throw this.error(`attribute '${name}' should be ${kind} but is ${a.type}`);
    }
    return a.value as ValueOf<K>;
  }

  int(name: string, fallback?: number): number { return this.get(name, 'int', fallback); }
  float(name: string, fallback?: number): number { return this.get(name, 'float', fallback); }
  string(name: string, fallback?: string): string { return this.get(name, 'string', fallback); }
  ints(name: string, fallback?: number[]): number[] { return this.get(name, 'ints', fallback); }
  floats(name: string, fallback?: number[]): number[] { return this.get(name, 'floats', fallback); }
  strings(name: string, fallback?: string[]): string[] { return this.get(name, 'strings', fallback); }
  tensor(name: string, fallback?: Tensor): Tensor { return this.get(name, 'tensor', fallback); }
  graph(name: string): Graph { return this.get(name, 'graph'); }

  /** An optional attribute of any type, or undefined. */
  optional(name: string): Attribute | undefined {
    return this.node.attributes.get(name);
  }

  error(message: string): TensorJetError {
    return new TensorJetError('E_ATTRIBUTE', `node '${this.node.name}' (${this.node.opType}): ${message}`, {
      node: this.node.name,
      opType: this.node.opType,
    });
  }
}
