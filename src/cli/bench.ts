/** tensorjet bench <model|plan> [--duration s] [--warmup n] [--input ...] [--device ..] [--json]: latency percentiles and throughput. */
import { parseArgs, numberOption, type CommandSpec } from './args.js';
import { buildFeeds } from './inputs.js';
import { loadEngine } from './load.js';

export const benchSpec: CommandSpec = {
  usage: 'tensorjet bench <model.onnx|model.plan> [--duration seconds] [--warmup n] [--input name=...]... [--device cpu|N|auto] [--json]',
  options: { duration: 'string', warmup: 'string', input: 'strings', device: 'string', json: 'boolean', verbose: 'boolean' },
  aliases: { d: 'device', i: 'input' },
  positionals: [1, 1],
};

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function benchCommand(argv: string[], out: (s: string) => void): Promise<void> {
  const { options, positionals } = parseArgs(argv, benchSpec);
  const duration = numberOption(options.duration, 'duration', 3, benchSpec.usage);
  const warmup = numberOption(options.warmup, 'warmup', 5, benchSpec.usage);
  const engine = await loadEngine(positionals[0]!, options.device as string | undefined);
  try {
    const feeds = buildFeeds((options.input as string[] | undefined) ?? [], engine.inputs, true);
    const ctx = engine.createContext();
    for (let i = 0; i < warmup; i++) await ctx.infer(feeds);
    const times: number[] = [];
    const start = performance.now();
    do {
      const t0 = performance.now();
      await ctx.infer(feeds);
      times.push(performance.now() - t0);
    } while (performance.now() - start < duration * 1000);
    const total = (performance.now() - start) / 1000;
    const sorted = [...times].sort((a, b) => a - b);
    const result = {
      device: engine.device,
      iterations: times.length,
      warmup,
      seconds: Number(total.toFixed(3)),
      throughput: Number((times.length / total).toFixed(2)),
      latencyMs: {
        mean: Number((times.reduce((a, b) => a + b, 0) / times.length).toFixed(3)),
        p50: Number(percentile(sorted, 50).toFixed(3)),
        p90: Number(percentile(sorted, 90).toFixed(3)),
        p99: Number(percentile(sorted, 99).toFixed(3)),
        min: Number(sorted[0]!.toFixed(3)),
        max: Number(sorted[sorted.length - 1]!.toFixed(3)),
      },
    };
    if (options.json) { out(JSON.stringify(result, null, 2)); return; }
    const l = result.latencyMs;
    out(`${positionals[0]} on ${result.device}: ${result.iterations} inferences in ${result.seconds} s (${warmup} warm-up excluded)`);
    out(`latency ms: p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  mean ${l.mean}  min ${l.min}  max ${l.max}`);
    out(`throughput: ${result.throughput} inferences/s`);
  } finally {
    engine.dispose();
  }
}
