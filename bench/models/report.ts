/** The model benchmark's report: one markdown table per model (rows: batch sizes), ratios vs torch. */
import type { PeerRow } from './data.js';

export interface Timing {
  batch: number;
  status: 'ok' | 'error' | 'skipped';
  error?: string;
  median_ms?: number;
  p10_ms?: number;
  p90_ms?: number;
  mean_ms?: number;
  iters?: number;
  throughput_per_s?: number;
  /** median with outputs left on the device (--device-out) */
  devout_median_ms?: number;
  /** inputs already on the GPU, outputs left there (DeviceTensor in and out) */
  devio_median_ms?: number;
  /** host inputs and outputs in pinned tensors (Engine.allocHostTensor) */
  pinned_median_ms?: number;
}

export interface PrecisionResult {
  precision: 'fp32' | 'fp16';
  /** ok: built and ran; unsupported: the GPU backend refused some nodes; error: anything else */
  status: 'ok' | 'unsupported' | 'error' | 'skipped';
  error?: string;
  errorCode?: string;
  /** op type -> count of the nodes the backend refused */
  unsupportedOps?: Record<string, number>;
  build_s?: number;
  plan_bytes?: number;
  rel_l2?: Record<string, number>;
  threshold?: number;
  accuracy_ok?: boolean;
  timings: Timing[];
}

export interface ModelResult {
  name: string;
  params?: number;
  exporter?: string;
  /** the exported graph's opset and onnxruntime's rel L2 vs torch (from the manifest) */
  opset?: number;
  ortRelL2?: number[];
  batches: number[];
  tensorjet: PrecisionResult[];
  peers: PeerRow[];
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const rate = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(0));
const cell = (t?: { status: string; median_ms?: number; throughput_per_s?: number; error?: string }): string => {
  if (!t) return '—';
  if (t.status !== 'ok' || t.median_ms === undefined) return t.status;
  return `${ms(t.median_ms)} ms · ${rate(t.throughput_per_s ?? 0)}/s`;
};
const ratio = (peer?: PeerRow, tj?: Timing): string =>
  peer?.status === 'ok' && tj?.status === 'ok' && peer.median_ms && tj.median_ms ? `${(peer.median_ms / tj.median_ms).toFixed(2)}x` : '—';

function precisionLine(r: PrecisionResult): string {
  const head = `TensorJet ${r.precision}`;
  if (r.status === 'unsupported') {
    const ops = Object.entries(r.unsupportedOps ?? {}).map(([op, n]) => `${op} x${n}`).join(', ');
    return `${head}: **not supported on the GPU yet**${ops ? ` (${ops})` : ''}`;
  }
  if (r.status !== 'ok') return `${head}: **${r.status}**: ${r.error ?? ''}`;
  const errs = Object.entries(r.rel_l2 ?? {}).map(([o, v]) => `${o} ${v.toExponential(1)}`).join(', ');
  const verdict = r.accuracy_ok ? 'ok' : '**FAIL**';
  const plan = r.plan_bytes !== undefined ? `, plan ${(r.plan_bytes / 2 ** 20).toFixed(0)} MiB` : '';
  return `${head}: rel L2 vs torch fp32 ${errs} (threshold ${r.threshold}: ${verdict}), build ${r.build_s?.toFixed(1)} s${plan}`;
}

/** Markdown for one model. */
export function modelMarkdown(m: ModelResult): string {
  const peer = (batch: number, variant: string, mode?: string) =>
    m.peers.find((p) => p.batch === batch && p.variant === variant && (mode === undefined || p.compile_mode === mode));
  const modes = [...new Set(m.peers.filter((p) => p.variant === 'compile-fp16').map((p) => p.compile_mode ?? '?'))];
  const tj = (p: 'fp32' | 'fp16') => m.tensorjet.find((r) => r.precision === p);
  const timing = (p: 'fp32' | 'fp16', b: number) => tj(p)?.timings.find((t) => t.batch === b);
  // a precision that did not build shows its status ('unsupported', 'error') in every batch row
  const tjCell = (p: 'fp32' | 'fp16', b: number) => {
    const r = tj(p);
    return r && r.status !== 'ok' ? r.status : cell(timing(p, b));
  };
  const fp16Variant = (b: number, key: 'devio_median_ms' | 'pinned_median_ms'): Timing | undefined => {
    const ms = timing('fp16', b)?.[key];
    return ms !== undefined ? { batch: b, status: 'ok', median_ms: ms, throughput_per_s: (b * 1000) / ms } : undefined;
  };
  const devio = (b: number) => fp16Variant(b, 'devio_median_ms');
  const pinned = (b: number) => fp16Variant(b, 'pinned_median_ms');
  const hasDevio = m.batches.some((b) => devio(b));
  const hasPinned = m.batches.some((b) => pinned(b));
  // the peer timed by the host clock, as TensorJet's awaited infer() is
  const wallOf = (p?: PeerRow): PeerRow | undefined =>
    p?.wall_median_ms !== undefined ? { ...p, median_ms: p.wall_median_ms, throughput_per_s: (p.batch * 1000) / p.wall_median_ms } : undefined;
  const hasWall = m.peers.some((p) => p.wall_median_ms !== undefined);
  const head = ['batch', 'TJ fp32', 'TJ fp16', ...(hasPinned ? ['TJ fp16 (pinned I/O)'] : []), ...(hasDevio ? ['TJ fp16 (device I/O)'] : []),
    'torch eager fp32', 'torch eager fp16', ...modes.map((x) => `torch.compile fp16 (${x})`),
    'TJ fp32 vs eager fp32', 'TJ fp16 vs eager fp16', ...modes.map((x) => `TJ fp16 vs compile (${x})`),
    ...(hasPinned ? modes.map((x) => `TJ fp16 pinned I/O vs compile (${x})`) : []),
    ...(hasDevio ? modes.map((x) => `TJ fp16 device I/O vs compile (${x})`) : []),
    ...(hasDevio && hasWall ? modes.map((x) => `torch.compile fp16 (${x}) host clock`) : []),
    ...(hasDevio && hasWall ? modes.map((x) => `TJ fp16 device I/O vs compile (${x}) host clock`) : [])];
  const rows = m.batches.map((b) => [
    String(b), tjCell('fp32', b), tjCell('fp16', b), ...(hasPinned ? [cell(pinned(b))] : []), ...(hasDevio ? [cell(devio(b))] : []),
    cell(peer(b, 'eager-fp32')), cell(peer(b, 'eager-fp16')),
    ...modes.map((x) => cell(peer(b, 'compile-fp16', x))),
    ratio(peer(b, 'eager-fp32'), timing('fp32', b)), ratio(peer(b, 'eager-fp16'), timing('fp16', b)),
    ...modes.map((x) => ratio(peer(b, 'compile-fp16', x), timing('fp16', b))),
    ...(hasPinned ? modes.map((x) => ratio(peer(b, 'compile-fp16', x), pinned(b))) : []),
    ...(hasDevio ? modes.map((x) => ratio(peer(b, 'compile-fp16', x), devio(b))) : []),
    ...(hasDevio && hasWall ? modes.map((x) => cell(wallOf(peer(b, 'compile-fp16', x)))) : []),
    ...(hasDevio && hasWall ? modes.map((x) => ratio(wallOf(peer(b, 'compile-fp16', x)), devio(b))) : []),
  ]);
  const lines = [`### ${m.name}${m.params ? ` (${(m.params / 1e6).toFixed(1)}M params${m.exporter ? `, ${m.exporter} export` : ''})` : ''}`, ''];
  if (m.ortRelL2?.length) lines.push(`- ONNX export (opset ${m.opset ?? '?'}): onnxruntime CPU rel L2 vs torch fp32 ${m.ortRelL2.map((v) => v.toExponential(1)).join(', ')}`);
  for (const r of m.tensorjet) lines.push(`- ${precisionLine(r)}`);
  const torchAcc = m.peers.filter((p) => p.sample_rel_l2 !== undefined && p.batch === m.batches[0]);
  for (const p of torchAcc) lines.push(`- torch ${p.variant}: rel L2 vs torch fp32 (CPU) ${p.sample_rel_l2!.toExponential(1)}`);
  const errs = [...m.peers.filter((p) => p.status !== 'ok'), ...m.tensorjet.flatMap((r) => r.timings.filter((t) => t.status !== 'ok').map((t) => ({ ...t, variant: `TJ ${r.precision}` })))];
  for (const e of errs) lines.push(`- ${e.variant} batch ${e.batch}: ${e.status}${e.error ? `: ${e.error}` : ''}`);
  lines.push('', `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`), '');
  return lines.join('\n');
}

export function reportMarkdown(title: string, preface: string[], models: ModelResult[]): string {
  return [
    `# ${title}`, '', ...preface, '',
    'Cells: median latency per inference · throughput (samples/s = batch / median). Ratios are torch latency /',
    'TensorJet latency (above 1.00x: TensorJet is faster). TensorJet times awaited `infer()` calls with host',
    'inputs and outputs (copies included): plain typed arrays ("TJ fp16"), pinned tensors from',
    '`Engine.allocHostTensor` ("pinned I/O"), or DeviceTensors in and out ("device I/O"), by the host clock;',
    'torch times synchronized calls on GPU-resident inputs by CUDA events around each call, and by the host',
    'clock around the same calls ("host clock" columns, the like-for-like comparison with device I/O).', '',
    ...models.map(modelMarkdown),
  ].join('\n');
}
