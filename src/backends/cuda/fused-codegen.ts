/**
 * FusedElementwise codegen: one CUDA kernel per distinct program (src/ops/fused.ts), generated at build,
 * NVRTC-compiled with the other kernels (disk-cached) and stored in the plan as module `fused_<hash>`.
 * Kernel `fz_<hash>(out, outCode, in0..inK-1, n, codes, modes, Idx x0..)`: fp32 math; per input a dtype code
 * (4 bits: 0 f32, 1 f16, 2 i32, 3 i64, 4 f64) and a mode (2 bits: 0 same shape as out, 1 scalar,
 * 2 broadcast through strides in Idx x[k/3].s{k%3}).
 * Vector kernel `fzv_<hash>(out, outCode, in0..inK-1, n, codes, modes)` in the same module, for when every input is
 * mode 0 or 1, n < 2^31 and the pointers are 16-byte aligned: 8 elements per thread per step (one 128-bit access
 * per float16 operand, two per float32), 32-bit indices, grid-stride; block 0 finishes the n % 8 tail.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TensorJetError } from '../../errors.js';
import type { Attribute, Model } from '../../ir/graph.js';
import { normalizeDomain } from '../../ir/graph.js';
import { FUSED_DOMAIN, parseProgram, type ElementwiseProgram, type ElementwiseStep } from '../../ops/fused.js';
import { compileCached, kernelSourceDir, mapLimited, PARALLEL_COMPILES, type CompiledModule } from './compile.js';

export const MAX_FUSED_INPUTS = 12;

const lit = (x: number): string => {
  if (Number.isNaN(x)) return '__int_as_float(0x7fc00000)';
  if (x === Infinity) return '__int_as_float(0x7f800000)';
  if (x === -Infinity) return '__int_as_float(0xff800000)';
  return `${Math.fround(x).toExponential(9)}f`;
};

function attrNum(s: ElementwiseStep, name: string, def: number): number {
  const a = s.attrs?.[name] as Attribute | undefined;
  return a && (a.type === 'float' || a.type === 'int') ? Number(a.value) : def;
}
function attrStr(s: ElementwiseStep, name: string, def: string): string {
  const a = s.attrs?.[name] as Attribute | undefined;
  return a && a.type === 'string' ? String(a.value) : def;
}

/** C expression for one step; `v` maps operand refs to C names ('' = omitted). */
function stepExpr(s: ElementwiseStep, v: string[], opset: number, where: string): string {
  const [x, y] = v;
  const f = (name: string, def: number) => lit(attrNum(s, name, def));
  switch (s.op) {
    case 'Abs': return `fabsf(${x})`;
    case 'Neg': return `(-${x})`;
    case 'Exp': return `expf(${x})`;
    case 'Log': return `logf(${x})`;
    case 'Sqrt': return `sqrtf(${x})`;
    case 'Reciprocal': return `(1.0f / ${x})`;
    case 'Floor': return `floorf(${x})`;
    case 'Ceil': return `ceilf(${x})`;
    case 'Round': return `rintf(${x})`;
    case 'Sign': return `(${x} != ${x} ? ${x} : (float)((${x} > 0.f) - (${x} < 0.f)))`;
    case 'Erf': return `erff(${x})`;
    case 'Sin': return `sinf(${x})`;
    case 'Cos': return `cosf(${x})`;
    case 'Tanh': return `tanhf(${x})`;
    case 'Sigmoid': return `(1.0f / (1.0f + expf(-${x})))`;
    case 'Relu': return `(${x} < 0.f ? 0.f : ${x})`;
    case 'LeakyRelu': return `(${x} < 0.f ? ${f('alpha', 0.01)} * ${x} : ${x})`;
    case 'Elu': return `(${x} < 0.f ? ${f('alpha', 1)} * (expf(${x}) - 1.0f) : ${x})`;
    case 'Selu': return `(${x} > 0.f ? ${f('gamma', 1.0507009873554805)} * ${x} : ${f('gamma', 1.0507009873554805)} * (${f('alpha', 1.6732632423543772)} * expf(${x}) - ${f('alpha', 1.6732632423543772)}))`;
    case 'Celu': return `(fmaxf(0.f, ${x}) + fminf(0.f, ${f('alpha', 1)} * (expf(${x} / ${f('alpha', 1)}) - 1.0f)))`;
    case 'HardSigmoid': return `fmaxf(0.f, fminf(1.f, ${f('alpha', 0.2)} * ${x} + ${f('beta', 0.5)}))`;
    case 'HardSwish': return `(${x} * fmaxf(0.f, fminf(1.f, ${x} * (1.0f / 6.0f) + 0.5f)))`;
    case 'Softplus': return `(${x} > 20.f ? ${x} : log1pf(expf(${x})))`;
    case 'Softsign': return `(${x} / (1.0f + fabsf(${x})))`;
    case 'Mish': return `(${x} * tanhf(${x} > 20.f ? ${x} : log1pf(expf(${x}))))`;
    case 'ThresholdedRelu': return `(${x} > ${f('alpha', 1)} ? ${x} : 0.f)`;
    case 'Gelu':
      return attrStr(s, 'approximate', 'none') === 'tanh'
        ? `(0.5f * ${x} * (1.0f + tanhf(0.7978845608f * (${x} + 0.044715f * ${x} * ${x} * ${x}))))`
        : `(0.5f * ${x} * (1.0f + erff(${x} * 0.70710678118654752f)))`;
    case 'Clip': {
      const lo = opset < 11 ? f('min', -Infinity) : (y || lit(-Infinity));
      const hi = opset < 11 ? f('max', Infinity) : (v[2] || lit(Infinity));
      return `fminf(fmaxf(${x}, ${lo}), ${hi})`;
    }
    case 'Add': return `(${x} + ${y})`;
    case 'Sub': return `(${x} - ${y})`;
    case 'Mul': return `(${x} * ${y})`;
    case 'Div': return `(${x} / ${y})`;
    case 'Pow': return `powf(${x}, ${y})`;
    case 'PRelu': return `(${x} < 0.f ? ${x} * ${y} : ${x})`;
    case 'Max':
    case 'Min': {
      const cmp = s.op === 'Max' ? '>' : '<';
      return v.filter(Boolean).reduce((a, b) => `tj_pick(${a}, ${b}, ${cmp === '>' ? 1 : 0})`);
    }
    default:
      throw new TensorJetError('E_UNSUPPORTED_OP', `${where}: fused step ${s.op} has no CUDA code generator`);
  }
}

export interface FusedKernel {
  module: string;
  kernel: string;
  /** the vectorized kernel (same module) */
  vecKernel: string;
  source: string;
  inputs: number;
}

/** Number of node inputs the program reads (highest 'iK' + 1). */
function inputCount(p: ElementwiseProgram): number {
  let k = 0;
  for (const s of p.steps) for (const r of s.in) if (r && r[0] === 'i') k = Math.max(k, Number(r.slice(1)) + 1);
  return k;
}

/** Generates the kernel for `program` (deterministic: the hash names module and kernel). */
export function fusedKernel(programText: string, where: string): FusedKernel {
  const p = parseProgram(programText, where);
  const k = inputCount(p);
  if (k > MAX_FUSED_INPUTS) throw new TensorJetError('E_UNSUPPORTED_OP', `${where}: ${k} inputs exceed the fused kernel limit of ${MAX_FUSED_INPUTS}`);
  const nIdx = Math.max(1, Math.ceil(k / 3));
  /** the program's steps over operands `arg(i)`, result in s<last> */
  const steps = (arg: (i: number) => string): string[] =>
    p.steps.map((s, j) => {
      const v = s.in.map((r) => (!r ? '' : r[0] === 'i' ? arg(Number(r.slice(1))) : `s${r.slice(1)}`));
      return `float s${j} = ${stepExpr(s, v, p.opset, where)};`;
    });
  const last = `s${p.steps.length - 1}`;
  const body: string[] = [];
  for (let i = 0; i < k; i++) body.push(`  float a${i} = tj_ld(in${i}, (codes >> ${4 * i}) & 15, o${i});`);
  body.push(...steps((i) => `a${i}`).map((l) => `  ${l}`));
  const ins = Array.from({ length: k }, (_, i) => `const void* in${i}`);
  const params = ['void* out', 'int outCode', ...ins, 'i64 n', 'unsigned codes', 'unsigned modes', ...Array.from({ length: nIdx }, (_, i) => `Idx x${i}`)];
  const offs = Array.from({ length: k }, (_, i) => `    i64 o${i} = ((modes >> ${2 * i}) & 3) == 0 ? i : 0;`);
  const strided = Array.from({ length: k }, (_, i) => `        if (((modes >> ${2 * i}) & 3) == 2) o${i} += c * x${Math.floor(i / 3)}.s${i % 3}[d];`);
  const generic = (name: string) => [
    `extern "C" __global__ void ${name}(${params.join(', ')}) {`,
    '  PDL_ENTER();',
    '  GRID_STRIDE(i, n) {',
    ...offs,
    '    if (modes & 0xAAAAAAu) {',
    '      i64 r = i;',
    '      for (int d = x0.rank - 1; d >= 0; d--) {',
    '        i64 c = r % x0.dims[d]; r /= x0.dims[d];',
    ...strided,
    '      }',
    '    }',
    '    {',
    ...body.map((l) => `  ${l}`),
    `      if (outCode == 1) ((f16*)out)[i] = f2h(${last}); else ((float*)out)[i] = ${last};`,
    '    }',
    '  }',
    '}',
  ];
  const vector = (name: string) => [
    `extern "C" __global__ void ${name}(${['void* out', 'int outCode', ...ins, 'i64 n', 'unsigned codes', 'unsigned modes'].join(', ')}) {`,
    '  PDL_ENTER();',
    '  const unsigned nv = (unsigned)(n >> 3);',
    '  for (unsigned v = blockIdx.x * blockDim.x + threadIdx.x; v < nv; v += blockDim.x * gridDim.x) {',
    '    const unsigned i = v << 3;',
    ...Array.from({ length: k }, (_, i) => `    float a${i}[8]; tj_ld8(in${i}, (codes >> ${4 * i}) & 15, (modes >> ${2 * i}) & 3, i, a${i});`),
    '    float r[8];',
    '#pragma unroll',
    '    for (int e = 0; e < 8; e++) {',
    ...steps((i) => `a${i}[e]`).map((l) => `      ${l}`),
    `      r[e] = ${last};`,
    '    }',
    '    tj_st8(out, outCode, i, r);',
    '  }',
    '  if (blockIdx.x == 0 && threadIdx.x < (unsigned)(n & 7)) {',
    '    const i64 i = ((i64)nv << 3) + threadIdx.x;',
    ...offs.map((l) => l.slice(2)),
    ...body,
    `    if (outCode == 1) ((f16*)out)[i] = f2h(${last}); else ((float*)out)[i] = ${last};`,
    '  }',
    '}',
  ];
  const src = (name: string, vname: string) => [...generic(name), ...vector(vname)].join('\n');
  const hash = createHash('sha256').update(src('K', 'V')).digest('hex').slice(0, 16);
  const [kernel, vecKernel] = [`fz_${hash}`, `fzv_${hash}`];
  return { module: `fused_${hash}`, kernel, vecKernel, source: src(kernel, vecKernel), inputs: k };
}

const PRELUDE = `
__device__ __forceinline__ float tj_ld(const void* p, unsigned code, i64 i) {
  switch (code) {
    case 0: return ((const float*)p)[i];
    case 1: return h2f(((const f16*)p)[i]);
    case 2: return (float)((const int*)p)[i];
    case 3: return (float)((const i64*)p)[i];
    default: return (float)((const double*)p)[i];
  }
}
// 8 consecutive elements from element i (mode 1: the scalar at 0); f16/f32 through 128-bit loads (16-byte aligned)
__device__ __forceinline__ void tj_ld8(const void* p, unsigned code, unsigned mode, unsigned i, float* o) {
  if (mode == 1) { const float s = tj_ld(p, code, 0); for (int e = 0; e < 8; e++) o[e] = s; return; }
  if (code == 1) {
    const uint4 u = *reinterpret_cast<const uint4*>((const f16*)p + i);
    const f16* h = reinterpret_cast<const f16*>(&u);
    for (int e = 0; e < 8; e++) o[e] = h2f(h[e]);
  } else if (code == 0) {
    const float4 a = reinterpret_cast<const float4*>((const float*)p + i)[0], b = reinterpret_cast<const float4*>((const float*)p + i)[1];
    o[0] = a.x; o[1] = a.y; o[2] = a.z; o[3] = a.w; o[4] = b.x; o[5] = b.y; o[6] = b.z; o[7] = b.w;
  } else {
    for (int e = 0; e < 8; e++) o[e] = tj_ld(p, code, (i64)i + e);
  }
}
__device__ __forceinline__ void tj_st8(void* p, int code, unsigned i, const float* r) {
  if (code == 1) {
    uint4 u;
    f16* h = reinterpret_cast<f16*>(&u);
    for (int e = 0; e < 8; e++) h[e] = f2h(r[e]);
    *reinterpret_cast<uint4*>((f16*)p + i) = u;
  } else {
    float4* q = reinterpret_cast<float4*>((float*)p + i);
    q[0] = make_float4(r[0], r[1], r[2], r[3]);
    q[1] = make_float4(r[4], r[5], r[6], r[7]);
  }
}
__device__ __forceinline__ float tj_pick(float a, float b, int max) {
  if (a != a || b != b) return a != a ? a : b;
  return max ? fmaxf(a, b) : fminf(a, b);
}
`;

/** Full NVRTC source: common.cuh + prelude + the kernel. */
export function fusedModuleSource(k: FusedKernel): string {
  const common = readFileSync(join(kernelSourceDir(), 'common.cuh'), 'utf8');
  return `${common}\n${PRELUDE}\n${k.source}\n`;
}

/** Every distinct FusedElementwise kernel of `model`, compiled for `arch` (disk cache as compile.ts). */
export async function compileFusedKernels(model: Model, arch: string, onProgress?: (msg: string, frac?: number) => void): Promise<CompiledModule[]> {
  const kernels = new Map<string, FusedKernel>();
  for (const n of model.graph.nodes) {
    if (normalizeDomain(n.domain) !== FUSED_DOMAIN || n.opType !== 'FusedElementwise') continue;
    const a = n.attributes.get('program');
    const k = fusedKernel(a && a.type === 'string' ? String(a.value) : '', `node '${n.name}'`);
    kernels.set(k.module, k);
  }
  let i = 0;
  return mapLimited([...kernels.values()], PARALLEL_COMPILES, (k) =>
    compileCached(k.module, fusedModuleSource(k), arch, () => onProgress?.(`compiling fused elementwise kernel ${++i}/${kernels.size} (${arch})`)),
  );
}
