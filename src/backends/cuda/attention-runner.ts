/**
 * Per-context FusedAttention on cuDNN's fused attention (ffi/cudnn-sdpa.ts) for the specs whose build-time
 * tactic chose it (attention-tactics.ts): one cuDNN handle on the context's stream, one graph per spec with
 * the tuned engine config, and a workspace of its own, allocated up front (a CUDA graph captured later keeps
 * its address). Specs without a tactic, or whose config does not finalize here, run TensorJet's kernel.
 * TENSORJET_ATTENTION_TACTIC=cudnn runs every spec cuDNN can express on cuDNN, failing where it cannot (the GPU
 * checks use it).
 */
import { TensorJetError } from '../../errors.js';
import type { CudaDevice } from './device.js';
import { cudnnCreate, cudnnDestroy } from './ffi/cudnn.js';
import { CudnnSdpaGraph, sdpaForms, sdpaKey, type SdpaSpec, type SdpaTactic } from './ffi/cudnn-sdpa.js';

/** workspace bytes a cuDNN attention config may take (the H200's fastest at BERT-base shapes take 256 or 0) */
export const ATTENTION_WORKSPACE = 4 << 20;
const forced = (): boolean => process.env.TENSORJET_ATTENTION_TACTIC === 'cudnn';

/** Whether a context of a plan with these tactics needs a runner. */
export const attentionRunnerNeeded = (tactics: ReadonlyMap<string, SdpaTactic>): boolean => tactics.size > 0 || forced();

export class AttentionRunner {
  private handle = 0;
  private readonly ws: number;
  /** graphs by spec key; null: TensorJet's kernel runs that spec */
  private readonly graphs = new Map<string, CudnnSdpaGraph | null>();
  /** the same, by the lowering's spec object (eager runs skip the key) */
  private readonly bySpec = new WeakMap<SdpaSpec, CudnnSdpaGraph | null>();

  constructor(
    private readonly dev: CudaDevice,
    private readonly stream: number,
    private readonly tactics: ReadonlyMap<string, SdpaTactic>,
  ) {
    this.ws = dev.alloc(ATTENTION_WORKSPACE, 'cuDNN attention workspace');
  }

  /** Enqueues the attention on cuDNN when its tactic says so, else calls `ours`. */
  run(spec: SdpaSpec, q: number, k: number, v: number, bias: number, o: number, ours: () => void): void {
    let g = this.bySpec.get(spec);
    if (g === undefined) {
      const key = sdpaKey(spec);
      g = this.graphs.get(key);
      if (g === undefined) this.graphs.set(key, (g = this.make(spec, key)));
      this.bySpec.set(spec, g);
    }
    if (g) g.run(q, k, v, o, bias, this.ws);
    else ours();
  }

  private make(spec: SdpaSpec, key: string): CudnnSdpaGraph | null {
    const form = sdpaForms(spec)[0]; // none with TENSORJET_CUDNN_SDPA=0
    if (!form) return null;
    const t = this.tactics.get(key) ?? (forced() ? { form, rank: 0 } : undefined);
    if (!t) return null;
    let g: CudnnSdpaGraph | undefined;
    try {
      this.handle ||= cudnnCreate(this.stream);
      g = new CudnnSdpaGraph(this.handle, spec, t.form);
      if (g.use(t.rank, ATTENTION_WORKSPACE) >= 0) return g;
      if (forced()) throw new TensorJetError('E_CUDNN', `no cuDNN engine config runs attention ${key}`);
    } catch (e) {
      // cuDNN cannot build this graph here: ours runs it (forced, the checks see the error)
      g?.dispose();
      if (forced()) throw e;
      return null;
    }
    g.dispose();
    return null;
  }

  dispose(): void {
    for (const g of this.graphs.values()) g?.dispose();
    this.graphs.clear();
    if (this.handle) cudnnDestroy(this.handle);
    this.handle = 0;
    this.dev.free(this.ws);
  }
}
