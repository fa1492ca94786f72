/**
 * NHWC for fp16 convolutions (GPU pipeline, after the fp16 pass): cuDNN's tensor-core kernels want NHWC,
 * and NCHW fp16 runs far slower. Every 2-D Conv / tensorjet::FusedConv with a float16 constant weight,
 * explicit symmetric pads (or VALID) gets attribute layout = 'NHWC': its X, Z and Y are NHWC and its weight
 * becomes a KRSC ([k, kh, kw, c/groups]) constant. Chains of such convs (ResNet blocks after conv fusion:
 * conv -> conv, residual Z from a conv) pass NHWC values directly; Transposes are inserted only at the
 * edges, where a value comes from (or goes to) anything else, or is a graph output.
 * Shape inference does not know the attribute, so the pass runs last (CUDA lowering computes the shapes).
 */
import type { Graph, Node } from '../ir/graph.js';
import { makeTensor, type Tensor } from '../tensor/tensor.js';
import { cudnnAvailable } from '../backends/cuda/ffi/cudnn.js';
import { consumers, type Pass } from './pass.js';

const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];

function eligible(n: Node, g: Graph): boolean {
  if (!((n.opType === 'Conv' && n.domain === '') || (n.opType === 'FusedConv' && n.domain !== ''))) return false;
  if (n.attributes.has('layout')) return false;
  const w = g.constants.get(n.inputs[1]);
  if (!w || w.dtype !== 'float16' || w.dims.length !== 4) return false;
  const autoPad = n.attributes.get('auto_pad');
  if (autoPad && !(autoPad.type === 'string' && (autoPad.value === 'NOTSET' || autoPad.value === 'VALID'))) return false;
  const pads = n.attributes.get('pads');
  if (pads && !(pads.type === 'ints' && pads.value.length === 4 && pads.value[0] === pads.value[2] && pads.value[1] === pads.value[3])) return false;
  return true;
}

/** [k, c, kh, kw] -> [k, kh, kw, c] (raw element copy: any host storage). */
function toKrsc(w: Tensor): Tensor {
  const [k, c, kh, kw] = w.dims;
  const src = w.data as unknown as ArrayLike<number> & { constructor: new (n: number) => Uint16Array };
  const dst = new src.constructor(src.length) as unknown as number[];
  for (let o = 0; o < k; o++)
    for (let i = 0; i < c; i++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) dst[((o * kh + y) * kw + x) * c + i] = src[((o * c + i) * kh + y) * kw + x];
  return makeTensor(w.dtype, [k, kh, kw, c], dst as unknown as Tensor['data']);
}

export const layoutNhwc: Pass = {
  name: 'layout-nhwc',
  run(g: Graph): number {
    const convs = new Set(g.nodes.filter((n) => eligible(n, g)));
    if (!convs.size || !cudnnAvailable()) return 0;
    const readers = consumers(g);
    const names = new Set<string>([...g.constants.keys(), ...g.inputs.map((i) => i.name), ...g.nodes.flatMap((n) => n.outputs)]);
    const fresh = (base: string): string => {
      let s = base;
      for (let i = 1; names.has(s); i++) s = `${base}_${i}`;
      names.add(s);
      return s;
    };
    const graphOutputs = new Set(g.outputs.map((o) => o.name));
    // a conv output also needed in NCHW: read by anything but an NHWC conv's X / Z, or a graph output
    const needsNchw = (y: string): boolean =>
      graphOutputs.has(y) || (readers.get(y) ?? []).some((r) => !convs.has(r) || r.inputs.some((v, i) => v === y && i !== 0 && i !== 3));
    const nhwcOf = new Map<string, string>();
    const krsc = new Map<string, string>();
    const out: Node[] = [];
    const transpose = (from: string, to: string, perm: number[]): Node => ({
      name: fresh(`${to}_transpose`), opType: 'Transpose', domain: '', inputs: [from], outputs: [to],
      attributes: new Map([['perm', { type: 'ints', value: perm }]]),
    });
    for (const n of g.nodes) {
      if (!convs.has(n)) {
        out.push(n);
        continue;
      }
      for (const slot of [0, 3]) {
        const v = n.inputs[slot];
        if (!v) continue;
        if (!nhwcOf.has(v)) {
          const t = fresh(`${v}__nhwc`);
          out.push(transpose(v, t, TO_NHWC));
          nhwcOf.set(v, t);
        }
        n.inputs[slot] = nhwcOf.get(v)!;
      }
      const w = n.inputs[1];
      if (!krsc.has(w)) {
        const name = fresh(`${w}__krsc`);
        g.constants.set(name, toKrsc(g.constants.get(w)!));
        krsc.set(w, name);
      }
      n.inputs[1] = krsc.get(w)!;
      const y = n.outputs[0];
      const yn = fresh(`${y}__nhwc`);
      n.outputs[0] = yn;
      nhwcOf.set(y, yn);
      n.attributes.set('layout', { type: 'string', value: 'NHWC' });
      out.push(n);
      if (needsNchw(y)) out.push(transpose(yn, y, TO_NCHW));
    }
    g.nodes = out;
    // drop KCRS weights nothing reads any more
    const still = new Set(g.nodes.flatMap((n) => n.inputs));
    for (const w of krsc.keys()) if (!still.has(w) && !graphOutputs.has(w)) g.constants.delete(w);
    return convs.size;
  },
};
