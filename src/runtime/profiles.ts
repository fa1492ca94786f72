/** Shape profiles: validation at build time, resolution of symbolic dims, and the runtime range check. */
import { TensorJetError } from '../errors.js';
import type { Dim, Graph, ValueInfo } from '../ir/graph.js';
import type { ShapeProfile, ShapeRange } from '../plan/types.js';

const fmt = (d: readonly (Dim | number)[]) => `[${d.join(', ')}]`;
const usage = (message: string, fields: Record<string, unknown> = {}) => new TensorJetError('E_USAGE', message, fields);

/** Graph inputs that are fed at run time (initializers listed as inputs are excluded). */
export function runtimeInputs(graph: Graph): ValueInfo[] {
  return graph.inputs.filter((i) => !graph.constants.has(i.name));
}

export function inputShape(v: ValueInfo): Dim[] | undefined {
  return v.type.kind === 'tensor' ? v.type.shape : undefined;
}

/** Accepts one profile or a list; checks min <= opt <= max, ranks and concrete dims against the model. */
export function validateProfiles(shapes: ShapeProfile | ShapeProfile[] | undefined, graph: Graph): ShapeProfile[] {
  if (!shapes) return [];
  const profiles = Array.isArray(shapes) ? shapes : [shapes];
  const inputs = new Map(runtimeInputs(graph).map((i) => [i.name, i]));
  profiles.forEach((profile, p) => {
    const where = profiles.length > 1 ? ` (profile ${p})` : '';
    for (const [name, range] of Object.entries(profile)) {
      const input = inputs.get(name);
      if (!input) throw usage(`shape profile${where} names '${name}', which is not a model input (inputs: ${[...inputs.keys()].join(', ') || 'none'})`, { input: name });
      const r = range as Partial<ShapeRange>;
      for (const k of ['min', 'opt', 'max'] as const) {
        const v = r[k];
        if (!Array.isArray(v) || !v.every((d) => Number.isInteger(d) && d >= 0)) {
          throw usage(`shape profile${where} for '${name}': ${k} must be a list of non-negative integers`, { input: name });
        }
      }
      const { min, opt, max } = r as ShapeRange;
      if (min.length !== opt.length || opt.length !== max.length) {
        throw usage(`shape profile${where} for '${name}': min ${fmt(min)}, opt ${fmt(opt)} and max ${fmt(max)} differ in rank`, { input: name });
      }
      const shape = inputShape(input);
      if (shape && shape.length !== min.length) {
        throw usage(`shape profile${where} for '${name}' has rank ${min.length}, the input has rank ${shape.length} (${fmt(shape)})`, { input: name });
      }
      min.forEach((lo, i) => {
        if (!(lo <= opt[i]! && opt[i]! <= max[i]!)) {
          throw usage(`shape profile${where} for '${name}' dim ${i}: need min <= opt <= max, got ${lo}, ${opt[i]}, ${max[i]}`, { input: name });
        }
        const d = shape?.[i];
        if (typeof d === 'number' && d >= 0 && (lo !== d || max[i] !== d)) {
          throw usage(`shape profile${where} for '${name}' dim ${i} is [${lo}, ${max[i]}], but the model fixes it to ${d}`, { input: name });
        }
      });
    }
  });
  return profiles;
}

/** Symbolic input dims that every profile pins to one value become concrete in the model. */
export function resolveSymbolicDims(graph: Graph, profiles: ShapeProfile[]): void {
  if (!profiles.length) return;
  for (const input of runtimeInputs(graph)) {
    if (input.type.kind !== 'tensor' || !input.type.shape) continue;
    const ranges = profiles.map((p) => p[input.name]);
    if (ranges.some((r) => !r)) continue;
    input.type = {
      ...input.type,
      shape: input.type.shape.map((d, i) => {
        if (typeof d === 'number' && d >= 0) return d;
        const v = ranges[0]!.min[i]!;
        return ranges.every((r) => r!.min[i] === v && r!.max[i] === v) ? v : d;
      }),
    };
  }
}

/**
 * Null when `dims` fit the profile for `name`, else the reason:
 * "input 'x' dim 0 is 64, outside the profile range [1, 32]".
 */
export function profileViolation(name: string, dims: readonly number[], profile: ShapeProfile): string | null {
  const r = profile[name];
  if (!r) return null;
  if (r.min.length !== dims.length) return `input '${name}' has rank ${dims.length}, the profile has rank ${r.min.length}`;
  for (let i = 0; i < dims.length; i++) {
    if (dims[i]! < r.min[i]! || dims[i]! > r.max[i]!) {
      return `input '${name}' dim ${i} is ${dims[i]}, outside the profile range [${r.min[i]}, ${r.max[i]}]`;
    }
  }
  return null;
}

/** Parses the CLI form "1x3x224x224/8x3x224x224/32x3x224x224" (min/opt/max; one shape = fixed). */
export function parseShapeRange(text: string, name: string): ShapeRange {
  const parts = text.split('/').map((s) => s.trim());
  if (parts.length !== 1 && parts.length !== 3) {
    throw usage(`--shapes ${name}: expected one shape or min/opt/max (e.g. 1x3x224x224/8x3x224x224/32x3x224x224), got '${text}'`);
  }
  const shapes = parts.map((p) => {
    const dims = p === '' ? [] : p.split('x').map((d) => Number(d));
    if (!dims.every((d) => Number.isInteger(d) && d >= 0)) throw usage(`--shapes ${name}: '${p}' is not a shape like 1x3x224x224`);
    return dims;
  });
  return { min: shapes[0]!, opt: shapes[1] ?? shapes[0]!, max: shapes[2] ?? shapes[0]! };
}
