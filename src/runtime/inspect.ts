/** inspect(): what a model or plan holds — IO tensors, op counts, weights, profiles, target, format. */
import { readFileBytes, isPlanBytes, readPlanHeader } from '../plan/read.js';
import type { IOTensorInfo, PlanTarget, Precision, ShapeProfile } from '../plan/types.js';
import { importModel } from '../onnx/import.js';
import { ioInfos, opCounts, weightBytes } from './builder.js';
import { dirname, resolve } from 'node:path';

export interface InspectReport {
  kind: 'onnx' | 'plan';
  /** path when inspected from a file */
  path?: string;
  fileBytes: number;
  /** inputs then outputs (the seeds' "tensor information") */
  tensors: IOTensorInfo[];
  opCounts: Record<string, number>;
  /** nodes, subgraphs included */
  layers: number;
  weightBytes: number;
  profiles: ShapeProfile[];
  /** plans only */
  target?: PlanTarget;
  precision?: Precision;
  formatVersion?: number;
  producer?: string;
  createdAt?: string;
  sourceModelHash?: string;
  buildOptions?: Record<string, unknown>;
  /** ONNX models only */
  opsets?: Record<string, number>;
  irVersion?: number;
}

export function inspect(source: string | Uint8Array): InspectReport {
  const path = typeof source === 'string' ? source : undefined;
  const bytes = typeof source === 'string' ? readFileBytes(source, 'file') : source;
  const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
  if (isPlanBytes(bytes)) {
    const h = readPlanHeader(bytes, path ? `'${path}'` : undefined);
    return {
      kind: 'plan', path, fileBytes: bytes.byteLength,
      tensors: [...h.inputs, ...h.outputs],
      opCounts: h.opCounts, layers: sum(h.opCounts), weightBytes: h.weightBytes, profiles: h.profiles,
      target: h.target, precision: h.precision, formatVersion: h.formatVersion, producer: h.producer,
      createdAt: h.createdAt, sourceModelHash: h.sourceModelHash, buildOptions: h.buildOptions,
    };
  }
  const model = importModel(bytes, path ? { baseDir: dirname(resolve(path)) } : {});
  const io = ioInfos(model.graph);
  const counts = opCounts(model.graph);
  return {
    kind: 'onnx', path, fileBytes: bytes.byteLength,
    tensors: [...io.inputs, ...io.outputs],
    opCounts: counts, layers: sum(counts), weightBytes: weightBytes(model.graph), profiles: [],
    opsets: Object.fromEntries([...model.opsets].map(([d, v]) => [d || 'ai.onnx', v])),
    irVersion: model.irVersion, producer: [model.producerName, model.producerVersion].filter(Boolean).join(' ') || undefined,
  };
}
