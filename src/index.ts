/** TensorJet's public API. */
export { build, type BuildOptions, type BuildResult } from './runtime/builder.js';
export { Engine, type LoadOptions, type TensorInfo, type MemoryUsage } from './runtime/engine.js';
export { ExecutionContext } from './runtime/context.js';
export { DevicePool, type PoolOptions, type PoolStats } from './runtime/pool.js';
export { listDevices, type DeviceInfo, type DeviceSpec } from './runtime/devices.js';
export { inspect, type InspectReport } from './runtime/inspect.js';
export { tensor, type TensorInput } from './runtime/tensors.js';
export { TensorJetError, isTensorJetError, ERROR_CODES, type ErrorCode, type ErrorFields } from './errors.js';
export type { Tensor } from './tensor/tensor.js';
export type { HostTensor, InferOptions } from './backends/backend.js';
export { setAllocationLimit } from './tensor/tensor.js';
export type { DType, TensorData } from './tensor/dtype.js';
export type { PlanHeader, PlanTarget, Precision, ShapeProfile, ShapeRange, IOTensorInfo } from './plan/types.js';
export { PLAN_FORMAT_VERSION } from './plan/format.js';
