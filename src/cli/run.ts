/** tensorjet run <model.onnx|plan> [--input name=<file.npy|file.pb|0,1,2>] [--random] [--output-dir d] [--device ..] */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../plan/write.js';
import { parseArgs, type CommandSpec } from './args.js';
import { buildFeeds } from './inputs.js';
import { loadEngine } from './load.js';
import { formatShape, formatValues } from './format.js';
import { writeNpy } from './npy.js';

export const runSpec: CommandSpec = {
  usage: 'tensorjet run <model.onnx|model.plan> [--input name=<file.npy|file.pb|0,1,2>]... [--random] [--output-dir dir] [--device cpu|N|auto]',
  options: { input: 'strings', random: 'boolean', 'output-dir': 'string', device: 'string', verbose: 'boolean', json: 'boolean' },
  aliases: { i: 'input', d: 'device' },
  positionals: [1, 1],
};

export async function runCommand(argv: string[], out: (s: string) => void): Promise<void> {
  const { options, positionals } = parseArgs(argv, runSpec);
  const engine = await loadEngine(positionals[0]!, options.device as string | undefined);
  try {
    const feeds = buildFeeds((options.input as string[] | undefined) ?? [], engine.inputs, !!options.random);
    const ctx = engine.createContext();
    const outputs = await ctx.infer(feeds);
    const dir = options['output-dir'] as string | undefined;
    if (dir) mkdirSync(dir, { recursive: true });
    for (const info of engine.outputs) {
      const t = outputs[info.name]!;
      if (options.json) {
        out(JSON.stringify({ name: info.name, dtype: t.dtype, dims: t.dims, values: Array.from(t.data as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? String(v) : v)) }));
      } else {
        out(`${info.name}: ${t.dtype} ${formatShape(t.dims)}`);
        out(formatValues(t));
      }
      if (dir) {
        const file = join(dir, `${info.name.replace(/[^\w.-]/g, '_')}.npy`);
        writeFileAtomic(file, writeNpy(t));
      }
    }
  } finally {
    engine.dispose();
  }
}
