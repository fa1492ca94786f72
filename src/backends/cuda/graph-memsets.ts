/**
 * Memset nodes out of captured CUDA graphs. cuBLASLt and cuDNN algorithms (split-K, stream-K) zero their
 * workspace with cudaMemsetAsync, which a stream capture records as memset nodes, and a graph holding any
 * costs ~50 us of host time per cuGraphLaunch instead of ~3 us (H200: ResNet-50 b256 with 27 memset nodes,
 * BERT b64 with 36; test/gpu/launch-cost.ts). Each memset node becomes a kernel node of misc.cu's memset_fill_bytes
 * with the same edges. Drivers without the graph-editing entry points (before CUDA 12.3) keep the memsets.
 */
import { koffi } from './ffi/koffi.js';
import { allocPinned, freePinned, type Driver } from './ffi/driver.js';

type Fn = (...args: unknown[]) => number;
const SIGNATURES = {
  getNodes: 'int cuGraphGetNodes(uint64_t g, uint64_t *nodes, _Inout_ size_t *n)',
  nodeType: 'int cuGraphNodeGetType(uint64_t node, _Out_ int *type)',
  memsetParams: 'int cuGraphMemsetNodeGetParams(uint64_t node, uint64_t params)',
  dependencies: 'int cuGraphNodeGetDependencies_v2(uint64_t node, uint64_t *nodes, void *edges, _Inout_ size_t *n)',
  dependents: 'int cuGraphNodeGetDependentNodes_v2(uint64_t node, uint64_t *nodes, void *edges, _Inout_ size_t *n)',
  addKernel: 'int cuGraphAddKernelNode_v2(_Out_ uint64_t *node, uint64_t g, uint64_t *deps, size_t n, uint64_t params)',
  addEdges: 'int cuGraphAddDependencies_v2(uint64_t g, uint64_t *from, uint64_t *to, void *edges, size_t n)',
  destroyNode: 'int cuGraphDestroyNode(uint64_t node)',
} as const;
type GraphFns = { [K in keyof typeof SIGNATURES]: Fn };

/** TENSORJET_GRAPH_MEMSETS=keep: captured graphs keep the libraries' memset nodes */
const KEEP = process.env.TENSORJET_GRAPH_MEMSETS === 'keep';
const CU_GRAPH_NODE_TYPE_MEMSET = 2;
const FILL_BLOCK = 256;
/** blocks of a fill kernel at most (grid-stride beyond) */
const FILL_MAX_BLOCKS = 132 * 8;

let fns: GraphFns | null | undefined;
function graphFns(d: Driver): GraphFns | null {
  if (fns !== undefined) return fns;
  try {
    const lib = koffi().load(d.path);
    const f = {} as GraphFns;
    for (const [k, sig] of Object.entries(SIGNATURES)) (f as Record<string, Fn>)[k] = lib.func(sig) as Fn;
    fns = f;
  } catch {
    fns = null;
  }
  return fns;
}

/** The graph's nodes (or a node's edges) through a two-call size query. */
function listNodes(d: Driver, what: string, call: (nodes: BigUint64Array | null, n: [number]) => number): BigUint64Array {
  const n: [number] = [0];
  d.check(call(null, n), what);
  const nodes = new BigUint64Array(Number(n[0]));
  if (nodes.length) d.check(call(nodes, n), what);
  return nodes;
}

/**
 * Replaces every memset node of `graph` (not yet instantiated) by a kernel node running `fill` (misc.cu's
 * memset_fill_bytes, a CUfunction of the current context) with the memset's dependencies and dependents.
 * Returns how many were replaced (0 where the driver cannot edit graphs).
 */
export function memsetsToKernels(d: Driver, graph: number, fill: number): number {
  const g = graphFns(d);
  if (!g) return 0;
  const memsets = [...listNodes(d, 'cuGraphGetNodes', (nodes, n) => g.getNodes(graph, nodes, n))].filter((node) => {
    const t: [number] = [0];
    d.check(g.nodeType(node, t), 'cuGraphNodeGetType');
    return t[0] === CU_GRAPH_NODE_TYPE_MEMSET;
  });
  if (!memsets.length) return 0;
  // pinned scratch: memset params (0), kernel argument values (64), their pointer table (128), node params (192)
  const buf = allocPinned(d, 320);
  try {
    const v = new DataView(buf.bytes.buffer, buf.bytes.byteOffset, 320);
    for (const node of memsets) {
      d.check(g.memsetParams(node, buf.address), 'cuGraphMemsetNodeGetParams');
      const dst = v.getBigUint64(0, true);
      const pitch = v.getBigUint64(8, true);
      const value = v.getUint32(16, true);
      const es = v.getUint32(20, true);
      const width = v.getBigUint64(24, true);
      const height = v.getBigUint64(32, true);
      const args: [number, bigint | number, 'u64' | 'u32'][] = [[64, dst, 'u64'], [72, pitch, 'u64'], [80, value, 'u32'], [84, es, 'u32'], [88, width, 'u64'], [96, height, 'u64']];
      args.forEach(([off, val, kind], i) => {
        if (kind === 'u64') v.setBigUint64(off, BigInt(val), true);
        else v.setUint32(off, Number(val), true);
        v.setBigUint64(128 + 8 * i, BigInt(buf.address + off), true);
      });
      const bytes = Number(width) * es * Number(height);
      const units = Number(width) * es % 16 === 0 ? bytes / 16 : bytes;
      v.setBigUint64(192, BigInt(fill), true); // func
      v.setUint32(200, Math.max(1, Math.min(FILL_MAX_BLOCKS, Math.ceil(units / FILL_BLOCK))), true);
      v.setUint32(204, 1, true);
      v.setUint32(208, 1, true);
      v.setUint32(212, FILL_BLOCK, true);
      v.setUint32(216, 1, true);
      v.setUint32(220, 1, true);
      v.setUint32(224, 0, true); // shared memory
      v.setBigUint64(232, BigInt(buf.address + 128), true); // kernelParams
      v.setBigUint64(240, 0n, true); // extra
      v.setBigUint64(248, 0n, true); // kern
      v.setBigUint64(256, 0n, true); // ctx
      const deps = listNodes(d, 'cuGraphNodeGetDependencies', (nodes, n) => g.dependencies(node, nodes, null, n));
      const after = listNodes(d, 'cuGraphNodeGetDependentNodes', (nodes, n) => g.dependents(node, nodes, null, n));
      const k: [number | bigint] = [0];
      d.check(g.addKernel(k, graph, deps.length ? deps : null, deps.length, buf.address + 192), 'cuGraphAddKernelNode');
      d.check(g.destroyNode(node), 'cuGraphDestroyNode');
      if (after.length) d.check(g.addEdges(graph, new BigUint64Array(after.length).fill(BigInt(k[0])), after, null, after.length), 'cuGraphAddDependencies');
    }
  } finally {
    freePinned(d, buf);
  }
  return memsets.length;
}

/**
 * The capture edit (graph-capture.ts captureGraph) that replaces memset nodes, `fill` looking up memset_fill_bytes;
 * undefined with TENSORJET_GRAPH_MEMSETS=keep or when the lookup fails (plans built before the kernel existed).
 */
export function memsetEdit(d: Driver, fill: () => number): ((graph: number) => void) | undefined {
  if (KEEP) return undefined;
  let f: number;
  try {
    f = fill();
  } catch {
    return undefined;
  }
  return (graph) => void memsetsToKernels(d, graph, f);
}
