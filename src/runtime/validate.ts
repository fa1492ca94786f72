/** Checks inference feeds against the engine's inputs: names, dtypes, ranks, dims, data length, profiles. */
import { TensorJetError } from '../errors.js';
import { DTYPES } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ShapeProfile } from '../plan/types.js';
import type { TensorInfo } from './engine.js';
import { profileViolation } from './profiles.js';

const fmt = (d: readonly unknown[]) => `[${d.join(', ')}]`;
const bad = (input: string, message: string, extra: Record<string, unknown> = {}) =>
  new TensorJetError('E_INPUT', message, { input, ...extra });

function dataKind(data: unknown): string {
  if (Array.isArray(data)) return 'Array';
  return (data as object | null)?.constructor?.name ?? typeof data;
}

/** A GPU-resident tensor (cuda DeviceTensor): metadata only here, its data stays on the device. */
const onDevice = (t: Tensor): boolean =>
  typeof (t as { ptr?: unknown }).ptr === 'number' && typeof (t as { toHost?: unknown }).toHost === 'function';

/** Validates `feeds` and returns them as a Map in the engine's input order. */
export function validateFeeds(feeds: Record<string, Tensor>, inputs: readonly TensorInfo[], profiles: readonly ShapeProfile[]): Map<string, Tensor> {
  if (!feeds || typeof feeds !== 'object') throw new TensorJetError('E_INPUT', 'infer() takes an object of input tensors, e.g. { input: tensor }');
  const names = inputs.map((i) => i.name);
  for (const name of Object.keys(feeds)) {
    if (!names.includes(name)) throw bad(name, `unknown input '${name}'; the model's inputs are: ${names.join(', ')}`);
  }
  const out = new Map<string, Tensor>();
  const symbols = new Map<string, { input: string; value: number }>();
  for (const info of inputs) {
    const t = feeds[info.name];
    if (t === undefined) {
      throw bad(info.name, `missing input '${info.name}' (${info.dtype} ${fmt(info.shape)}); the model's inputs are: ${names.join(', ')}`);
    }
    const device = !!t && typeof t === 'object' && onDevice(t);
    if (!t || typeof t !== 'object' || !Array.isArray(t.dims) || (!device && t.data === undefined)) {
      throw bad(info.name, `input '${info.name}' is not a tensor ({ dtype, dims, data })`);
    }
    if (t.dtype !== info.dtype) throw bad(info.name, `input '${info.name}' has dtype ${t.dtype}, expected ${info.dtype}`);
    const dims = t.dims;
    if (dims.length !== info.shape.length) {
      throw bad(info.name, `input '${info.name}' has rank ${dims.length} (${fmt(dims)}), expected rank ${info.shape.length} (${fmt(info.shape)})`);
    }
    dims.forEach((d, i) => {
      if (!Number.isInteger(d) || d < 0) throw bad(info.name, `input '${info.name}' dim ${i} is ${d}, not a non-negative integer`);
      const want = info.shape[i];
      if (typeof want === 'number' && want !== d) {
        throw bad(info.name, `input '${info.name}' dim ${i} is ${d}, expected ${want} (shape ${fmt(info.shape)})`);
      }
      if (typeof want === 'string' && want !== '?') {
        const seen = symbols.get(want);
        if (seen && seen.value !== d) {
          throw bad(info.name, `input '${info.name}' dim ${i} ('${want}') is ${d}, but input '${seen.input}' has ${want} = ${seen.value}`);
        }
        if (!seen) symbols.set(want, { input: info.name, value: d });
      }
    });
    if (device) {
      out.set(info.name, t);
      continue;
    }
    const ctor = DTYPES[t.dtype]?.array;
    const okData = ctor ? t.data instanceof ctor : Array.isArray(t.data);
    if (!okData) {
      throw bad(info.name, `input '${info.name}' data is ${dataKind(t.data)}, expected ${ctor ? ctor.name : 'string[]'} for ${t.dtype}`);
    }
    const n = dims.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) {
      throw bad(info.name, `input '${info.name}' has ${t.data.length} values, but dims ${fmt(dims)} need ${n}`);
    }
    out.set(info.name, t);
  }
  if (profiles.length) {
    const reasons = profiles.map((p) => {
      for (const [name, t] of out) {
        const why = profileViolation(name, t.dims, p);
        if (why) return why;
      }
      return null;
    });
    if (!reasons.includes(null)) {
      const first = reasons.find((r) => r !== null)!;
      const input = /input '([^']*)'/.exec(first)?.[1] ?? '';
      if (profiles.length === 1) throw bad(input, first);
      throw bad(input, `inputs fit none of the ${profiles.length} profiles: ${reasons.map((r, i) => `profile ${i}: ${r}`).join('; ')}`);
    }
  }
  return out;
}
