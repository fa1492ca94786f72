/** ai.onnx.ml tree ensembles: TreeEnsemble (opset 5) and TreeEnsembleRegressor/Classifier (opsets 1 and 3). */
import type { KernelContext, KernelTable } from '../../kernel.js';
import { allocTensor, makeTensor, type Tensor } from '../../../../tensor/tensor.js';
import type { DType } from '../../../../tensor/dtype.js';
import { fromNumbers, readNumbers } from '../../util.js';

/** Node modes, v5 numbering (LEQ..MEMBER); LEAF marks a leaf node. */
const LEQ = 0, LT = 1, GTE = 2, GT = 3, EQ = 4, NEQ = 5, MEMBER = 6, LEAF = 7;
const MODE_NAMES: Record<string, number> = { BRANCH_LEQ: LEQ, BRANCH_LT: LT, BRANCH_GTE: GTE, BRANCH_GT: GT, BRANCH_EQ: EQ, BRANCH_NEQ: NEQ, LEAF };

/** A flattened forest: per node feature/mode/split/children; leaves carry (target, weight) votes. */
interface Forest {
  feature: number[];
  mode: number[];
  split: number[];
  trueChild: number[];
  falseChild: number[];
  missingTrue: boolean[];
  sets: (Set<number> | undefined)[];
  votes: { target: number; weight: number }[][];
  roots: number[];
}

function emptyForest(): Forest {
  return { feature: [], mode: [], split: [], trueChild: [], falseChild: [], missingTrue: [], sets: [], votes: [], roots: [] };
}

function goesTrue(f: Forest, n: number, x: number): boolean {
  if (Number.isNaN(x) && f.missingTrue[n]) return true;
  const v = f.split[n];
  switch (f.mode[n]) {
    case LEQ: return x <= v;
    case LT: return x < v;
    case GTE: return x >= v;
    case GT: return x > v;
    case EQ: return x === v;
    case NEQ: return x !== v;
    case MEMBER: return f.sets[n]!.has(x);
    default: return false;
  }
}

/** Walks tree `root` for one row, returning the leaf node index. */
function walk(f: Forest, root: number, row: ArrayLike<number>, off: number, ctx: KernelContext): number {
  let n = root;
  for (let steps = 0; f.mode[n] !== LEAF; steps++) {
    if (steps > f.mode.length) throw ctx.error('tree has a cycle');
    n = goesTrue(f, n, row[off + f.feature[n]]) ? f.trueChild[n] : f.falseChild[n];
  }
  return n;
}

const AGG: Record<string, number> = { AVERAGE: 0, SUM: 1, MIN: 2, MAX: 3 };
const POST: Record<string, number> = { NONE: 0, SOFTMAX: 1, LOGISTIC: 2, SOFTMAX_ZERO: 3, PROBIT: 4 };

/** Scores [N, nTargets]: aggregated leaf votes over trees plus base values. */
function score(ctx: KernelContext, f: Forest, x: Tensor, nTargets: number, agg: number, base: number[]): Float64Array {
  const v = readNumbers(x);
  const nFeat = x.dims.length >= 2 ? x.dims[x.dims.length - 1] : x.dims[0] ?? 1;
  const nRows = x.dims.length >= 2 ? v.length / nFeat : 1;
  for (let n = 0; n < f.feature.length; n++) {
    if (f.mode[n] !== LEAF && (f.feature[n] < 0 || f.feature[n] >= nFeat)) throw ctx.error(`feature id ${f.feature[n]} is out of range for ${nFeat} features`);
  }
  const out = new Float64Array(nRows * nTargets);
  const seen = new Uint8Array(nTargets);
  for (let r = 0; r < nRows; r++) {
    const acc = out.subarray(r * nTargets, (r + 1) * nTargets);
    seen.fill(0);
    for (const root of f.roots) {
      for (const { target, weight } of f.votes[walk(f, root, v, r * nFeat, ctx)]) {
        if (target < 0 || target >= nTargets) throw ctx.error(`target id ${target} is out of range for ${nTargets} targets`);
        if (agg === AGG.MIN) acc[target] = seen[target] ? Math.min(acc[target], weight) : weight;
        else if (agg === AGG.MAX) acc[target] = seen[target] ? Math.max(acc[target], weight) : weight;
        else acc[target] += weight;
        seen[target] = 1;
      }
    }
    for (let t = 0; t < nTargets; t++) {
      if (agg === AGG.AVERAGE) acc[t] /= f.roots.length;
      acc[t] += base[t] ?? 0;
    }
  }
  return out;
}

/** Inverse error function (Giles' approximation), for PROBIT. */
function erfinv(x: number): number {
  let w = -Math.log((1 - x) * (1 + x));
  let p: number;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-8;
    for (const c of [3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]) p = c + p * w;
  } else {
    w = Math.sqrt(w) - 3;
    p = -0.000200214257;
    for (const c of [0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]) p = c + p * w;
  }
  return p * x;
}

function postTransform(s: Float64Array, cols: number, kind: number): void {
  for (let r = 0; r * cols < s.length; r++) {
    const row = s.subarray(r * cols, (r + 1) * cols);
    if (kind === POST.LOGISTIC) for (let i = 0; i < cols; i++) row[i] = 1 / (1 + Math.exp(-row[i]));
    else if (kind === POST.PROBIT) for (let i = 0; i < cols; i++) row[i] = Math.SQRT2 * erfinv(2 * row[i] - 1);
    else if (kind === POST.SOFTMAX || kind === POST.SOFTMAX_ZERO) {
      const zero = kind === POST.SOFTMAX_ZERO;
      let m = -Infinity;
      for (let i = 0; i < cols; i++) if (!zero || row[i] !== 0) m = Math.max(m, row[i]);
      let sum = 0;
      for (let i = 0; i < cols; i++) {
        row[i] = zero && row[i] === 0 ? 0 : Math.exp(row[i] - m);
        sum += row[i];
      }
      for (let i = 0; i < cols; i++) row[i] = sum === 0 ? 0 : row[i] / sum;
    }
  }
}

const tensorNums = (t: Tensor | undefined): number[] => (t ? Array.from(readNumbers(t)) : []);

/** TreeEnsemble (ai.onnx.ml opset 5): leaves are separate from nodes; X's dtype is kept. */
function treeEnsemble(ctx: KernelContext): Tensor[] {
  const a = ctx.attrs;
  const x = ctx.input(0);
  const feature = a.ints('nodes_featureids');
  const modes = tensorNums(a.tensor('nodes_modes'));
  const splits = tensorNums(a.tensor('nodes_splits'));
  const tn = a.ints('nodes_truenodeids'), tl = a.ints('nodes_trueleafs');
  const fn = a.ints('nodes_falsenodeids'), fl = a.ints('nodes_falseleafs');
  const missing = a.ints('nodes_missing_value_tracks_true', []);
  const leafTargets = a.ints('leaf_targetids');
  const leafWeights = tensorNums(a.tensor('leaf_weights'));
  const members = a.has('membership_values') ? tensorNums(a.tensor('membership_values')) : [];
  const nNodes = feature.length;
  for (const [name, arr] of [['nodes_modes', modes], ['nodes_splits', splits], ['nodes_truenodeids', tn], ['nodes_trueleafs', tl], ['nodes_falsenodeids', fn], ['nodes_falseleafs', fl]] as const) {
    if (arr.length !== nNodes) throw ctx.attrs.error(`${name} has ${arr.length} entries, nodes_featureids has ${nNodes}`);
  }
  if (leafTargets.length !== leafWeights.length) throw ctx.attrs.error('leaf_targetids and leaf_weights differ in length');
  const f = emptyForest();
  let setStart = 0;
  const child = (id: number, isLeaf: number): number => {
    const limit = isLeaf ? leafTargets.length : nNodes;
    if (id < 0 || id >= limit) throw ctx.attrs.error(`${isLeaf ? 'leaf' : 'node'} id ${id} is out of range`);
    return isLeaf ? nNodes + id : id;
  };
  for (let i = 0; i < nNodes; i++) {
    f.feature.push(feature[i]);
    f.mode.push(modes[i]);
    f.split.push(splits[i]);
    f.trueChild.push(child(tn[i], tl[i]));
    f.falseChild.push(child(fn[i], fl[i]));
    f.missingTrue.push(!!missing[i]);
    f.votes.push([]);
    if (modes[i] === MEMBER) {
      const s = new Set<number>();
      while (setStart < members.length && !Number.isNaN(members[setStart])) s.add(members[setStart++]);
      setStart++;
      f.sets.push(s);
    } else {
      if (modes[i] < 0 || modes[i] > MEMBER) throw ctx.attrs.error(`node ${i} has unknown mode ${modes[i]}`);
      f.sets.push(undefined);
    }
  }
  for (let l = 0; l < leafTargets.length; l++) {
    f.feature.push(0); f.mode.push(LEAF); f.split.push(0); f.trueChild.push(-1); f.falseChild.push(-1);
    f.missingTrue.push(false); f.sets.push(undefined);
    f.votes.push([{ target: leafTargets[l], weight: leafWeights[l] }]);
  }
  f.roots = a.ints('tree_roots').map((r) => child(r, 0));
  const nTargets = a.int('n_targets');
  const s = score(ctx, f, x, nTargets, a.int('aggregate_function', 1), []);
  postTransform(s, nTargets, a.int('post_transform', 0));
  const dtype: DType = x.dtype === 'float64' || x.dtype === 'float16' ? x.dtype : 'float32';
  return [fromNumbers(dtype, [s.length / nTargets, nTargets], s)];
}

/** Builds the forest of TreeEnsembleRegressor/Classifier (nodes keyed by (tree id, node id)). */
function legacyForest(ctx: KernelContext, prefix: 'target' | 'class'): Forest {
  const a = ctx.attrs;
  const treeIds = a.ints('nodes_treeids'), nodeIds = a.ints('nodes_nodeids');
  const feature = a.ints('nodes_featureids');
  const modes = a.strings('nodes_modes');
  const values = a.has('nodes_values_as_tensor') ? tensorNums(a.tensor('nodes_values_as_tensor')) : a.floats('nodes_values', []);
  const tn = a.ints('nodes_truenodeids'), fn = a.ints('nodes_falsenodeids');
  const missing = a.ints('nodes_missing_value_tracks_true', []);
  const index = new Map<string, number>();
  treeIds.forEach((t, i) => index.set(`${t}/${nodeIds[i]}`, i));
  const f = emptyForest();
  const lookup = (tree: number, id: number): number => {
    const n = index.get(`${tree}/${id}`);
    if (n === undefined) throw ctx.attrs.error(`tree ${tree} has no node ${id}`);
    return n;
  };
  const rootOf = new Map<number, number>();
  for (let i = 0; i < treeIds.length; i++) {
    const mode = MODE_NAMES[modes[i]];
    if (mode === undefined) throw ctx.attrs.error(`node ${i} has unknown mode '${modes[i]}'`);
    f.feature.push(feature[i]); f.mode.push(mode); f.split.push(values[i] ?? 0);
    f.trueChild.push(mode === LEAF ? -1 : lookup(treeIds[i], tn[i]));
    f.falseChild.push(mode === LEAF ? -1 : lookup(treeIds[i], fn[i]));
    f.missingTrue.push(!!missing[i]); f.sets.push(undefined); f.votes.push([]);
    const prev = rootOf.get(treeIds[i]);
    if (prev === undefined || nodeIds[i] < nodeIds[prev]) rootOf.set(treeIds[i], i);
  }
  const vTrees = a.ints(`${prefix}_treeids`, []), vNodes = a.ints(`${prefix}_nodeids`, []);
  const vIds = a.ints(`${prefix}_ids`, []);
  const vWeights = a.has(`${prefix}_weights_as_tensor`) ? tensorNums(a.tensor(`${prefix}_weights_as_tensor`)) : a.floats(`${prefix}_weights`, []);
  for (let i = 0; i < vTrees.length; i++) f.votes[lookup(vTrees[i], vNodes[i])].push({ target: vIds[i], weight: vWeights[i] });
  f.roots = [...rootOf.values()];
  return f;
}

function baseValues(ctx: KernelContext): number[] {
  return ctx.attrs.has('base_values_as_tensor') ? tensorNums(ctx.attrs.tensor('base_values_as_tensor')) : ctx.attrs.floats('base_values', []);
}

function treeEnsembleRegressor(ctx: KernelContext): Tensor[] {
  const f = legacyForest(ctx, 'target');
  const nTargets = ctx.attrs.int('n_targets', 1);
  const agg = AGG[ctx.attrs.string('aggregate_function', 'SUM')];
  const post = POST[ctx.attrs.string('post_transform', 'NONE')];
  if (agg === undefined || post === undefined) throw ctx.attrs.error('unknown aggregate_function or post_transform');
  const s = score(ctx, f, ctx.input(0), nTargets, agg, baseValues(ctx));
  postTransform(s, nTargets, post);
  return [fromNumbers('float32', [s.length / nTargets, nTargets], s)];
}

function treeEnsembleClassifier(ctx: KernelContext): Tensor[] {
  const f = legacyForest(ctx, 'class');
  const strLabels = ctx.attrs.strings('classlabels_strings', []);
  const intLabels = ctx.attrs.ints('classlabels_int64s', []);
  const nClasses = strLabels.length || intLabels.length;
  if (!nClasses) throw ctx.attrs.error('classlabels_strings or classlabels_int64s is required');
  const post = POST[ctx.attrs.string('post_transform', 'NONE')];
  if (post === undefined) throw ctx.attrs.error('unknown post_transform');
  const usedIds = new Set(f.votes.flat().map((v) => v.target));
  // Binary models often store votes for one class only: the other class's score is derived from it.
  const binary = nClasses === 2 && usedIds.size === 1;
  const s = score(ctx, f, ctx.input(0), nClasses, AGG.SUM, baseValues(ctx));
  const rows = s.length / nClasses;
  const labelIdx = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = s.subarray(r * nClasses, (r + 1) * nClasses);
    if (binary) {
      const v = row[[...usedIds][0]];
      if (post === POST.NONE) { row[0] = 1 - v; row[1] = v; labelIdx[r] = v > 0.5 ? 1 : 0; continue; }
      row[0] = -v; row[1] = v; labelIdx[r] = v > 0 ? 1 : 0;
    } else {
      let best = 0;
      for (let c = 1; c < nClasses; c++) if (row[c] > row[best]) best = c;
      labelIdx[r] = best;
    }
  }
  postTransform(s, nClasses, post);
  const labels = strLabels.length
    ? makeTensor('string', [rows], Array.from(labelIdx, (i) => strLabels[i]))
    : fromNumbers('int64', [rows], Array.from(labelIdx, (i) => intLabels[i]));
  const z = allocTensor('float32', [rows, nClasses]);
  (z.data as Float32Array).set(s);
  return [labels, z];
}

export const treeKernels: KernelTable = {
  'ai.onnx.ml::TreeEnsemble': treeEnsemble,
  'ai.onnx.ml::TreeEnsembleRegressor': treeEnsembleRegressor,
  'ai.onnx.ml::TreeEnsembleClassifier': treeEnsembleClassifier,
};
