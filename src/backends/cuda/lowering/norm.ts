/**
 * Lowerings for LayerNormalization, RMSNormalization, InstanceNormalization, GroupNormalization (one row kernel,
 * fp32 statistics; warp per row for short rows, block per row otherwise), inference BatchNormalization and
 * tensorjet::SkipLayerNorm (LN(x + skip) in one pass: warp per row with the row in registers, 128-bit accesses
 * when the pointers and row length allow; attr to = float32 writes a float16 norm's Y as float32) and tensorjet::EmbedLayerNorm (the same kernels reading row r of x at
 * table[ids[r]]) (kernels/norm.cu). Few rows (batch 1) get blocks of fewer warps so that they spread over the SMs.
 */
import { FUSED_DOMAIN } from '../../../ops/fused.js';
import { dtypeFromOnnx } from '../../../tensor/dtype.js';
import { normAxis, numelOf, smallGridMode, SMS, type KArg, type LowerCtx, type Lowered, type OutMeta } from './types.js';
import type { Lowering } from './types.js';

/** Warps (= rows) per 32-multiple block of the warp-per-row kernels: 8, or fewer so that few rows still fill the SMs. */
function warpsPerBlock(rows: number): number {
  const mode = smallGridMode();
  if (mode === 'off') return 8;
  if (mode === 'on') return 1;
  return Math.max(1, Math.min(8, Math.floor(rows / SMS)));
}

interface RowNorm {
  rows: number;
  cols: number;
  /** scale/bias index k = ((row % P) * Q + j / S) % M */
  P: number;
  Q: number;
  S: number;
  M: number;
  eps: number;
  rms: boolean;
  hasBias: boolean;
  /** extra float32 outputs: per-row mean and 1/std (LayerNormalization's optional outputs) */
  stats: boolean[];
}

function sameDtype(c: LowerCtx, idx: number[]): void {
  const x = c.input(0);
  for (const i of idx) if (c.inputs[i] && c.inputs[i]!.dtype !== x.dtype) throw c.unsupported(`input ${i} dtype ${c.inputs[i]!.dtype} differs from X's ${x.dtype}`);
}

function rowNorm(c: LowerCtx, p: RowNorm, extra: OutMeta[] = []): Lowered {
  const x = c.input(0);
  const sfx = c.floatSuffix(x.dtype);
  const warp = p.cols <= 1024;
  const kernel = `rownorm_${warp ? 'warp' : 'block'}_${sfx}`;
  const wpb = warp ? warpsPerBlock(p.rows) : 8;
  const grid = warp ? Math.min(Math.ceil(p.rows / wpb), 1 << 20) : Math.min(p.rows, 1 << 20);
  return {
    outputs: [{ dtype: x.dtype, dims: x.dims }, ...extra],
    deviceInputs: p.hasBias ? [0, 1, 2] : [0, 1],
    emit: (ip, op, l) => {
      if (!p.rows || !p.cols) return;
      const args: KArg[] = [
        { ptr: ip[0] }, { ptr: ip[1] }, { ptr: p.hasBias ? ip[2] : 0 }, { ptr: op[0] },
        { ptr: p.stats[0] ? op[1] : 0 }, { ptr: p.stats[1] ? op[2] : 0 },
        { i64: p.rows }, { i64: p.cols }, { i64: p.P }, { i64: p.Q }, { i64: p.S }, { i64: p.M }, { f32: p.eps }, { i32: p.rms ? 1 : 0 },
      ];
      l.blocks('norm', kernel, grid, 32 * wpb, args);
    },
  };
}

/** LayerNormalization / RMSNormalization over dims [axis, rank); scale/bias broadcast from the trailing dims. */
function layerNorm(rms: boolean): Lowering {
  return (c) => {
    const x = c.input(0);
    const axis = normAxis(c.attrs.int('axis', -1), x.dims.length, c);
    const rows = numelOf(x.dims.slice(0, axis));
    const cols = numelOf(x.dims.slice(axis));
    const hasBias = !rms && !!c.inputs[2];
    sameDtype(c, hasBias ? [1, 2] : [1]);
    const scale = c.input(1);
    for (const v of hasBias ? [scale, c.input(2)] : [scale]) {
      // supported broadcasts: the trailing dims of X (leading 1s allowed), or a single value
      const d = [...v.dims];
      while (d.length && d[0] === 1) d.shift();
      const tail = x.dims.slice(x.dims.length - d.length);
      if (d.length > x.dims.length - axis || d.some((k, i) => k !== tail[i])) throw c.unsupported(`scale/bias shape [${v.dims}] for X [${x.dims}] at axis ${axis}`);
    }
    if (hasBias && numelOf(c.input(2).dims) !== numelOf(scale.dims)) throw c.unsupported('scale and bias of different shapes');
    const stats = rms ? [false, false] : [1, 2].map((i) => !!c.node.outputs[i]);
    const statType = c.attrs.int('stash_type', 1) === 1 ? 'float32' : x.dtype;
    if ((stats[0] || stats[1]) && statType !== 'float32') throw c.unsupported(`stash_type ${c.attrs.int('stash_type', 1)} statistics outputs`);
    const statDims = x.dims.map((d, i) => (i < axis ? d : 1));
    const extra: OutMeta[] = rms ? [] : stats.map(() => ({ dtype: 'float32' as const, dims: statDims })).slice(0, c.node.outputs.length - 1);
    return rowNorm(c, { rows, cols, P: 1, Q: 0, S: 1, M: numelOf(scale.dims), eps: c.attrs.float('epsilon', 1e-5), rms, hasBias, stats }, extra);
  };
}

const instanceNorm: Lowering = (c) => {
  const x = c.input(0);
  if (x.dims.length < 2) throw c.error(`input must be at least 2-D, got [${x.dims}]`);
  sameDtype(c, [1, 2]);
  const [N, C] = x.dims;
  const S = numelOf(x.dims.slice(2));
  return rowNorm(c, { rows: N * C, cols: S, P: C, Q: 1, S: Math.max(S, 1), M: C, eps: c.attrs.float('epsilon', 1e-5), rms: false, hasBias: true, stats: [false, false] });
};

const groupNorm: Lowering = (c) => {
  const x = c.input(0);
  sameDtype(c, [1, 2]);
  const G = c.attrs.int('num_groups');
  const [N, C] = x.dims;
  if (x.dims.length < 2 || C % G !== 0) throw c.error(`${C} channels cannot be split into ${G} groups`);
  const sp = numelOf(x.dims.slice(2));
  const cols = (C / G) * sp;
  const perGroup = numelOf(c.input(1).dims) === G && (c.opset < 21 || C !== G);
  const p = perGroup ? { P: G, Q: 1, S: Math.max(cols, 1), M: G } : { P: G, Q: C / G, S: Math.max(sp, 1), M: C };
  return rowNorm(c, { rows: N * G, cols, ...p, eps: c.attrs.float('epsilon', 1e-5), rms: false, hasBias: true, stats: [false, false] });
};

const batchNorm: Lowering = (c) => {
  const x = c.input(0);
  const sfx = c.floatSuffix(x.dtype);
  sameDtype(c, [1, 2, 3, 4]);
  if (c.opset >= 14 && c.attrs.int('training_mode', 0) === 1) throw c.unsupported('training_mode=1');
  if (c.node.outputs.filter((o) => o).length > 1) throw c.unsupported('training outputs (running mean / variance)');
  const C = x.dims.length > 1 ? x.dims[1] : 1;
  const S = numelOf(x.dims.slice(2));
  const n = numelOf(x.dims);
  const eps = c.attrs.float('epsilon', 1e-5);
  return {
    outputs: [{ dtype: x.dtype, dims: x.dims }],
    deviceInputs: [0, 1, 2, 3, 4],
    emit: (ip, op, l) =>
      n && l.elementwise('norm', `batchnorm_${sfx}`, n, [{ ptr: ip[0] }, { ptr: ip[1] }, { ptr: ip[2] }, { ptr: ip[3] }, { ptr: ip[4] }, { ptr: op[0] }, { i64: n }, { i64: C }, { i64: Math.max(S, 1) }, { f32: eps }]),
  };
};

const skipLayerNorm: Lowering = (c) => {
  // the full-shaped operand is X (the pass may order them either way when shapes were symbolic)
  const swap = numelOf(c.input(1).dims) > numelOf(c.input(0).dims);
  const [xi, ki] = swap ? [1, 0] : [0, 1];
  const x = c.input(xi), sk = c.input(ki);
  const sfx = c.floatSuffix(x.dtype);
  sameDtype(c, c.inputs[3] ? [1, 2, 3] : [1, 2]);
  const cols = x.dims.length ? x.dims[x.dims.length - 1] : 1;
  const n = numelOf(x.dims);
  const rows = cols ? n / cols : 0;
  const d = [...sk.dims];
  while (d.length && d[0] === 1) d.shift();
  const tail = x.dims.slice(x.dims.length - d.length);
  if (d.length > x.dims.length || d.some((k, i) => k !== tail[i]) || (d.length === 0 && cols !== 1)) throw c.unsupported(`skip shape [${sk.dims}] does not broadcast into X [${x.dims}] by rows`);
  const skipRows = Math.max(1, cols ? numelOf(sk.dims) / cols : 1);
  if (!Number.isInteger(skipRows)) throw c.unsupported(`skip shape [${sk.dims}] is not whole rows of X [${x.dims}]`);
  for (const i of c.inputs[3] ? [2, 3] : [2]) if (numelOf(c.input(i).dims) !== cols) throw c.unsupported(`scale/bias [${c.input(i).dims}] must have ${cols} elements`);
  const sum = c.node.outputs.length > 1 && !!c.node.outputs[1];
  const vec = x.dtype === 'float16' ? 8 : 4;
  const eps = c.attrs.float('epsilon', 1e-5);
  // attr to: Y's dtype; float16 -> float32 has kernels of its own (skipln_*_f16_f32)
  const yType = c.attrs.int('to', 0) ? dtypeFromOnnx(c.attrs.int('to', 0)) : x.dtype;
  if (yType !== x.dtype && !(x.dtype === 'float16' && yType === 'float32')) throw c.unsupported(`Y dtype ${yType} from X ${x.dtype}`);
  const ysfx = yType === x.dtype ? sfx : `${sfx}_f32`;
  return {
    outputs: sum ? [{ dtype: yType, dims: x.dims }, { dtype: x.dtype, dims: x.dims }] : [{ dtype: yType, dims: x.dims }],
    deviceInputs: c.inputs[3] ? [0, 1, 2, 3] : [0, 1, 2],
    emit: (ip, op, l) => {
      if (!rows || !cols) return;
      const ptrs = [ip[xi], ip[ki], ip[2], c.inputs[3] ? ip[3] : 0, op[0], sum ? op[1] : 0];
      const args: KArg[] = [...ptrs.map((ptr) => ({ ptr })), { i64: rows }, { i64: cols }, { i64: skipRows }, { f32: eps }];
      if (cols > 1024) return l.blocks('norm', `skipln_block_${ysfx}`, Math.min(rows, 1 << 20), 256, args);
      const aligned = cols % vec === 0 && ptrs.every((p) => p % 16 === 0);
      // few rows: 1-7 warps per block and scale/bias loaded with the row (warppf)
      const wpb = warpsPerBlock(rows);
      const kernel = aligned ? (wpb < 8 ? 'warppf' : 'warpvec') : 'warp';
      l.blocks('norm', `skipln_${kernel}_${ysfx}`, Math.min(Math.ceil(rows / wpb), 1 << 20), 32 * wpb, args);
    },
  };
};

/** LN(table[ids] + add): [...ids, H] rows; add broadcasts by whole rows ([H], [S, H], [1, S, H]). */
const embedLayerNorm: Lowering = (c) => {
  const [ids, table, add] = [c.input(0), c.input(1), c.input(2)];
  if (ids.dtype !== 'int64' && ids.dtype !== 'int32') throw c.unsupported(`ids dtype ${ids.dtype}`);
  if (table.dims.length !== 2) throw c.unsupported(`table shape [${table.dims}] (want [V, H])`);
  const sfx = c.floatSuffix(table.dtype);
  for (const i of c.inputs[4] ? [2, 3, 4] : [2, 3]) if (c.input(i).dtype !== table.dtype) throw c.unsupported(`input ${i} dtype ${c.input(i).dtype} differs from the table's ${table.dtype}`);
  const [vocab, cols] = table.dims;
  const dims = [...ids.dims, cols];
  const rows = numelOf(ids.dims);
  const d = [...add.dims];
  while (d.length && d[0] === 1) d.shift();
  const tail = dims.slice(dims.length - d.length);
  if (!d.length || d.length > dims.length || d.some((k, i) => k !== tail[i])) throw c.unsupported(`add shape [${add.dims}] does not broadcast into [${dims}] by rows`);
  for (const i of c.inputs[4] ? [3, 4] : [3]) if (numelOf(c.input(i).dims) !== cols) throw c.unsupported(`scale/bias [${c.input(i).dims}] must have ${cols} elements`);
  const addRows = numelOf(add.dims) / cols;
  const vec = table.dtype === 'float16' ? 8 : 4;
  const eps = c.attrs.float('epsilon', 1e-5);
  const isfx = ids.dtype === 'int64' ? 'i64' : 'i32';
  return {
    outputs: [{ dtype: table.dtype, dims }],
    deviceInputs: c.inputs[4] ? [0, 1, 2, 3, 4] : [0, 1, 2, 3],
    emit: (ip, op, l) => {
      if (!rows || !cols) return;
      const ptrs = [ip[1], ip[2], ip[3], c.inputs[4] ? ip[4] : 0, op[0]];
      const args: KArg[] = [{ ptr: ip[0] }, ...ptrs.map((ptr) => ({ ptr })), { i64: rows }, { i64: cols }, { i64: addRows }, { i64: vocab }, { f32: eps }];
      if (cols > 1024) return l.blocks('norm', `embedln_block_${sfx}_${isfx}`, Math.min(rows, 1 << 20), 256, args);
      const aligned = cols % vec === 0 && ptrs.every((p) => p % 16 === 0);
      const wpb = warpsPerBlock(rows);
      const kernel = aligned ? (wpb < 8 ? 'warppf' : 'warpvec') : 'warp';
      l.blocks('norm', `embedln_${kernel}_${sfx}_${isfx}`, Math.min(Math.ceil(rows / wpb), 1 << 20), 32 * wpb, args);
    },
  };
};

export const normLowerings: Record<string, Lowering> = {
  [`${FUSED_DOMAIN}::SkipLayerNorm`]: skipLayerNorm,
  [`${FUSED_DOMAIN}::EmbedLayerNorm`]: embedLayerNorm,
  LayerNormalization: layerNorm(false),
  RMSNormalization: layerNorm(true),
  InstanceNormalization: instanceNorm,
  GroupNormalization: groupNorm,
  BatchNormalization: batchNorm,
};
