/** Runs a conformance case on a GPU through the public API: build for the device, load, infer. */
import { TensorJetError } from '../../src/errors.js';
import type { Model } from '../../src/ir/graph.js';
import { isTensor, type Value } from '../../src/ir/value.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { Case } from './cases.js';

export async function runOnDevice(c: Case, model: Model, feeds: Map<string, Value>, device: number): Promise<Value[]> {
  const api = await import('../../src/index.js');
  const inputs: Record<string, Tensor> = {};
  for (const [name, v] of feeds) {
    if (!isTensor(v)) throw new TensorJetError('E_UNSUPPORTED_OP', `input '${name}' is not a tensor`);
    inputs[name] = v;
  }
  const { plan } = await api.build(c.modelPath, { target: device });
  const engine = await api.Engine.load(plan, { device });
  try {
    const ctx = engine.createContext();
    const out = await ctx.infer(inputs);
    ctx.dispose();
    return model.graph.outputs.map((o) => out[o.name]);
  } finally {
    engine.dispose();
  }
}
