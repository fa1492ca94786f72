/**
 * ONNX import: bytes or a path -> Model (IR). Faithful decoding only; whether a backend supports every
 * op is checked elsewhere (the backend registry).
 */
import fs from 'node:fs';
import path from 'node:path';
import { TensorJetError } from '../errors.js';
import { normalizeDomain, type Model } from '../ir/graph.js';
import { graphFromProto } from './decode-graph.js';
import type { ExternalDataOptions } from './external-data.js';
import { FunctionInliner } from './functions.js';
import { ModelProtoType, decodeMessage, toNumber, type ModelProto } from './proto.js';

export { readTensorProto, readValueProto } from './values.js';

export interface ImportOptions extends ExternalDataOptions {}

/** Imports an ONNX model from a file path (external data resolved next to it) or from bytes. */
export function importModel(source: string | Uint8Array, opts: ImportOptions = {}): Model {
  let bytes: Uint8Array;
  let file: string | undefined;
  const o: ImportOptions = { ...opts };
  if (typeof source === 'string') {
    file = source;
    try {
      bytes = fs.readFileSync(source);
    } catch (e) {
      throw new TensorJetError('E_IO', `cannot read model '${source}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { path: source }, { cause: e });
    }
    o.baseDir ??= path.dirname(path.resolve(source));
  } else {
    bytes = source;
  }
  const mp = decodeMessage<ModelProto>(ModelProtoType, bytes, 'ONNX model', file);
  try {
    return modelFromProto(mp, o);
  } catch (e) {
    if (e instanceof TensorJetError && file && !e.fields.path) e.fields.path = file;
    throw e;
  }
}

function modelFromProto(mp: ModelProto, opts: ImportOptions): Model {
  if (!mp.graph) {
    throw new TensorJetError('E_MODEL_INVALID', 'the model has no graph (not an ONNX ModelProto?)');
  }
  const opsets = new Map<string, number>();
  for (const o of mp.opset_import) opsets.set(normalizeDomain(o.domain), toNumber(o.version, 'opset version'));
  const inliner = new FunctionInliner(mp.functions);
  const graph = graphFromProto(mp.graph, { external: opts, inliner, usedNames: new Set(), depth: 0 });
  // domains used only inside inlined function bodies
  for (const [d, v] of inliner.opsets) if (!opsets.has(d)) opsets.set(d, v);
  return {
    irVersion: toNumber(mp.ir_version, 'ir_version'),
    opsets,
    producerName: mp.producer_name,
    producerVersion: mp.producer_version,
    graph,
  };
}
