/**
 * A model's bench inputs at one batch size bound as the benchmarks bind them on GPU 0: the inputs as
 * DeviceTensors, and preallocated DeviceTensor outputs (shaped by one host inference) for `outputs`.
 */
import type { ExecutionContext } from '../../src/index.js';
import { DeviceTensor } from '../../src/backends/cuda/index.js';
import { tileBatch, type ModelData } from '../../bench/models/data.js';

export async function deviceIO(ctx: ExecutionContext, data: ModelData, batch: number) {
  const dtypes = new Map(ctx.engine.inputs.map((i) => [i.name, i.dtype]));
  const feeds = Object.fromEntries([...data.inputs].map(([n, t]) => [n, tileBatch(t, batch, dtypes.get(n) ?? t.dtype)]));
  const dfeeds = Object.fromEntries(Object.entries(feeds).map(([n, t]) => [n, DeviceTensor.fromHost(t, 0)]));
  const douts = Object.fromEntries(Object.entries(await ctx.infer(feeds)).map(([n, t]) => [n, DeviceTensor.fromHost(t, 0)]));
  return {
    feeds: dfeeds,
    options: { outputLocation: 'device' as const, outputs: douts },
    dispose: () => [...Object.values(dfeeds), ...Object.values(douts)].forEach((t) => t.dispose()),
  };
}
