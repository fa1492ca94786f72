/**
 * Per-context convolution execution: cuDNN (one handle on the context's stream, descriptors per spec, the
 * plan's tuned algorithm or cuDNN's heuristic) or the NVRTC direct kernels (kernels/conv.cu) when cuDNN is
 * missing or cannot express the conv (asymmetric pads). fp16 NHWC convs go through cuDNN's graph API (the
 * epilogue in the same operation graph) when tuning chose it, or untuned; else the legacy API, whose
 * unfused epilogues run as one kernel.
 */
import { CudnnConv, cudnnAvailable, cudnnCreate, cudnnDestroy, cudnnSupports, convKey, convStrided, type ConvAlgo, type ConvSpec } from './ffi/cudnn.js';
import { TensorJetError } from '../../errors.js';
import { CudnnConvGraph, cudnnGraphSupports } from './ffi/cudnn-graph.js';
import type { KArg, Launcher } from './lowering/types.js';

const BLOCK = 256;

/** Scalar launch arguments matching GEO_PARAMS in kernels/conv.cu. */
export function geoArgs(s: ConvSpec): KArg[] {
  const i = [s.n, s.c, s.h, s.w, s.k, s.oh, s.ow, s.kh, s.kw, s.strides[0], s.strides[1], s.pads[0], s.pads[1], s.dilations[0], s.dilations[1], s.groups, s.act, s.residual];
  return [...i.map((v) => ({ i32: v })), { f32: s.actParams[0] }, { f32: s.actParams[1] }];
}

export class ConvRunner {
  private handle = 0;
  private readonly convs = new Map<string, CudnnConv>();
  /** graph-API convs by spec; null: the graph path was tried and is not used for that spec */
  private readonly graphs = new Map<string, CudnnConvGraph | null>();

  constructor(
    stream: number,
    private readonly tactics: Map<string, ConvAlgo>,
    /** workspace bytes available at `ws` in run() */
    private readonly maxWorkspace: number,
  ) {
    if (cudnnAvailable()) this.handle = cudnnCreate(stream);
  }

  get usesCudnn(): boolean {
    return this.handle !== 0;
  }

  private planned(spec: ConvSpec): CudnnConv {
    const full = JSON.stringify(spec);
    let cc = this.convs.get(full);
    if (cc) return cc;
    cc = new CudnnConv(this.handle, spec);
    const tuned = this.tactics.get(convKey(spec));
    let chosen = false;
    if (tuned) {
      cc.setAlgo(tuned);
      chosen = cc.workspaceBytes <= this.maxWorkspace;
    }
    if (!chosen) {
      const h = cc.candidates(false, this.maxWorkspace)[0];
      cc.setAlgo(h ?? { algo: 0, math: 0, workspace: 0 });
    }
    this.convs.set(full, cc);
    return cc;
  }

  /** The graph-API conv for `spec` when tuning picked it (untuned: its heuristic's first config), else null. */
  private graphFor(spec: ConvSpec): CudnnConvGraph | null {
    const full = JSON.stringify(spec);
    let g = this.graphs.get(full);
    if (g !== undefined) return g;
    g = null;
    const tuned = this.tactics.get(convKey(spec));
    // channel views (strided x / z / y) run only on the graph path, whatever tuning chose
    if (cudnnGraphSupports(spec) && (!tuned || tuned.graph !== undefined || convStrided(spec))) {
      try {
        g = new CudnnConvGraph(this.handle, spec);
        if (g.use(tuned?.graph ?? 0, this.maxWorkspace) < 0) {
          g.dispose();
          g = null;
        }
      } catch {
        g?.dispose();
        g = null; // this cuDNN cannot build the graph: the legacy API runs it
      }
    }
    this.graphs.set(full, g);
    return g;
  }

  run(spec: ConvSpec, x: number, w: number, b: number, z: number, y: number, ws: number, l: Launcher): void {
    const sfx = spec.dtype === 'float16' ? 'f16' : 'f32';
    const total = spec.n * spec.k * spec.oh * spec.ow;
    const grid = Math.max(1, Math.min(Math.ceil(total / BLOCK), 1 << 20));
    const g = this.handle ? this.graphFor(spec) : null;
    if (g) return g.run(x, w, b, z, y, ws);
    if (convStrided(spec)) {
      throw new TensorJetError('E_CUDNN', `convolution [${convKey(spec)}] reads or writes an NHWC channel view, which only cuDNN's graph API runs, and it has no engine for it here: rebuild the plan with TENSORJET_CONCAT_VIEWS=0`);
    }
    if (this.handle && cudnnSupports(spec)) {
      const cc = this.planned(spec);
      cc.run(x, w, b, z, y, ws);
      if (!cc.fused && (spec.bias || spec.act || spec.residual)) {
        // NHWC with whole 16-byte channel groups: 16 bytes per thread
        const vec = spec.nhwc ? 16 / (spec.dtype === 'float16' ? 2 : 4) : 0;
        const variant = vec && spec.k % vec === 0 ? 'nhwcvec_' : spec.nhwc ? 'nhwc_' : '';
        const blocks = variant === 'nhwcvec_' ? Math.max(1, Math.min(Math.ceil(total / vec / BLOCK), 1 << 20)) : Math.min(grid, 8192);
        l.blocks('conv', `conv_epilogue_${variant}${sfx}`, blocks, BLOCK, [{ ptr: y }, { ptr: b }, { ptr: z }, ...geoArgs(spec)]);
      }
      return;
    }
    if (spec.nhwc) throw new TensorJetError('E_CUDNN', `NHWC convolution [${convKey(spec)}] needs cuDNN (TENSORJET_CUDNN=0 or cuDNN missing): rebuild the plan`);
    l.blocks('conv', `${spec.transpose ? 'convt2d' : 'conv2d'}_${sfx}`, grid, BLOCK, [{ ptr: x }, { ptr: w }, { ptr: b }, { ptr: z }, { ptr: y }, ...geoArgs(spec)]);
  }

  dispose(): void {
    for (const c of this.convs.values()) c.dispose();
    this.convs.clear();
    for (const g of this.graphs.values()) g?.dispose();
    this.graphs.clear();
    if (this.handle) cudnnDestroy(this.handle);
    this.handle = 0;
  }
}
