/** What a plan holds once read: header metadata, the optimized graph with its weights, compiled kernels. */
import type { Dim, Model } from '../ir/graph.js';
import type { DType } from '../tensor/dtype.js';

export type Precision = 'fp32' | 'fp16';

/** Per-input shape profile: concrete min/opt/max dims (TensorRT's optimization profile). */
export interface ShapeRange {
  min: number[];
  opt: number[];
  max: number[];
}
export type ShapeProfile = Record<string, ShapeRange>;

export interface IOTensorInfo {
  name: string;
  dtype: DType;
  /** dims; symbolic dims are strings (e.g. 'batch'), unknown '?' */
  shape: Dim[];
  mode: 'input' | 'output';
}

export interface PlanTarget {
  backend: 'cpu' | 'cuda';
  /** 'cpu', or the GPU's compute capability, e.g. 'sm_90' */
  arch: string;
  /** device name at build time, informational (e.g. 'NVIDIA H100 80GB HBM3') */
  deviceName?: string;
}

export interface PlanHeader {
  formatVersion: number;
  producer: string;
  createdAt: string;
  target: PlanTarget;
  precision: Precision;
  inputs: IOTensorInfo[];
  outputs: IOTensorInfo[];
  profiles: ShapeProfile[];
  /** build options as given (for inspect and reproducibility) */
  buildOptions: Record<string, unknown>;
  /** sha256 of the source ONNX bytes */
  sourceModelHash: string;
  /** op type -> count in the optimized graph */
  opCounts: Record<string, number>;
  weightBytes: number;
}

export interface Plan {
  header: PlanHeader;
  /** the optimized model: graph.constants are the weights */
  model: Model;
  /** backend-specific compiled kernels (cubins for CUDA); empty for CPU */
  kernels: Uint8Array;
}
