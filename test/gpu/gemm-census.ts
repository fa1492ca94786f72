/**
 * Census of cuBLASLt algorithms for BERT-base batch-1 GEMMs (fp16, M = 128 tokens): what the heuristic offers
 * (config: algo id, tile, stages, split-K, reduction, swizzle, custom, inner, cluster; waves; workspace), each
 * one's time as gemm-tactics.ts measures it (graph replays, weights colder than L2), the split-K variants the
 * build adds, each candidate's host cost of one graph launch, and the tactic a build would store.
 *   node dist/test/gpu/gemm-census.js [--json FILE]
 */
import { writeFileSync } from 'node:fs';
import type { MatmulSpec } from '../../src/backends/cuda/ffi/cublaslt.js';

const SHAPES: [string, number, number, number, MatmulSpec['epilogue']][] = [
  ['qkv', 128, 2304, 768, 'bias'],
  ['attn_out', 128, 768, 768, 'bias'],
  ['ffn_in', 128, 3072, 768, 'gelu_bias'],
  ['ffn_out', 128, 768, 3072, 'bias'],
];

async function main(): Promise<void> {
  const { unavailableReason } = await import('../../src/backends/cuda/index.js');
  const why = unavailableReason();
  if (why) return console.log(`SKIP: ${why}`);
  const { CudaDevice } = await import('../../src/backends/cuda/device.js');
  const { cublasLtCreate, cublasLtDestroy, cublasLtVersion, LtMatmul } = await import('../../src/backends/cuda/ffi/cublaslt.js');
  const { timeGemm } = await import('../../src/backends/cuda/gemm-tactics.js');
  const dev = new CudaDevice(0);
  const handle = cublasLtCreate();
  const report: unknown[] = [];
  console.log(`cuBLASLt ${cublasLtVersion()} on ${dev.name}`);
  try {
    for (const [name, m, n, k, epilogue] of SHAPES) {
      const s: MatmulSpec = { m, n, k, transA: false, transB: false, batch: 1, strideA: 0, strideB: 0, strideD: 0, dtype: 'float16', epilogue };
      const wide = new LtMatmul(handle, s, 32 << 20, { rank: 0, of: 64 });
      const offered = wide.algoCount;
      wide.dispose();
      const t0 = performance.now();
      const { best, timed } = timeGemm(dev, handle, s, true, true);
      const secs = (performance.now() - t0) / 1000;
      const heur = timed.find((t) => t.tactic === 0);
      console.log(`\n== ${name} [${m}x${k}]x[${k}x${n}] ${epilogue}: heuristic offers ${offered} (of 64 asked); ${timed.length} timed in ${secs.toFixed(1)} s; rank 0 ${heur ? (heur.ms * 1000).toFixed(2) : '?'} us; stored ${JSON.stringify(best)}`);
      console.log('  us      tactic                                     splitK ws(KB)  waves  launch_us  config');
      for (const t of timed) {
        const cfg = t.config ? Object.entries(t.config).map(([a, v]) => `${a}=${v}`).join(' ') : '';
        console.log(`  ${(t.ms * 1000).toFixed(2).padStart(6)}  ${JSON.stringify(t.tactic).padEnd(42)} ${String(t.splitK).padStart(6)} ${String(Math.round(t.workspace / 1024)).padStart(6)} ${t.waves.toFixed(2).padStart(6)} ${(t.launchUs ?? NaN).toFixed(1).padStart(9)}  ${cfg}`);
      }
      report.push({ name, m, n, k, epilogue, offered, best, timed });
    }
  } finally {
    cublasLtDestroy(handle);
    dev.release();
  }
  const j = process.argv.indexOf('--json');
  if (j > 0) writeFileSync(process.argv[j + 1], JSON.stringify(report, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
