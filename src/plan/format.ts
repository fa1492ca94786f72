/**
 * The plan file layout, version 1 (all integers little-endian):
 *
 *   0   magic "TJPLAN\0\0"                       8 bytes
 *   8   u32 format version
 *   12  u32 header length H
 *   16  header: UTF-8 JSON (PlanFileHeader)      H bytes
 *       zero padding to a multiple of 64
 *   B   weights blob: raw little-endian element bytes, each tensor 64-byte aligned (offsets relative to B)
 *       zero padding to a multiple of 64
 *   K   kernel section: opaque backend bytes (offset relative to B)
 *   end sha256 over every byte before it        32 bytes
 *
 * The JSON header holds the PlanHeader, the serialized graph (tensor attributes and constants refer to
 * entries of the weights table by index) and the section sizes, so a reader can check every offset
 * against the file size before touching the blob.
 */
import { TensorJetError } from '../errors.js';
import type { Attribute, Graph, Node, ValueInfo } from '../ir/graph.js';
import { DTYPES, isDType, type DType, type TensorData } from '../tensor/dtype.js';
import { checkAllocation, type Tensor } from '../tensor/tensor.js';
import type { PlanHeader } from './types.js';

export const PLAN_MAGIC = Uint8Array.from([0x54, 0x4a, 0x50, 0x4c, 0x41, 0x4e, 0, 0]); // "TJPLAN\0\0"
export const PLAN_FORMAT_VERSION = 1;
export const PLAN_ALIGNMENT = 64;
export const PREAMBLE_BYTES = 16;
export const CHECKSUM_BYTES = 32;

export const alignUp = (n: number, a = PLAN_ALIGNMENT): number => Math.ceil(n / a) * a;

/** One entry of the weights table. Numeric tensors live in the blob; string tensors inline as JSON. */
export interface WeightEntry {
  name: string;
  dtype: DType;
  dims: number[];
  /** byte offset in the weights blob (numeric dtypes) */
  offset?: number;
  byteLength?: number;
  /** string tensors only */
  strings?: string[];
}

/** JSON-safe float: non-finite values as strings. */
export type JsonFloat = number | 'NaN' | 'Infinity' | '-Infinity';

export type SerializedAttribute =
  /** JSON-safe kinds (int, string, ints, strings, type protos) stored as they are */
  | { type: Exclude<Attribute['type'], 'float' | 'floats' | 'tensor' | 'tensors' | 'graph' | 'graphs'>; value: unknown }
  | { type: 'float'; value: JsonFloat }
  | { type: 'floats'; value: JsonFloat[] }
  | { type: 'tensor'; value: number }
  | { type: 'tensors'; value: number[] }
  | { type: 'graph'; value: SerializedGraph }
  | { type: 'graphs'; value: SerializedGraph[] };

export interface SerializedNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: [string, SerializedAttribute][];
}

export interface SerializedGraph {
  name: string;
  nodes: SerializedNode[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  valueInfo: ValueInfo[];
  /** constant value name -> weights table index */
  constants: [string, number][];
}

/** The JSON header stored in the file. */
export interface PlanFileHeader {
  header: PlanHeader;
  model: { irVersion: number; producerName: string; producerVersion: string; opsets: [string, number][] };
  graph: SerializedGraph;
  weights: WeightEntry[];
  /** total weights blob size (bytes, a multiple of 64) */
  weightsBytes: number;
  /** kernel section: offset relative to the blob start, and size */
  kernels: { offset: number; byteLength: number };
}

const toJsonFloat = (v: number): JsonFloat => (Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');
const fromJsonFloat = (v: JsonFloat): number => (typeof v === 'number' ? v : Number(v));

/** Collects weights while a graph is serialized; the same Tensor object is stored once. */
export class WeightCollector {
  readonly entries: WeightEntry[] = [];
  readonly tensors: Tensor[] = [];
  private readonly ids = new Map<Tensor, number>();
  private blobBytes = 0;

  add(name: string, t: Tensor): number {
    const known = this.ids.get(t);
    if (known !== undefined) return known;
    const entry: WeightEntry = { name, dtype: t.dtype, dims: [...t.dims] };
    if (t.dtype === 'string') {
      entry.strings = [...(t.data as string[])];
    } else {
      const byteLength = (t.data as Exclude<TensorData, string[]>).byteLength;
      entry.offset = this.blobBytes;
      entry.byteLength = byteLength;
      this.blobBytes = alignUp(this.blobBytes + byteLength);
    }
    const id = this.entries.length;
    this.entries.push(entry);
    this.tensors.push(t);
    this.ids.set(t, id);
    return id;
  }

  get totalBytes(): number {
    return this.blobBytes;
  }
}

export function serializeGraph(g: Graph, w: WeightCollector, prefix = ''): SerializedGraph {
  const scope = prefix ? `${prefix}/` : '';
  return {
    name: g.name,
    nodes: g.nodes.map((n) => serializeNode(n, w, `${scope}${n.name}`)),
    inputs: g.inputs,
    outputs: g.outputs,
    valueInfo: [...g.valueInfo.values()],
    constants: [...g.constants].map(([name, t]) => [name, w.add(`${scope}${name}`, t)]),
  };
}

function serializeNode(n: Node, w: WeightCollector, path: string): SerializedNode {
  const attributes: [string, SerializedAttribute][] = [];
  for (const [name, a] of n.attributes) {
    const at = `${path}.${name}`;
    let s: SerializedAttribute;
    switch (a.type) {
      case 'float': s = { type: 'float', value: toJsonFloat(a.value) }; break;
      case 'floats': s = { type: 'floats', value: a.value.map(toJsonFloat) }; break;
      case 'tensor': s = { type: 'tensor', value: w.add(at, a.value) }; break;
      case 'tensors': s = { type: 'tensors', value: a.value.map((t, i) => w.add(`${at}[${i}]`, t)) }; break;
      case 'graph': s = { type: 'graph', value: serializeGraph(a.value, w, at) }; break;
      case 'graphs': s = { type: 'graphs', value: a.value.map((g, i) => serializeGraph(g, w, `${at}[${i}]`)) }; break;
      default: s = a;
    }
    attributes.push([name, s]);
  }
  return { name: n.name, opType: n.opType, domain: n.domain, inputs: n.inputs, outputs: n.outputs, attributes };
}

const corrupt = (message: string, fields: Record<string, unknown> = {}) =>
  new TensorJetError('E_PLAN_CORRUPT', `plan is corrupted: ${message}`, fields);

/** Materializes weights table entries from the blob, checking every offset against the blob size. */
export function readWeights(entries: unknown, blob: Uint8Array): Tensor[] {
  if (!Array.isArray(entries)) throw corrupt('weights table is missing');
  return entries.map((e: WeightEntry, i) => {
    const what = `weight #${i} '${e?.name}'`;
    if (!e || typeof e !== 'object' || !isDType(e.dtype) || !Array.isArray(e.dims) || !e.dims.every((d) => Number.isInteger(d) && d >= 0)) {
      throw corrupt(`${what} has an invalid entry`);
    }
    const n = checkAllocation(e.dtype, e.dims, `plan weight '${e.name}'`);
    if (e.dtype === 'string') {
      if (!Array.isArray(e.strings) || e.strings.length !== n) throw corrupt(`${what} has ${e.strings?.length ?? 0} strings, dims need ${n}`);
      return { dtype: e.dtype, dims: e.dims, data: e.strings.map(String) };
    }
    const ctor = DTYPES[e.dtype].array!;
    const elem = (ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    const { offset, byteLength } = e;
    if (!Number.isInteger(offset) || !Number.isInteger(byteLength) || offset! < 0 || byteLength !== n * elem) {
      throw corrupt(`${what} has an invalid offset/size (${offset}, ${byteLength} bytes for ${n} x ${elem}-byte elements)`);
    }
    if (offset! + byteLength! > blob.byteLength) {
      throw corrupt(`${what} [${offset}, ${offset! + byteLength!}) lies outside the ${blob.byteLength}-byte weights blob`);
    }
    const start = blob.byteOffset + offset!;
    const copy = blob.buffer.slice(start, start + byteLength!);
    return { dtype: e.dtype, dims: e.dims, data: new (ctor as unknown as new (b: ArrayBufferLike) => TensorData)(copy) };
  });
}

export function deserializeGraph(s: SerializedGraph, weights: Tensor[]): Graph {
  if (!s || typeof s !== 'object' || !Array.isArray(s.nodes)) throw corrupt('graph section is malformed');
  const weight = (id: number): Tensor => {
    const t = weights[id];
    if (!t) throw corrupt(`reference to missing weight #${id}`);
    return t;
  };
  return {
    name: s.name,
    nodes: s.nodes.map((n) => ({
      name: n.name,
      opType: n.opType,
      domain: n.domain,
      inputs: n.inputs,
      outputs: n.outputs,
      attributes: new Map(n.attributes.map(([name, a]): [string, Attribute] => [name, deserializeAttribute(a, weights, weight)])),
    })),
    inputs: s.inputs,
    outputs: s.outputs,
    valueInfo: new Map(s.valueInfo.map((v) => [v.name, v])),
    constants: new Map(s.constants.map(([name, id]) => [name, weight(id)])),
  };
}

function deserializeAttribute(a: SerializedAttribute, weights: Tensor[], weight: (id: number) => Tensor): Attribute {
  switch (a.type) {
    case 'float': return { type: 'float', value: fromJsonFloat(a.value) };
    case 'floats': return { type: 'floats', value: a.value.map(fromJsonFloat) };
    case 'tensor': return { type: 'tensor', value: weight(a.value) };
    case 'tensors': return { type: 'tensors', value: a.value.map(weight) };
    case 'graph': return { type: 'graph', value: deserializeGraph(a.value, weights) };
    case 'graphs': return { type: 'graphs', value: a.value.map((g) => deserializeGraph(g, weights)) };
    default: return a as Attribute;
  }
}
