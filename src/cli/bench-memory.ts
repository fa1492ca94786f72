/**
 * TensorRT-YOLO's clone table: device memory of k contexts of one engine against k separate engines
 * (one context each), k = 1..N, measured as the drop in the GPU's free memory (cuMemGetInfo) after each
 * context has run once.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Plan } from '../plan/types.js';
import { Engine } from '../runtime/engine.js';
import { listGpus } from '../runtime/devices.js';

export interface CloneMemoryRow {
  instances: number;
  /** one engine, `instances` contexts */
  sharedBytes: number;
  /** `instances` engines, one context each */
  separateBytes: number;
}

async function freeBytes(device: number): Promise<number> {
  const d = (await listGpus()).devices.find((x) => x.index === device);
  return d?.memoryFreeBytes ?? 0;
}

async function measure(device: number, run: (engines: Engine[]) => Promise<void>, engines: Engine[]): Promise<number> {
  const before = await freeBytes(device);
  try {
    await run(engines);
    return before - (await freeBytes(device));
  } finally {
    engines.forEach((e) => e.dispose());
  }
}

export async function cloneMemoryTable(plan: Plan, device: number, n: number, feeds: Record<string, Tensor>): Promise<CloneMemoryRow[]> {
  const rows: CloneMemoryRow[] = [];
  for (let k = 1; k <= n; k++) {
    const shared: Engine[] = [];
    const sharedBytes = await measure(device, async (engines) => {
      engines.push(await Engine.load(plan, { device }));
      for (let i = 0; i < k; i++) await engines[0].createContext().infer(feeds);
    }, shared);
    const separate: Engine[] = [];
    const separateBytes = await measure(device, async (engines) => {
      for (let i = 0; i < k; i++) {
        const e = await Engine.load(plan, { device });
        engines.push(e);
        await e.createContext().infer(feeds);
      }
    }, separate);
    rows.push({ instances: k, sharedBytes, separateBytes });
  }
  return rows;
}
