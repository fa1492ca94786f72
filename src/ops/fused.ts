/**
 * Op family 'fused': the private 'tensorjet' domain ops the GPU pipeline's fusion passes produce
 * (src/passes/fuse-*.ts). Each is defined as the composition of standard ops (see the CPU kernels in
 * src/backends/cpu/kernels/fused/), so the CPU backend is their reference.
 *   FusedConv(X, W, B?, Z?)        Conv attrs + activation, activation_params, residual_before_activation
 *   FusedGemm(A, B, C?)            Gemm attrs + activation, activation_params; A may have rank != 2
 *   FusedElementwise(inputs...)    attr `program`: JSON ElementwiseProgram
 *   FusedAttention(Q, K, V, mask?) attrs scale, transpose_k, has_mask, bshd (bit mask 1 Q, 2 K, 4 V, 8 Y:
 *                                  rank-4 operand is [B, S, H, D] instead of [B, H, S, D])
 *   FusedAttention(QKV, mask?)     the same with qkv = 1, num_heads = H: QKV [B, S, 3*H*D] holds Q, K and V
 *                                  side by side on its last axis, each [B, S, H, D] (bshd & 7 = 7, transpose_k = 1)
 *   Gelu(X)                        ONNX Gelu for models whose opset predates it (20)
 *   NchwToNhwc(X)                  attrs to, pad_channels: a CNN's Cast -> Transpose -> channel Pad input edge (nchw-to-nhwc.ts)
 *   EmbedLayerNorm(Ids, Table, Add, Scale, B?)  attr epsilon: LN(Gather(Table, Ids) + Add) (embed-layernorm.ts)
 */
import { TensorJetError } from '../errors.js';
import type { Attribute, Dim } from '../ir/graph.js';
import type { InferContext, OpSchema, ValueMeta } from './schema.js';
import { sameAsInput0 } from './schema.js';
import { schemas as convSchemas } from './conv.js';
import { broadcastDims } from './elementwise.js';
import { matmulShape } from './matmul.js';
import { skipLayerNormSchema } from './skip-layernorm.js';
import { nchwToNhwcSchema } from './nchw-to-nhwc.js';
import { embedLayerNormSchema } from './embed-layernorm.js';

export const FUSED_DOMAIN = 'tensorjet';

/** One step: op `op` over refs 'iK' (node input K) or 'sJ' (result of step J); the last step is the output. */
export interface ElementwiseStep {
  op: string;
  in: string[];
  /** the original node's attributes (scalar and list kinds only) */
  attrs?: Record<string, Attribute>;
}

export interface ElementwiseProgram {
  /** opset of the default domain the steps were taken from (their kernels run at this version) */
  opset: number;
  steps: ElementwiseStep[];
}

export function parseProgram(text: string, where: string): ElementwiseProgram {
  let p: ElementwiseProgram;
  try {
    p = JSON.parse(text) as ElementwiseProgram;
  } catch (e) {
    throw new TensorJetError('E_ATTRIBUTE', `${where}: program is not valid JSON (${(e as Error).message})`);
  }
  if (!p || !Array.isArray(p.steps) || p.steps.length === 0) throw new TensorJetError('E_ATTRIBUTE', `${where}: program has no steps`);
  p.steps.forEach((s, j) => {
    for (const r of s.in ?? []) {
      if (r === '') continue; // an omitted optional operand (e.g. Clip without min)
      const k = Number(r.slice(1));
      if (!/^[is]\d+$/.test(r) || (r[0] === 's' && k >= j)) throw new TensorJetError('E_ATTRIBUTE', `${where}: step ${j} (${s.op}) has bad operand '${r}'`);
    }
  });
  return p;
}

/** The node input whose dtype the program's output has (every fusable op keeps its first operand's dtype). */
export function programDtypeInput(p: ElementwiseProgram): number {
  let r = p.steps[p.steps.length - 1].in[0];
  while (r[0] === 's') r = p.steps[Number(r.slice(1))].in[0];
  return Number(r.slice(1));
}

const convInfer = convSchemas.find((s) => s.opType === 'Conv')!.infer!;

function fusedConvInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const [y] = convInfer({ ...ctx, inputs: ctx.inputs.slice(0, 3) });
  const z = ctx.inputs[3];
  if (!y || !ctx.node.inputs[3]) return [y];
  return [{ dtype: y.dtype, shape: y.shape && z?.shape ? broadcastDims([y.shape, z.shape]) : undefined }];
}

function fusedGemmInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const a = ctx.inputs[0], b = ctx.inputs[1];
  if (!a) return [undefined];
  if (!a.shape || !b?.shape) return [{ dtype: a.dtype }];
  const n = ctx.attrs.int('transB', 0) ? b.shape[0] : b.shape[1];
  if (a.shape.length === 2) return [{ dtype: a.dtype, shape: [ctx.attrs.int('transA', 0) ? a.shape[1] : a.shape[0], n] }];
  return [{ dtype: a.dtype, shape: [...a.shape.slice(0, -1), n] }];
}

function fusedElementwiseInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const p = parseProgram(ctx.attrs.string('program'), `node '${ctx.node.name}'`);
  const src = ctx.inputs[programDtypeInput(p)];
  if (!src) return [undefined];
  return [{ dtype: src.dtype, shape: broadcastDims(ctx.inputs.map((m) => m?.shape)) }];
}

/** qkv = 1: the [B, S, H, D] of each of Q, K and V inside QKV `dims` [B, S, 3*H*D]; undefined when it does not fit. */
export function packedQkvDims<D extends Dim>(dims: readonly D[], heads: number): (D | number)[] | undefined {
  const last = dims[2];
  if (dims.length !== 3 || typeof last !== 'number' || heads <= 0 || last % (3 * heads)) return undefined;
  return [dims[0], dims[1], heads, last / (3 * heads)];
}

/** qkv = 1: Q, K and V as slices [B, S, H, D] of input 0 [B, S, 3*H*D] (shapes unknown when it does not fit). */
function qkvOperands(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  const shape = x?.shape && packedQkvDims(x.shape, ctx.attrs.int('num_heads', 0));
  if (!x || !shape) return [x, undefined, undefined];
  const one = { dtype: x.dtype, shape };
  return [one, one, one];
}

function fusedAttentionInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const packed = ctx.attrs.int('qkv', 0) === 1;
  const [q, k, v] = packed ? qkvOperands(ctx) : ctx.inputs;
  if (!q) return [undefined];
  if (!q.shape || !k?.shape || !v?.shape || k.shape.length < 2) return [{ dtype: q.dtype }];
  const where = `node '${ctx.node.name}'`;
  const bshd = ctx.attrs.int('bshd', 0);
  // [B, S, H, D] <-> [B, H, S, D] for the operands bshd marks
  const swap12 = (d: Dim[], bit: number, what: string): Dim[] => {
    if (!(bshd & bit)) return d;
    if (d.length !== 4) throw new TensorJetError('E_SHAPE', `${where}: bshd marks ${what} as [B, S, H, D], but it has rank ${d.length}`);
    return [d[0], d[2], d[1], d[3]];
  };
  const ks = swap12(k.shape, 2, 'K');
  const r = ks.length;
  const kt: Dim[] = ctx.attrs.int('transpose_k', 0) ? [...ks.slice(0, r - 2), ks[r - 1], ks[r - 2]] : ks;
  const s = matmulShape(swap12(q.shape, 1, 'Q'), kt, where);
  const mask = ctx.attrs.int('has_mask', 0) ? ctx.inputs[packed ? 1 : 3] : undefined;
  const sm = mask ? (mask.shape ? broadcastDims([s, mask.shape]) : undefined) : s;
  return [{ dtype: q.dtype, shape: sm ? swap12(matmulShape(sm, swap12(v.shape, 4, 'V'), where), 8, 'Y') : undefined }];
}

export const schemas: OpSchema[] = [
  { opType: 'FusedConv', domain: FUSED_DOMAIN, infer: fusedConvInfer },
  { opType: 'FusedGemm', domain: FUSED_DOMAIN, infer: fusedGemmInfer },
  { opType: 'FusedElementwise', domain: FUSED_DOMAIN, infer: fusedElementwiseInfer },
  { opType: 'FusedAttention', domain: FUSED_DOMAIN, infer: fusedAttentionInfer },
  { opType: 'Gelu', domain: FUSED_DOMAIN, infer: sameAsInput0 },
  skipLayerNormSchema,
  nchwToNhwcSchema,
  embedLayerNormSchema,
];
