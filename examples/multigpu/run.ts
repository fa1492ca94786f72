/**
 * SimpleNet on every visible GPU: input [0, 1, 2, 3, 4] + device index through MatMul(2 I), one engine per GPU.
 *   npm run build && node dist/examples/multigpu/run.js
 * prints `output on device 0: [0, 2, 4, 6, 8]`, `output on device 1: [2, 4, 6, 8, 10]`, ...
 */
import { simpleNet } from '../simplenet/make-simplenet.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import type { Plan } from '../../src/plan/types.js';

async function main(): Promise<void> {
  const cuda = await import('../../src/backends/cuda/index.js');
  const why = cuda.unavailableReason();
  if (why) {
    console.log(`no GPU here: ${why}`);
    return;
  }
  const devices = cuda.listCudaDevices();
  const model = simpleNet();
  const plans = new Map<string, Plan>();
  const engines = [];
  for (const dev of devices) {
    // one build per architecture, one engine per GPU
    let plan = plans.get(dev.arch);
    if (!plan) {
      const section = await cuda.cudaBackend.compile({ model, precision: 'fp32', profiles: [], device: dev.index, options: {} });
      plan = {
        header: {
          formatVersion: 1, producer: 'tensorjet-examples', createdAt: new Date().toISOString(), target: section.target, precision: 'fp32',
          inputs: [{ name: 'input', dtype: 'float32', shape: [1, 5], mode: 'input' }], outputs: [{ name: 'output', dtype: 'float32', shape: [1, 5], mode: 'output' }],
          profiles: [], buildOptions: {}, sourceModelHash: '', opCounts: { MatMul: 1 }, weightBytes: 100,
        },
        model: section.model,
        kernels: section.kernels,
      };
      plans.set(dev.arch, plan);
    }
    engines.push(await cuda.cudaBackend.load(plan, dev.index));
  }
  // all GPUs at once
  const outputs = await Promise.all(
    engines.map(async (engine, i) => {
      const ctx = engine.createContext();
      const input = makeTensor('float32', [1, 5], Float32Array.from([0, 1, 2, 3, 4], (x) => x + i));
      const out = (await ctx.infer(new Map([['input', input]]))).get('output')!;
      ctx.dispose();
      return out;
    }),
  );
  outputs.forEach((out, i) => console.log(`output on device ${i}: [${Array.from(out.data as Float32Array).join(', ')}]`));
  for (const e of engines) e.dispose();
}

main().catch((e) => {
  console.error(e instanceof Error ? `${(e as { code?: string }).code ?? 'Error'}: ${e.message}` : e);
  process.exit(1);
});
