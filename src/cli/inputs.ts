/** --input name=<file.npy|file.pb|0,1,2,3,4> and --random: builds the feeds for run/bench. */
import { existsSync } from 'node:fs';
import { TensorJetError } from '../errors.js';
import { readFileBytes } from '../plan/read.js';
import { readTensorProto } from '../onnx/import.js';
import { readNumbers } from '../backends/cpu/util.js';
import { isBigInt, isFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../runtime/tensors.js';
import type { TensorInfo } from '../runtime/engine.js';
import { readNpy } from './npy.js';
import { formatShape } from './format.js';

const bad = (input: string, message: string) => new TensorJetError('E_INPUT', message, { input });

/** Concrete dims for an input: dynamic dims take the first profile's opt, else 1. */
export function defaultDims(info: TensorInfo): number[] {
  const opt = info.profiles[0]?.opt;
  return info.shape.map((d, i) => (typeof d === 'number' && d >= 0 ? d : opt?.[i] ?? 1));
}

/** Converts a file tensor to the input's dtype when both are numeric (numpy saves float64 by default). */
function toInputDtype(t: Tensor, info: TensorInfo): Tensor {
  if (t.dtype === info.dtype || t.dtype === 'string' || info.dtype === 'string') return t;
  const values = readNumbers(t);
  const conv = isBigInt(info.dtype) ? Array.from(values, (v) => BigInt(Math.trunc(v))) : Array.from(values);
  return tensor(info.dtype, t.dims, conv);
}

function parseList(text: string, info: TensorInfo): Tensor {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const values = parts.map((p) => {
    if (info.dtype === 'string') return p;
    if (info.dtype === 'bool') return p === 'true' || p === '1';
    const v = Number(p);
    if (Number.isNaN(v) && p.toLowerCase() !== 'nan') throw bad(info.name, `input '${info.name}': '${p}' is not a number`);
    return isBigInt(info.dtype) ? BigInt(Math.trunc(v)) : v;
  });
  const dims = defaultDims(info);
  const need = dims.reduce((a, b) => a * b, 1);
  if (need === values.length) return tensor(info.dtype, dims, values as number[]);
  if (dims.length <= 1) return tensor(info.dtype, [values.length], values as number[]);
  throw bad(info.name, `input '${info.name}' got ${values.length} values, its shape ${formatShape(info.shape)} needs ${need}; pass a .npy file for other shapes`);
}

export function loadInput(spec: string, info: TensorInfo): Tensor {
  if (/\.(npy|pb)$/i.test(spec) || (existsSync(spec) && !/^[-\d.,\s]+$/.test(spec))) {
    const bytes = readFileBytes(spec, `input file for '${info.name}'`);
    const t = /\.npy$/i.test(spec) ? readNpy(bytes, spec) : readTensorProto(bytes);
    return toInputDtype(t, info);
  }
  return parseList(spec, info);
}

/** Deterministic pseudo-random values (floats in [-1, 1), ints in [0, 10), bools). */
export function randomInput(info: TensorInfo, seed = 1): Tensor {
  const dims = defaultDims(info);
  const n = dims.reduce((a, b) => a * b, 1);
  let s = seed >>> 0 || 1;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  if (info.dtype === 'string') return tensor('string', dims, Array.from({ length: n }, () => 'a'));
  if (info.dtype === 'bool') return tensor('bool', dims, Array.from({ length: n }, () => next() < 0.5));
  if (isFloat(info.dtype)) return tensor(info.dtype, dims, Array.from({ length: n }, () => next() * 2 - 1));
  const ints = Array.from({ length: n }, () => Math.floor(next() * 10));
  return tensor(info.dtype, dims, isBigInt(info.dtype) ? ints.map(BigInt) : ints);
}

/**
 * Feeds from `--input` specs ("name=value", or a bare value when the model has one input) and --random
 * for the inputs not given.
 */
export function buildFeeds(specs: string[], inputs: readonly TensorInfo[], random: boolean): Record<string, Tensor> {
  const byName = new Map(inputs.map((i) => [i.name, i]));
  const feeds: Record<string, Tensor> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    let name = eq > 0 ? spec.slice(0, eq) : '';
    let value = eq > 0 ? spec.slice(eq + 1) : spec;
    if (!byName.has(name)) {
      if (eq > 0 && !existsSync(spec)) throw new TensorJetError('E_USAGE', `--input names '${name}', which is not a model input (inputs: ${inputs.map((i) => i.name).join(', ')})`);
      if (inputs.length !== 1) throw new TensorJetError('E_USAGE', `--input '${spec}' needs a name: the model has inputs ${inputs.map((i) => i.name).join(', ')}`);
      name = inputs[0]!.name;
      value = spec;
    }
    feeds[name] = loadInput(value, byName.get(name)!);
  }
  inputs.forEach((info, i) => {
    if (feeds[info.name]) return;
    if (!random) throw new TensorJetError('E_USAGE', `missing input '${info.name}' (${info.dtype} ${formatShape(info.shape)}): give --input ${info.name}=<file.npy|file.pb|0,1,2> or --random`);
    feeds[info.name] = randomInput(info, i + 1);
  });
  return feeds;
}
