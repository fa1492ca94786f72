/**
 * After the fp16 pass: Cast(Cast(x -> float32) -> float16) with x an integer or bool tensor (a model's
 * int64 attention mask cast to float, then to float16 by the fp16 pass's border Cast) -> one Cast(x -> float16).
 * Exact: integers are exact in float32 up to 2^24, and every integer at or above 65520 in magnitude is
 * infinite in float16 either way. Only when the float32 value is read by nothing else.
 */
import type { Node } from '../ir/graph.js';
import { inferShapes } from '../ir/shape-inference.js';
import { dtypeFromOnnx, dtypeToOnnx, isInteger } from '../tensor/dtype.js';
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

const rules = rulePass('merge-casts', [intFloatHalf]);

/** Runs once after the fp16 pass (TENSORJET_FUSE_EMBED=0 turns it off with the embedding fusion). */
export const mergeCasts = { name: 'merge-casts', run: (...a: Parameters<typeof rules.run>) => (embedFusionEnabled() ? rules.run(...a) : 0) };
