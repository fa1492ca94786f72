/** tensorjet build <model.onnx> -o <plan> [--fp16] [--shapes name:min/opt/max ...] [--device cpu|N|auto] */
import { statSync } from 'node:fs';
import { build } from '../runtime/builder.js';
import { parseDeviceSpec } from '../runtime/devices.js';
import { parseShapeRange } from '../runtime/profiles.js';
import type { ShapeProfile } from '../plan/types.js';
import { parseArgs, usageError, type CommandSpec } from './args.js';
import { formatBytes } from './format.js';

export const buildSpec: CommandSpec = {
  usage: 'tensorjet build <model.onnx> -o <model.plan> [--fp16] [--shapes name:1x3x224x224/8x3x224x224/32x3x224x224]... [--fp32-layers a,b] [--device cpu|N|auto]',
  options: { output: 'string', fp16: 'boolean', shapes: 'strings', device: 'string', 'fp32-layers': 'string', verbose: 'boolean' },
  aliases: { o: 'output', d: 'device' },
  positionals: [1, 1],
};

/** "x:1x3/8x3/32x3,y:2x5" (repeatable) -> one profile. */
export function parseShapesOption(values: string[]): ShapeProfile | undefined {
  if (!values.length) return undefined;
  const profile: ShapeProfile = {};
  for (const item of values.flatMap((v) => v.split(','))) {
    const colon = item.lastIndexOf(':');
    if (colon <= 0) throw usageError(`--shapes '${item}' should look like name:1x3x224x224/8x3x224x224/32x3x224x224`);
    const name = item.slice(0, colon);
    profile[name] = parseShapeRange(item.slice(colon + 1), name);
  }
  return profile;
}

export async function buildCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<void> {
  const { options, positionals } = parseArgs(argv, buildSpec);
  const output = options.output as string | undefined;
  if (!output) throw usageError('missing -o <model.plan>', buildSpec.usage);
  const started = performance.now();
  const target = parseDeviceSpec(options.device as string | undefined, 'cpu');
  const { header } = await build(positionals[0]!, {
    target,
    precision: options.fp16 ? 'fp16' : 'fp32',
    shapes: parseShapesOption((options.shapes as string[] | undefined) ?? []),
    fp32Layers: (options['fp32-layers'] as string | undefined)?.split(',').filter(Boolean),
    output,
    onProgress: (message, fraction) => {
      const elapsed = performance.now() - started;
      if (elapsed < 1000) return;
      const pct = fraction === undefined ? '    ' : `${String(Math.round(fraction * 100)).padStart(3)}%`;
      err(`[${pct} ${(elapsed / 1000).toFixed(1).padStart(5)} s] ${message}`);
    },
  });
  const layers = Object.values(header.opCounts).reduce((a, b) => a + b, 0);
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const target_ = header.target.backend === 'cpu' ? 'cpu' : `${header.target.arch}${header.target.deviceName ? ` (${header.target.deviceName})` : ''}`;
  out(`wrote ${output} (${formatBytes(statSync(output).size)}): ${target_}, ${header.precision}, ${layers} layer${layers === 1 ? '' : 's'}, ${formatBytes(header.weightBytes)} of weights, in ${seconds} s`);
}
