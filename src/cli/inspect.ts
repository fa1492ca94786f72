/** tensorjet inspect <model.onnx|model.plan> [--json] */
import { inspect } from '../runtime/inspect.js';
import { parseArgs, type CommandSpec } from './args.js';
import { formatBytes, formatShape, table } from './format.js';

export const inspectSpec: CommandSpec = {
  usage: 'tensorjet inspect <model.onnx|model.plan> [--json]',
  options: { json: 'boolean', verbose: 'boolean' },
  positionals: [1, 1],
};

export async function inspectCommand(argv: string[], out: (s: string) => void): Promise<void> {
  const { options, positionals } = parseArgs(argv, inspectSpec);
  const r = inspect(positionals[0]!);
  if (options.json) {
    out(JSON.stringify(r, null, 2));
    return;
  }
  const size = formatBytes(r.fileBytes);
  if (r.kind === 'plan') {
    const t = r.target!;
    out(`${r.path}: TensorJet plan, format version ${r.formatVersion}, ${size}`);
    out(`target: ${t.backend === 'cpu' ? 'cpu' : t.arch}${t.deviceName ? ` (${t.deviceName})` : ''}, precision ${r.precision}, built by ${r.producer} at ${r.createdAt}`);
  } else {
    const opsets = Object.entries(r.opsets ?? {}).map(([d, v]) => `${d} ${v}`).join(', ');
    out(`${r.path}: ONNX model, IR version ${r.irVersion}, opsets ${opsets}, ${size}${r.producer ? `, from ${r.producer}` : ''}`);
  }
  out('');
  out(table([['name', 'mode', 'dtype', 'shape'], ...r.tensors.map((t) => [t.name, t.mode, t.dtype, formatShape(t.shape)])]));
  out('');
  out(`layers: ${r.layers}, weights: ${formatBytes(r.weightBytes)}`);
  out(`ops: ${Object.entries(r.opCounts).map(([op, n]) => `${op} x${n}`).join(', ') || 'none'}`);
  r.profiles.forEach((p, i) => {
    const ranges = Object.entries(p).map(([name, s]) => `${name} min ${formatShape(s.min)} opt ${formatShape(s.opt)} max ${formatShape(s.max)}`);
    out(`profile ${i}: ${ranges.join('; ')}`);
  });
}
