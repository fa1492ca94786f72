/**
 * The interface every backend implements. A backend checks what it can run at build time, optionally
 * compiles kernels into the plan, and loads a plan into an engine on one device. Engines hold weights;
 * contexts (many per engine) hold their own scratch memory and stream.
 */
import type { Node, Model } from '../ir/graph.js';
import type { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import type { Plan, PlanTarget, Precision, ShapeProfile } from '../plan/types.js';

export type BackendName = 'cpu' | 'cuda';

export interface BuildContext {
  model: Model;
  precision: Precision;
  profiles: ShapeProfile[];
  /** GPU index for cuda, ignored for cpu */
  device: number;
  /** progress messages for long builds */
  onProgress?: (message: string, fraction?: number) => void;
  options: Record<string, unknown>;
}

export interface CompiledSection {
  target: PlanTarget;
  /** bytes stored in the plan's kernel section */
  kernels: Uint8Array;
  /** the model to store (a backend may rewrite it, e.g. fp16 weights) */
  model: Model;
}

export interface InferOptions {
  /** keep outputs on the device (GPU backends): returns DeviceTensor handles */
  outputLocation?: 'host' | 'device';
  /**
   * Tensors to write outputs into (by output name; dtype and dims must match what the inference produces):
   * no allocation per call. Host tensors (pinned ones from Engine.allocHostTensor receive the data by DMA),
   * or with outputLocation 'device', DeviceTensors on the engine's GPU.
   */
  outputs?: Record<string, Tensor>;
}

/** A host tensor that owns its memory until dispose() (page-locked on GPU engines). */
export interface HostTensor extends Tensor {
  /** frees the memory now (idempotent); the tensor must not be used afterwards */
  dispose(): void;
  /** whether the data is page-locked (async DMA to and from the GPU) */
  readonly pinned: boolean;
}

export interface BackendContext {
  infer(feeds: Map<string, Tensor>, options?: InferOptions): Promise<Map<string, Tensor>>;
  /** device bytes this context owns (scratch arena, staging), 0 for cpu */
  memoryBytes(): number;
  /** GPU backends: one inference timed per phase with device events (ms); absent on cpu */
  phaseTimes?(feeds: Map<string, Tensor>): Promise<{ h2dMs: number; computeMs: number; d2hMs: number }>;
  /** GPU backends: per-layer device times (cuda/profile.ts LayerProfile); absent on cpu */
  profile?(feeds: Map<string, Tensor>, runs?: number): Promise<{ nodes: { name: string; opType: string; ms: number }[]; h2dMs: number; computeMs: number; d2hMs: number; runs: number; mode: 'graph' | 'eager' }>;
  dispose(): void;
}

export interface BackendEngine {
  readonly backend: BackendName;
  /** 'cpu' or 'cuda:N' */
  readonly device: string;
  createContext(): BackendContext;
  /** GPU backends: a page-locked host tensor; absent on cpu (plain memory is used) */
  allocHostTensor?(dtype: DType, dims: readonly number[]): HostTensor;
  /** device bytes the engine owns (weights, kernels), shared by its contexts */
  memoryBytes(): number;
  dispose(): void;
}

export interface Backend {
  readonly name: BackendName;
  /** Why this backend cannot start here (no driver, library missing), or undefined if it can. */
  unavailableReason(): string | undefined;
  /** Whether an op type has a kernel here (lets the optimizer fuse only into ops the backend runs). */
  supportsOp?(domain: string, opType: string): boolean;
  /** Every node this backend cannot run (reported all at once by the builder). */
  unsupportedNodes(model: Model): Node[];
  /** Build-time step: target metadata, compiled kernels, final model. */
  compile(ctx: BuildContext): Promise<CompiledSection>;
  /** Loads a plan onto `device` (checks target compatibility first). */
  load(plan: Plan, device: number): Promise<BackendEngine>;
}
