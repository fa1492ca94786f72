/**
 * Casts the fp16 pass leaves that a neighbour can absorb (each only when the intermediate is read by nothing else):
 *   Cast(Cast(x -> float32) -> float16) with x an integer or bool tensor (a model's int64 attention mask cast
 *     to float, then to float16 by the fp16 pass's border Cast) -> one Cast(x -> float16). Exact: integers are
 *     exact in float32 up to 2^24, and every integer at or above 65520 in magnitude is infinite in float16 either way.
 *   Cast(SkipLayerNorm(float16 ...) -> float32) (BERT's last_hidden_state) -> SkipLayerNorm with to = float32:
 *     the norm writes its fp32 result directly instead of rounding it to fp16 first (no less accurate).
 */
import type { Node } from '../ir/graph.js';
import { inferShapes } from '../ir/shape-inference.js';
import { dtypeFromOnnx, dtypeToOnnx, isInteger } from '../tensor/dtype.js';
import { FUSED_DOMAIN } from '../ops/fused.js';
import { rulePass, type Rule } from './rewrite.js';
import { embedFusionEnabled } from './fuse-embed.js';

const castTo = (n: Node): string | undefined => {
  const to = n.attributes.get('to');
  return to && to.type === 'int' ? dtypeFromOnnx(to.value) : undefined;
};

const intFloatHalf: Rule = {
  name: 'merge-int-float-half-casts',
  root: 'Cast',
  apply(second, view) {
    if (castTo(second) !== 'float16') return undefined;
    const first = view.producer(second.inputs[0]);
    if (!first || first.domain !== '' || first.opType !== 'Cast' || castTo(first) !== 'float32' || !view.onlyReadBy(second.inputs[0], second)) return undefined;
    const src = view.graph.constants.get(first.inputs[0])?.dtype ?? inferShapes(view.ctx.model, {}, view.graph).get(first.inputs[0])?.dtype;
    if (!src || !(isInteger(src) || src === 'bool')) return undefined;
    const merged: Node = { ...second, inputs: [first.inputs[0]], attributes: new Map([['to', { type: 'int', value: dtypeToOnnx('float16') }]]) };
    return { remove: [first, second], insert: [merged] };
  },
};

const skipLayerNormFloatOut: Rule = {
  name: 'skip-layernorm-float32-output',
  root: 'Cast',
  apply(cast, view) {
    if (castTo(cast) !== 'float32') return undefined;
    const sln = view.producer(cast.inputs[0]);
    if (!sln || sln.domain !== FUSED_DOMAIN || sln.opType !== 'SkipLayerNorm' || sln.outputs[0] !== cast.inputs[0] || sln.attributes.has('to')) return undefined;
    if (!view.onlyReadBy(cast.inputs[0], cast)) return undefined;
    if (inferShapes(view.ctx.model, {}, view.graph).get(sln.inputs[0])?.dtype !== 'float16') return undefined;
    const fused: Node = {
      ...sln,
      outputs: [cast.outputs[0], ...sln.outputs.slice(1)],
      attributes: new Map([...sln.attributes, ['to', { type: 'int', value: dtypeToOnnx('float32') }]]),
    };
    return { remove: [sln, cast], insert: [fused] };
  },
};

const rules = rulePass('merge-casts', [intFloatHalf, skipLayerNormFloatOut]);

/** Runs once after the fp16 pass (TENSORJET_FUSE_EMBED=0 turns it off with the embedding fusion). */
export const mergeCasts = { name: 'merge-casts', run: (...a: Parameters<typeof rules.run>) => (embedFusionEnabled() ? rules.run(...a) : 0) };
