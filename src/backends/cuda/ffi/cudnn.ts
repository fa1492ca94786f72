/**
 * cuDNN 9 bindings (legacy convolution API) through koffi: forward, bias+activation forward and backward-data
 * (ConvTranspose) over NCHW tensors (forward convs also NHWC: tensor-core friendly for fp16), 1-D convs as H=1. `cudnnCheck` throws E_CUDNN with cudnnGetErrorString.
 * Discovery: libcudnn.so.9 in the usual dirs plus Python wheels (nvidia/cudnn/lib); its sub-libraries
 * (libcudnn_cnn, libcudnn_engines_*, ...) are preloaded from the same folder so the loader finds them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TensorJetError } from '../../../errors.js';
import { findLibrary, librarySearchDirs } from './library.js';
import { tryOpen, type KoffiLib } from './koffi.js';

type Fn = (...args: unknown[]) => number;
const H = 'uint64_t';
const NAMES = {
  create: `int cudnnCreate(_Out_ ${H} *h)`,
  destroy: `int cudnnDestroy(${H} h)`,
  setStream: `int cudnnSetStream(${H} h, ${H} stream)`,
  errorString: 'const char *cudnnGetErrorString(int s)',
  version: 'size_t cudnnGetVersion()',
  tensorCreate: `int cudnnCreateTensorDescriptor(_Out_ ${H} *d)`,
  tensorSet4d: `int cudnnSetTensor4dDescriptor(${H} d, int format, int dtype, int n, int c, int h, int w)`,
  tensorDestroy: `int cudnnDestroyTensorDescriptor(${H} d)`,
  filterCreate: `int cudnnCreateFilterDescriptor(_Out_ ${H} *d)`,
  filterSet4d: `int cudnnSetFilter4dDescriptor(${H} d, int dtype, int format, int k, int c, int h, int w)`,
  filterDestroy: `int cudnnDestroyFilterDescriptor(${H} d)`,
  convCreate: `int cudnnCreateConvolutionDescriptor(_Out_ ${H} *d)`,
  convSet2d: `int cudnnSetConvolution2dDescriptor(${H} d, int ph, int pw, int sh, int sw, int dh, int dw, int mode, int computeType)`,
  convGroups: `int cudnnSetConvolutionGroupCount(${H} d, int groups)`,
  convMath: `int cudnnSetConvolutionMathType(${H} d, int math)`,
  convDestroy: `int cudnnDestroyConvolutionDescriptor(${H} d)`,
  actCreate: `int cudnnCreateActivationDescriptor(_Out_ ${H} *d)`,
  actSet: `int cudnnSetActivationDescriptor(${H} d, int mode, int nan, double coef)`,
  actDestroy: `int cudnnDestroyActivationDescriptor(${H} d)`,
  fwdGet: `int cudnnGetConvolutionForwardAlgorithm_v7(${H} h, ${H} x, ${H} w, ${H} conv, ${H} y, int n, _Out_ int *count, _Out_ uint8_t *perf)`,
  fwdFind: `int cudnnFindConvolutionForwardAlgorithm(${H} h, ${H} x, ${H} w, ${H} conv, ${H} y, int n, _Out_ int *count, _Out_ uint8_t *perf)`,
  fwdWs: `int cudnnGetConvolutionForwardWorkspaceSize(${H} h, ${H} x, ${H} w, ${H} conv, ${H} y, int algo, _Out_ size_t *bytes)`,
  forward: `int cudnnConvolutionForward(${H} h, const void *alpha, ${H} xd, ${H} x, ${H} wd, ${H} w, ${H} conv, int algo, ${H} ws, size_t wsBytes, const void *beta, ${H} yd, ${H} y)`,
  biasAct: `int cudnnConvolutionBiasActivationForward(${H} h, const void *alpha1, ${H} xd, ${H} x, ${H} wd, ${H} w, ${H} conv, int algo, ${H} ws, size_t wsBytes, const void *alpha2, ${H} zd, ${H} z, ${H} bd, ${H} b, ${H} act, ${H} yd, ${H} y)`,
  bwdGet: `int cudnnGetConvolutionBackwardDataAlgorithm_v7(${H} h, ${H} w, ${H} dy, ${H} conv, ${H} dx, int n, _Out_ int *count, _Out_ uint8_t *perf)`,
  bwdFind: `int cudnnFindConvolutionBackwardDataAlgorithm(${H} h, ${H} w, ${H} dy, ${H} conv, ${H} dx, int n, _Out_ int *count, _Out_ uint8_t *perf)`,
  bwdWs: `int cudnnGetConvolutionBackwardDataWorkspaceSize(${H} h, ${H} w, ${H} dy, ${H} conv, ${H} dx, int algo, _Out_ size_t *bytes)`,
  backwardData: `int cudnnConvolutionBackwardData(${H} h, const void *alpha, ${H} wd, ${H} w, ${H} dyd, ${H} dy, ${H} conv, int algo, ${H} ws, size_t wsBytes, const void *beta, ${H} dxd, ${H} dx)`,
} as const;
type Fns = { [K in keyof typeof NAMES]: Fn };

const DATA = { float32: 0, float16: 2 } as const;
const NCHW = 0;
const NHWC = 1;
const CROSS_CORRELATION = 1;
const MATH = { default: 0, tensorOp: 1, fma: 3 } as const;
const ACT_RELU = 1;
const ACT_IDENTITY = 5;
/** the only forward algorithm cudnnConvolutionBiasActivationForward runs with an identity activation */
const ALGO_IMPLICIT_PRECOMP_GEMM = 1;
/** DRAM bandwidth assumed when tuning weighs the separate epilogue kernel of an unfused conv (bytes/ms) */
const EPILOGUE_BYTES_PER_MS = 2.5e9;
const PERF_BYTES = 48; // cudnnConvolution{Fwd,BwdData}AlgoPerf_t: algo, status, time, memory(size_t), determinism, mathType, reserved[3]
const SUBLIBS = ['libcudnn_graph.so.9', 'libcudnn_engines_precompiled.so.9', 'libcudnn_engines_runtime_compiled.so.9', 'libcudnn_heuristic.so.9', 'libcudnn_ops.so.9', 'libcudnn_cnn.so.9', 'libcudnn_adv.so.9'];

let fns: Fns | undefined;
let loadError: TensorJetError | undefined;
const keep: KoffiLib[] = [];

/** Extra places cuDNN wheels live (virtualenvs: /opt/NAME/.venv, TENSORJET_CUDNN_PATH). */
function cudnnDirs(): string[] {
  const dirs: string[] = [];
  if (process.env.TENSORJET_CUDNN_PATH) dirs.push(process.env.TENSORJET_CUDNN_PATH);
  const venvs = ['/opt', '/usr/local', '/usr/lib'];
  for (const base of venvs) {
    let names: string[] = [];
    try {
      names = readdirSync(base);
    } catch {
      continue;
    }
    for (const n of names) {
      for (const lib of [join(base, n, '.venv/lib'), join(base, n, 'lib')]) {
        let pys: string[] = [];
        try {
          pys = readdirSync(lib).filter((p) => p.startsWith('python3'));
        } catch {
          continue;
        }
        for (const py of pys) for (const sub of ['nvidia/cudnn/lib', 'nvidia/cu13/lib']) dirs.push(join(lib, py, 'site-packages', sub));
      }
    }
  }
  return dirs.filter((d) => existsSync(join(d, 'libcudnn.so.9')));
}

/** True when cuDNN loads (and TENSORJET_CUDNN is not '0'); never throws. */
export function cudnnAvailable(): boolean {
  if (process.env.TENSORJET_CUDNN === '0') return false;
  try {
    load();
    return true;
  } catch {
    return false;
  }
}

/** Why cuDNN is not used ('' when it is). */
export function cudnnUnavailableReason(): string {
  if (process.env.TENSORJET_CUDNN === '0') return 'disabled by TENSORJET_CUDNN=0';
  try {
    load();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

function load(): Fns {
  if (fns) return fns;
  if (loadError) throw loadError;
  try {
    let main: KoffiLib | undefined;
    const open = (p: string): boolean => {
      const dir = p.includes('/') ? dirname(p) : '';
      // preload the sub-libraries cuDNN dlopens by soname (already-loaded objects match by soname)
      if (dir) for (const s of SUBLIBS) if (existsSync(join(dir, s))) { const l = tryOpen(join(dir, s)); if (l) keep.push(l); }
      main = tryOpen(p);
      return !!main;
    };
    let found: string | undefined;
    for (const d of cudnnDirs()) if (open(join(d, 'libcudnn.so.9'))) { found = join(d, 'libcudnn.so.9'); break; }
    found ??= findLibrary('cuDNN 9 (libcudnn)', ['libcudnn.so.9'], open);
    const lib = main!;
    keep.push(lib);
    const f = {} as Fns;
    for (const [k, sig] of Object.entries(NAMES)) (f as Record<string, Fn>)[k] = lib.func(sig) as Fn;
    if (Number(f.version()) < 90000) throw new TensorJetError('E_LIBRARY_NOT_FOUND', `cuDNN at ${found} is version ${Number(f.version())}, need 9.x`);
    fns = f;
    return f;
  } catch (e) {
    loadError = e instanceof TensorJetError ? e : new TensorJetError('E_LIBRARY_NOT_FOUND', `cuDNN failed to load: ${(e as Error).message}`);
    throw loadError;
  }
}

/** Throws E_CUDNN with cuDNN's own error string. */
export function cudnnCheck(status: number, what: string): void {
  if (status === 0) return;
  const str = (load().errorString as unknown as (s: number) => string)(status);
  throw new TensorJetError('E_CUDNN', `${what} failed: ${str} (${status})`, { call: what, status });
}

function out(f: Fn, what: string, ...args: unknown[]): number {
  const o: [number] = [0];
  cudnnCheck(f(o, ...args), what);
  return Number(o[0]);
}

export function cudnnVersion(): number {
  return Number(load().version());
}
export function cudnnCreate(stream: number): number {
  const f = load();
  const h = out(f.create, 'cudnnCreate');
  cudnnCheck(f.setStream(h, stream), 'cudnnSetStream');
  return h;
}
export function cudnnDestroy(h: number): void {
  load().destroy(h);
}

/** One Conv / ConvTranspose, 2-D (1-D as H=1), NCHW; dims are the forward conv's x, w, y unless `transpose`. */
export interface ConvSpec {
  transpose: boolean;
  dtype: 'float32' | 'float16';
  /** input [n, c, h, w]; filter [k, c/groups, kh, kw] (ConvTranspose: [c, k/groups, kh, kw]); output [n, k, oh, ow] */
  n: number; c: number; h: number; w: number;
  k: number; kh: number; kw: number;
  oh: number; ow: number;
  /** begin h, begin w, end h, end w */
  pads: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
  groups: number;
  /** activation code (see kernels/conv.cu ACT_*), its two parameters */
  act: number;
  actParams: [number, number];
  bias: boolean;
  /** 0 none, 1 added before the activation, 2 after */
  residual: 0 | 1 | 2;
  /** TF32 allowed for float32 */
  tf32?: boolean;
  /** x, y (and z) are NHWC, the filter KRSC ([k, kh, kw, c/groups]); forward convs through cuDNN only */
  nhwc?: boolean;
  /** NHWC channel views (planner channel-views.ts): elements from one pixel to the next of x, z and y
   * (absent: c, k, k). Only cuDNN's graph API runs them (cudnn-graph.ts puts them into the tensor strides). */
  xStride?: number;
  zStride?: number;
  yStride?: number;
}

/** The spec reads or writes a channel view (graph API only). */
export const convStrided = (s: ConvSpec): boolean => s.xStride !== undefined || s.zStride !== undefined || s.yStride !== undefined;

/** Shape/params part of a spec that the algorithm choice depends on (timing-cache and tactic key). */
export function convKey(s: ConvSpec): string {
  return [s.transpose ? 'T' : 'F', s.dtype, s.tf32 ? 'tf32' : '', s.nhwc ? 'nhwc' : '', s.n, s.c, s.h, s.w, s.k, s.kh, s.kw, s.oh, s.ow, ...s.pads, ...s.strides, ...s.dilations, s.groups, ...(convStrided(s) ? [`v${s.xStride ?? s.c}/${s.zStride ?? s.k}/${s.yStride ?? s.k}`] : [])].join(',');
}

/** cuDNN can run the spec: symmetric pads, and for ConvTranspose an output size whose forward conv gives the input. */
export function cudnnSupports(s: ConvSpec): boolean {
  if (s.pads[0] !== s.pads[2] || s.pads[1] !== s.pads[3]) return false;
  if (s.nhwc && s.transpose) return false;
  if (!s.transpose) return true;
  const fwd = (o: number, p: number, k: number, st: number, d: number) => Math.floor((o + 2 * p - ((k - 1) * d + 1)) / st) + 1;
  return fwd(s.oh, s.pads[0], s.kh, s.strides[0], s.dilations[0]) === s.h && fwd(s.ow, s.pads[1], s.kw, s.strides[1], s.dilations[1]) === s.w;
}

export interface ConvAlgo {
  algo: number;
  math: number;
  workspace: number;
  /** the graph API's engine config (rank in its heuristic list, cudnn-graph.ts) beat the legacy algorithms */
  graph?: number;
  /** measured ms (tuning only) */
  ms?: number;
}

/** Descriptors for one ConvSpec on one handle; `run` enqueues it. */
export class CudnnConv {
  private readonly x: number;
  private readonly y: number;
  private readonly bias: number;
  private readonly filter: number;
  private readonly conv: number;
  private readonly actDesc: number;
  private readonly one = Buffer.from(new Float32Array([1]).buffer);
  private readonly zero = Buffer.from(new Float32Array([0]).buffer);
  private algo: ConvAlgo = { algo: 0, math: 0, workspace: 0 };
  /** bias + relu (+ residual before) fit one cudnnConvolutionBiasActivationForward */
  private readonly reluFusable: boolean;
  /** bias (+ residual before) with no activation: fused too, but only under IMPLICIT_PRECOMP_GEMM */
  private readonly identityFusable: boolean;
  /** cuDNN refused the identity form once (it is documented for one algorithm only): the epilogue kernel runs */
  private identityRefused = false;

  constructor(
    private readonly handle: number,
    readonly spec: ConvSpec,
  ) {
    const f = load();
    const s = spec;
    const dt = DATA[s.dtype];
    this.x = out(f.tensorCreate, 'cudnnCreateTensorDescriptor');
    this.y = out(f.tensorCreate, 'cudnnCreateTensorDescriptor');
    this.bias = out(f.tensorCreate, 'cudnnCreateTensorDescriptor');
    this.filter = out(f.filterCreate, 'cudnnCreateFilterDescriptor');
    this.conv = out(f.convCreate, 'cudnnCreateConvolutionDescriptor');
    this.actDesc = out(f.actCreate, 'cudnnCreateActivationDescriptor');
    const fmt = s.nhwc ? NHWC : NCHW;
    cudnnCheck(f.tensorSet4d(this.x, fmt, dt, s.n, s.c, s.h, s.w), 'cudnnSetTensor4dDescriptor(x)');
    cudnnCheck(f.tensorSet4d(this.y, fmt, dt, s.n, s.k, s.oh, s.ow), 'cudnnSetTensor4dDescriptor(y)');
    cudnnCheck(f.tensorSet4d(this.bias, NCHW, dt, 1, s.k, 1, 1), 'cudnnSetTensor4dDescriptor(bias)');
    const fk = s.transpose ? [s.c, s.k / s.groups] : [s.k, s.c / s.groups];
    cudnnCheck(f.filterSet4d(this.filter, dt, fmt, fk[0], fk[1], s.kh, s.kw), 'cudnnSetFilter4dDescriptor');
    cudnnCheck(f.convSet2d(this.conv, s.pads[0], s.pads[1], s.strides[0], s.strides[1], s.dilations[0], s.dilations[1], CROSS_CORRELATION, DATA.float32), 'cudnnSetConvolution2dDescriptor');
    cudnnCheck(f.convGroups(this.conv, s.groups), 'cudnnSetConvolutionGroupCount');
    cudnnCheck(f.convMath(this.conv, this.defaultMath()), 'cudnnSetConvolutionMathType');
    this.reluFusable = !s.transpose && s.bias && s.act === 1 && s.residual !== 2;
    this.identityFusable = !s.transpose && s.bias && s.act === 0 && s.residual !== 2;
    cudnnCheck(f.actSet(this.actDesc, this.identityFusable ? ACT_IDENTITY : ACT_RELU, 0, 0), 'cudnnSetActivationDescriptor');
  }

  /**
   * The bias / activation / residual epilogue runs inside cuDNN (else conv-runner.ts launches it): a plain
   * Conv with a bias (ResNet's downsample 1x1) would otherwise pay a full extra read + write of its output.
   */
  get fused(): boolean {
    return this.reluFusable || (this.identityFusable && !this.identityRefused && this.algo.algo === ALGO_IMPLICIT_PRECOMP_GEMM);
  }

  /** fp32: FMA only (no TF32) unless asked; fp16: tensor cores. */
  private defaultMath(): number {
    if (this.spec.dtype === 'float16') return MATH.tensorOp;
    return this.spec.tf32 ? MATH.default : MATH.fma;
  }

  private perfs(fn: Fn, what: string): ConvAlgo[] {
    const n = 8;
    const buf = Buffer.alloc(PERF_BYTES * n);
    const count: [number] = [0];
    const args = this.spec.transpose ? [this.filter, this.x, this.conv, this.y] : [this.x, this.filter, this.conv, this.y];
    cudnnCheck(fn(this.handle, ...args, n, count, buf), what);
    const res: ConvAlgo[] = [];
    for (let i = 0; i < count[0]; i++) {
      const o = i * PERF_BYTES;
      if (buf.readInt32LE(o + 4) !== 0) continue; // status
      const ms = buf.readFloatLE(o + 8);
      res.push({ algo: buf.readInt32LE(o), workspace: Number(buf.readBigUInt64LE(o + 16)), math: buf.readInt32LE(o + 28), ms: ms >= 0 ? ms : undefined });
    }
    return res;
  }

  /** Candidate algorithms, fastest first: measured on the GPU (`find`, build-time tuning) or cuDNN's heuristic. */
  candidates(find: boolean, maxWorkspace: number): ConvAlgo[] {
    const f = load();
    const fn = this.spec.transpose ? (find ? f.bwdFind : f.bwdGet) : find ? f.fwdFind : f.fwdGet;
    const name = `cudnn${find ? 'Find' : 'Get'}Convolution${this.spec.transpose ? 'BackwardData' : 'Forward'}Algorithm${find ? '' : '_v7'}`;
    const mathOk = (m: number) => this.spec.dtype === 'float16' || this.spec.tf32 || m !== MATH.tensorOp;
    const ok = this.perfs(fn, name).filter((p) => p.workspace <= maxWorkspace && mathOk(p.math));
    if (!find || !this.identityFusable) return ok;
    // an algorithm that cannot fuse the bias pays the epilogue kernel: read + write y (and read z)
    const s = this.spec;
    const bytes = s.n * s.k * s.oh * s.ow * (s.dtype === 'float16' ? 2 : 4) * (s.residual ? 3 : 2);
    const cost = (p: ConvAlgo) => (p.ms ?? Infinity) + (p.algo === ALGO_IMPLICIT_PRECOMP_GEMM ? 0 : bytes / EPILOGUE_BYTES_PER_MS);
    return ok.sort((a, b) => cost(a) - cost(b));
  }

  /** Uses `a` (from the plan's tactics or a heuristic); returns its workspace bytes. */
  setAlgo(a: ConvAlgo): void {
    const f = load();
    cudnnCheck(f.convMath(this.conv, a.math), 'cudnnSetConvolutionMathType');
    const ws: [number] = [0];
    const args = this.spec.transpose ? [this.filter, this.x, this.conv, this.y] : [this.x, this.filter, this.conv, this.y];
    cudnnCheck((this.spec.transpose ? f.bwdWs : f.fwdWs)(this.handle, ...args, a.algo, ws), 'cudnnGetConvolutionWorkspaceSize');
    this.algo = { ...a, workspace: Number(ws[0]) };
  }

  get workspaceBytes(): number {
    return this.algo.workspace;
  }

  /** Enqueues y = conv(x, w) (fused: relu(conv + bias [+ z])) on the handle's stream. */
  run(x: number, w: number, b: number, z: number, y: number, ws: number): void {
    const f = load();
    const a = this.algo;
    if (this.spec.transpose) {
      cudnnCheck(f.backwardData(this.handle, this.one, this.filter, w, this.x, x, this.conv, a.algo, ws, a.workspace, this.zero, this.y, y), 'cudnnConvolutionBackwardData');
    } else if (this.fused) {
      const withZ = this.spec.residual === 1;
      const status = Number(f.biasAct(this.handle, this.one, this.x, x, this.filter, w, this.conv, a.algo, ws, a.workspace, withZ ? this.one : this.zero, this.y, withZ ? z : y, this.bias, b, this.actDesc, this.y, y));
      if (status === 0) return;
      if (this.reluFusable) cudnnCheck(status, 'cudnnConvolutionBiasActivationForward');
      this.identityRefused = true; // the caller sees !fused and launches the epilogue
      cudnnCheck(f.forward(this.handle, this.one, this.x, x, this.filter, w, this.conv, a.algo, ws, a.workspace, this.zero, this.y, y), 'cudnnConvolutionForward');
    } else {
      cudnnCheck(f.forward(this.handle, this.one, this.x, x, this.filter, w, this.conv, a.algo, ws, a.workspace, this.zero, this.y, y), 'cudnnConvolutionForward');
    }
  }

  dispose(): void {
    const f = load();
    f.tensorDestroy(this.x);
    f.tensorDestroy(this.y);
    f.tensorDestroy(this.bias);
    f.filterDestroy(this.filter);
    f.convDestroy(this.conv);
    f.actDestroy(this.actDesc);
  }
}
