/**
 * A CNN's input edge as one op (GPU pipeline, after layout-nhwc): the fp16 pass casts the fp32 NCHW input, the
 * NHWC pass transposes it and pads its channels for the first conv (RGB 3 -> 4), three memory-bound kernels
 * (ResNet-50 b256 on an H200: 0.084 + 0.103 + 0.056 ms). tensorjet::NchwToNhwc does the three in one pass
 * (0.061 ms; GPU compute 6.46 -> 6.28-6.32 ms, outputs bit-identical; test/gpu/input-run.sh):
 *   Cast(to float32 | float16) -> Transpose [0, 2, 3, 1] -> Pad        => NchwToNhwc(to, pad_channels)
 *   Cast -> Transpose                                                  => NchwToNhwc(to)
 *   Transpose [0, 2, 3, 1] -> Pad                                      => NchwToNhwc(pad_channels)
 * The Pad: mode constant, value 0, zeros only at the end of the last axis. The chain's source must be float32
 * or float16 with a known channel count of at most 8, padding included (the shapes come from inference before the rewrite: the chain is the
 * graph's input edge, upstream of the NHWC convs that inference does not know). Intermediate values read by
 * anything else, or graph outputs, keep the chain as it is. TENSORJET_FUSE_INPUT=0 turns the pass off.
 */
import type { Node } from '../ir/graph.js';
import { inferShapes, type ShapeMap } from '../ir/shape-inference.js';
import { readNumbers } from '../backends/cpu/util.js';
import { dtypeFromOnnx } from '../tensor/dtype.js';
import type { Pass } from './pass.js';
import { rulePass, type RewriteView, type Rule } from './rewrite.js';
import { constant, defaultOpset, freshNodeName, int, soleFusedProducer, soleProducer, useFusedDomain } from './fuse-util.js';
import { TO_NHWC } from './layout-nhwc-ops.js';

const FLOATS = ['float32', 'float16'];
/** widest output channel count fused: one thread reads every plane of its positions (a wide C wants a tiled transpose) */
const MAX_CHANNELS = 8;

const isToNhwc = (n: Node): boolean => {
  const perm = n.attributes.get('perm');
  return perm?.type === 'ints' && perm.value.join() === TO_NHWC.join();
};

/** Cast's target when it is float32 / float16 (ONNX code), else undefined. */
function castTo(n: Node): number | undefined {
  const to = n.attributes.get('to');
  return to?.type === 'int' && FLOATS.includes(dtypeFromOnnx(to.value)) ? to.value : undefined;
}

/** Zero channels a Pad appends to the last axis of a rank-4 value (and nothing else), or undefined. */
function channelPad(pad: Node, view: RewriteView): number | undefined {
  const mode = pad.attributes.get('mode');
  if (mode && !(mode.type === 'string' && mode.value === 'constant')) return undefined;
  let pads: number[] | undefined;
  if (defaultOpset(view) < 11) {
    const a = pad.attributes.get('pads');
    const value = pad.attributes.get('value');
    if (a?.type !== 'ints' || (value && !(value.type === 'float' && value.value === 0))) return undefined;
    pads = a.value;
  } else {
    const p = constant(view, pad.inputs[1]);
    const value = pad.inputs[2] ? constant(view, pad.inputs[2]) : undefined;
    if (!p || (pad.inputs[2] && (!value || value.data.length > 1 || (value.data.length === 1 && readNumbers(value)[0] !== 0)))) return undefined;
    pads = Array.from(readNumbers(p));
    if (pad.inputs[3]) {
      const axes = constant(view, pad.inputs[3]);
      if (!axes || axes.data.length !== 1 || ![3, -1].includes(readNumbers(axes)[0])) return undefined;
      pads = [0, 0, 0, pads[0], 0, 0, 0, pads[1]];
    }
  }
  return pads.length === 8 && pads.every((v, i) => (i === 7 ? v > 0 : v === 0)) ? pads[7] : undefined;
}

function fused(view: RewriteView, name: string, x: string, y: string, to: number | undefined, padChannels: number): Node {
  const attributes = new Map();
  if (to !== undefined) attributes.set('to', int(to));
  if (padChannels) attributes.set('pad_channels', int(padChannels));
  return { name, opType: 'NchwToNhwc', domain: useFusedDomain(view), inputs: [x], outputs: [y], attributes };
}

function rules(shapes: ShapeMap): Rule[] {
  const isFloat = (v: string): boolean => FLOATS.includes(shapes.get(v)?.dtype ?? '');
  /** C of an [N, C, H, W] value when it is known and small enough for the kernel's thin-channel paths */
  const channels = (v: string): number | undefined => {
    const s = shapes.get(v)?.shape;
    return s?.length === 4 && typeof s[1] === 'number' && s[1] <= MAX_CHANNELS ? s[1] : undefined;
  };
  /** Cast -> Transpose: the Cast (when fusable) or null (no Cast); undefined when the Cast is not fusable */
  const castOf = (t: Node, view: RewriteView): Node | undefined | null => {
    const cast = soleProducer(view, t.inputs[0], t, 'Cast');
    if (!cast) return null;
    return castTo(cast) !== undefined && isFloat(cast.inputs[0]) ? cast : undefined;
  };
  const castTranspose: Rule = {
    name: 'cast-transpose',
    root: 'Transpose',
    apply(t, view) {
      const cast = isToNhwc(t) && channels(t.inputs[0]) !== undefined ? castOf(t, view) : undefined;
      if (!cast) return undefined;
      return { remove: [cast, t], insert: [fused(view, freshNodeName(view, `${t.name}_nchw_to_nhwc`), cast.inputs[0], t.outputs[0], castTo(cast), 0)] };
    },
  };
  const transposePad: Rule = {
    name: 'transpose-pad',
    root: 'Pad',
    apply(pad, view) {
      const extra = channelPad(pad, view);
      if (!extra) return undefined;
      // an earlier Cast -> Transpose rewrite, or a bare (maybe cast) Transpose
      const done = soleFusedProducer(view, pad.inputs[0], pad, 'NchwToNhwc');
      if (done) {
        const c = channels(done.inputs[0]);
        const pc = done.attributes.get('pad_channels');
        if (c === undefined || c + extra > MAX_CHANNELS || (pc && !(pc.type === 'int' && pc.value === c))) return undefined;
        const to = done.attributes.get('to');
        return { remove: [done, pad], insert: [fused(view, done.name, done.inputs[0], pad.outputs[0], to?.type === 'int' ? to.value : undefined, c + extra)] };
      }
      const t = soleProducer(view, pad.inputs[0], pad, 'Transpose');
      if (!t || !isToNhwc(t)) return undefined;
      const cast = castOf(t, view);
      if (cast === undefined) return undefined;
      const src = cast ? cast.inputs[0] : t.inputs[0];
      const c = channels(t.inputs[0]);
      if (c === undefined || c + extra > MAX_CHANNELS || !isFloat(src)) return undefined;
      return { remove: [...(cast ? [cast] : []), t, pad], insert: [fused(view, freshNodeName(view, `${t.name}_nchw_to_nhwc`), src, pad.outputs[0], cast ? castTo(cast) : undefined, c + extra)] };
    },
  };
  return [castTranspose, transposePad];
}

export const fuseInputLayout: Pass = {
  name: 'fuse-input-layout',
  run(g, ctx): number {
    if (process.env.TENSORJET_FUSE_INPUT === '0') return 0;
    if (!g.nodes.some((n) => n.domain === '' && n.opType === 'Transpose' && isToNhwc(n))) return 0;
    const read = new Set(g.nodes.flatMap((n) => n.inputs));
    const n = rulePass('fuse-input-layout', rules(inferShapes(ctx.model, {}, g))).run(g, ctx);
    // the Pads' constant operands nothing reads any more
    if (n) {
      const still = new Set(g.nodes.flatMap((x) => x.inputs));
      for (const c of [...g.constants.keys()]) if (read.has(c) && !still.has(c) && !g.outputs.some((o) => o.name === c)) g.constants.delete(c);
    }
    return n;
  },
};
