/**
 * GPU checks for NHWC channel views (src/backends/cuda/channel-views.ts): small C2f-like models (NHWC
 * FusedConvs, a channel Split or two Slices, bottlenecks with a residual, a channel Concat, a 1x1 conv)
 * against the CPU reference, with views on (the Concat and Split elided: strided cuDNN graph-API convs) and
 * off; a model where a view is also read by an elementwise op (the Concat must stay); fp32 (nothing elided).
 * run.ts runs them after its one-node cases (`concatChecks`).
 */
import type { Attribute, Model, Node } from '../../src/ir/graph.js';
import type { DType } from '../../src/tensor/dtype.js';
import { float16ArrayToFloat32, float32ArrayToFloat16 } from '../../src/tensor/float16.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { randomFloats } from '../helpers.js';
import type { ShapePlan } from '../../src/backends/cuda/planner.js';

export type C2fVariant = 'split' | 'slice' | 'eltwise' | 'nested';

const attr = (v: number | string | number[]): Attribute =>
  typeof v === 'string' ? { type: 'string', value: v } : Array.isArray(v) ? { type: 'ints', value: v } : { type: 'int', value: v };

/**
 * x [n, h, w, cin] -> cv1 (1x1, 2c) -> Split / Slice halves y0, y1 -> two bottlenecks (3x3, 3x3 + residual)
 * -> Concat(y0, y1, m1, m2) -> cv2 (1x1). 'eltwise': y1 is also read by a Relu that is a graph output.
 * 'nested': a second Concat (m2, cv1 of another branch) reads m2, which lives in the first buffer.
 */
export function c2fModel(dtype: DType, variant: C2fVariant, dims = { n: 2, h: 10, w: 12, cin: 16, c: 16 }): Model {
  const { n, h, w, cin, c } = dims;
  let seed = 100;
  const consts = new Map<string, Tensor>();
  const nodes: Node[] = [];
  const tensor = (d: number[], lo: number, hi: number): Tensor => {
    const f = randomFloats(d.reduce((a, b) => a * b, 1), seed++, lo, hi);
    return dtype === 'float16' ? makeTensor(dtype, d, float32ArrayToFloat16(f)) : makeTensor(dtype, d, f);
  };
  const konst = (name: string, t: Tensor) => (consts.set(name, t), name);
  const i64 = (name: string, v: number[]) => konst(name, makeTensor('int64', [v.length], BigInt64Array.from(v.map(BigInt))));
  const node = (opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attribute>, domain = '') =>
    nodes.push({ name: `${opType}_${nodes.length}`, opType, domain, inputs, outputs, attributes: new Map(Object.entries(attrs)) });
  /** NHWC FusedConv + SiLU; weight KRSC */
  const conv = (x: string, ci: number, k: number, ks: number, out: string, z?: string) => {
    const wt = konst(`${out}_w`, tensor([k, ks, ks, ci], -0.5 / Math.sqrt(ci), 0.5 / Math.sqrt(ci) + 0.3 / ci));
    const b = konst(`${out}_b`, tensor([k], -0.2, 0.2));
    const p = (ks - 1) / 2;
    node('FusedConv', z ? [x, wt, b, z] : [x, wt, b], [out], {
      layout: attr('NHWC'), activation: attr('SiLU'), pads: attr([p, p, p, p]), kernel_shape: attr([ks, ks]), ...(z ? { residual_before_activation: attr(0) } : {}),
    }, 'tensorjet');
  };
  conv('x', cin, 2 * c, 1, 'y');
  if (variant === 'slice') {
    node('Slice', ['y', i64('s0', [0]), i64('e0', [c]), i64('a0', [3])], ['y0'], {});
    node('Slice', ['y', i64('s1', [c]), i64('e1', [2 * c]), i64('a1', [-1])], ['y1'], {});
  } else node('Split', ['y', i64('split', [c, c])], ['y0', 'y1'], { axis: attr(3) });
  conv('y1', c, c, 3, 't1');
  conv('t1', c, c, 3, 'm1', 'y1');
  conv('m1', c, c, 3, 't2');
  conv('t2', c, c, 3, 'm2', 'm1');
  node('Concat', ['y0', 'y1', 'm1', 'm2'], ['cat'], { axis: attr(3) });
  conv('cat', 4 * c, 24, 1, 'out');
  const outputs = ['out'];
  if (variant === 'eltwise') {
    node('Relu', ['y1'], ['r'], {});
    outputs.push('r');
  }
  if (variant === 'nested') {
    conv('x', cin, c, 1, 'u');
    node('Concat', ['m2', 'u'], ['cat2'], { axis: attr(-1) });
    outputs.push('cat2');
  }
  return {
    irVersion: 8,
    opsets: new Map([['', 13], ['tensorjet', 1]]),
    producerName: 'tensorjet-gpu-test',
    producerVersion: '0',
    graph: {
      name: `c2f_${variant}`,
      nodes,
      inputs: [{ name: 'x', type: { kind: 'tensor', dtype, shape: [n, h, w, cin] } }],
      outputs: outputs.map((o) => ({ name: o, type: { kind: 'tensor' as const, dtype } })),
      constants: consts,
      valueInfo: new Map(),
    },
  } as Model;
}

/** Concats the planner elides in `model` (views on), those it keeps with why, and the plan's step ops. */
export async function elisions(model: Model): Promise<{ elided: number; kept: Map<string, string>; steps: string[]; plan: ShapePlan }> {
  const { planWithViews } = await import('../../src/backends/cuda/planner.js');
  const { createCpuRegistry } = await import('../../src/backends/cpu/kernels/index.js');
  const g = model.graph;
  const inputs = new Map(g.inputs.map((i) => [i.name, { dtype: (i.type as { dtype: DType }).dtype, dims: (i.type as { shape: number[] }).shape }]));
  const registry = createCpuRegistry();
  const prev = process.env.TENSORJET_CONCAT_VIEWS;
  process.env.TENSORJET_CONCAT_VIEWS = '1';
  try {
    const { plan, views } = planWithViews({ graph: g, opsets: model.opsets, weights: new Map(), inputs, cpuRegistry: () => registry });
    return { elided: views?.elided.size ?? 0, kept: views?.kept ?? new Map(), steps: plan.steps.map((s) => s.node?.opType ?? '?'), plan };
  } finally {
    if (prev === undefined) delete process.env.TENSORJET_CONCAT_VIEWS;
    else process.env.TENSORJET_CONCAT_VIEWS = prev;
  }
}

const asNumbers = (t: Tensor): number[] => (t.dtype === 'float16' ? [...float16ArrayToFloat32(t.data as Uint16Array)] : Array.from(t.data as ArrayLike<number>));

/** The checks run.ts runs: each model on the CPU reference and on GPU 0 (views on, then off). */
export async function concatChecks(o: { filter?: RegExp; graphs: boolean; arch: string; kernels: Uint8Array; deviceName: string }): Promise<{ pass: number; fail: number }> {
  const { CudaEngine } = await import('../../src/backends/cuda/index.js');
  const { executeGraph } = await import('../../src/backends/cpu/executor.js');
  const { createCpuRegistry } = await import('../../src/backends/cpu/kernels/index.js');
  const { planOf } = await import('./harness.js');
  const registry = createCpuRegistry();
  let pass = 0;
  let fail = 0;
  const expectElided: Record<C2fVariant, number> = { split: 1, slice: 1, eltwise: 0, nested: 1 };
  for (const dt of ['float16', 'float32'] as DType[]) {
    for (const variant of ['split', 'slice', 'eltwise', 'nested'] as C2fVariant[]) {
      for (const views of ['1', '0']) {
        const name = `ConcatViews_c2f_${variant}_views${views === '1' ? 'On' : 'Off'}_${dt}`;
        if (o.filter && !o.filter.test(name)) continue;
        const model = c2fModel(dt, variant);
        const x = model.graph.inputs[0];
        const shape = (x.type as { shape: number[] }).shape;
        const f = randomFloats(shape.reduce((a, b) => a * b, 1), 7, -1, 1);
        const xt = dt === 'float16' ? makeTensor(dt, shape, float32ArrayToFloat16(f)) : makeTensor(dt, shape, f);
        const refs = executeGraph(model.graph, new Map([['x', xt]]), { registry, opsets: model.opsets }) as Tensor[];
        const prev = process.env.TENSORJET_CONCAT_VIEWS;
        process.env.TENSORJET_CONCAT_VIEWS = views;
        const problems: string[] = [];
        let worst = 0;
        try {
          if (views === '1') {
            const e = await elisions(model);
            const want = dt === 'float16' ? expectElided[variant] : 0;
            if (e.elided !== want) problems.push(`${e.elided} concat(s) elided, expected ${want} (steps ${e.steps.join(' ')})`);
          }
          const engine = new CudaEngine(planOf(model, o.arch, o.kernels, o.deviceName), 0, { graphs: o.graphs, poison: true }, registry);
          try {
            const ctx = engine.createContext();
            for (let rep = 0; rep < 2 && !problems.length; rep++) {
              const res = await ctx.infer(new Map([['x', xt]]));
              model.graph.outputs.forEach((out, i) => {
                const a = asNumbers(res.get(out.name)!);
                const b = asNumbers(refs[i]);
                if (a.length !== b.length) return void problems.push(`${out.name}: ${a.length} elements vs ${b.length}`);
                for (let j = 0; j < b.length; j++) {
                  const err = Math.abs(a[j] - b[j]) / Math.max(Math.abs(b[j]), 1);
                  if (!(err <= 1e30)) return void problems.push(`${out.name}[${j}]: ${a[j]} vs reference ${b[j]} (run ${rep + 1})`);
                  worst = Math.max(worst, err);
                }
              });
            }
            ctx.dispose();
          } finally {
            engine.dispose();
          }
        } catch (e) {
          problems.push((e as Error).message.split('\n').slice(0, 3).join(' | '));
        } finally {
          if (prev === undefined) delete process.env.TENSORJET_CONCAT_VIEWS;
          else process.env.TENSORJET_CONCAT_VIEWS = prev;
        }
        const tol = dt === 'float16' ? 2e-2 : 1e-4;
        if (!problems.length && worst > tol) problems.push(`max rel err ${worst.toExponential(2)} > ${tol}`);
        if (problems.length) {
          fail++;
          console.log(`FAIL ${name}: ${problems.join('; ')}`);
        } else {
          pass++;
          console.log(`ok   ${name}  max rel err ${worst.toExponential(2)}`);
        }
      }
    }
  }
  return { pass, fail };
}
