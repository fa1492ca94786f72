/** Loads a plan, or builds an .onnx in memory first (run, bench). */
import { isPlanBytes, parsePlan, readFileBytes } from '../plan/read.js';
import { build } from '../runtime/builder.js';
import { Engine } from '../runtime/engine.js';
import { parseDeviceSpec } from '../runtime/devices.js';

export async function loadEngine(path: string, device: string | undefined): Promise<Engine> {
  const spec = parseDeviceSpec(device, 'auto');
  const bytes = readFileBytes(path, 'model or plan');
  if (isPlanBytes(bytes)) return Engine.load(parsePlan(bytes, `'${path}'`), { device: spec });
  const target = spec === 'auto' ? 'cpu' : spec;
  const { plan } = await build(path, { target });
  return Engine.load(plan, { device: target });
}
