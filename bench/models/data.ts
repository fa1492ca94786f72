/**
 * The data side of the model benchmark: export_models.py manifests, their .npy samples and references,
 * inputs tiled to a batch size, relative L2 error, and the torch peer's JSON lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readNpy } from '../../src/cli/npy.js';
import { fromNumbers, readNumbers } from '../../src/backends/cpu/util.js';
import { allocTensor, type Tensor } from '../../src/tensor/tensor.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { ShapeProfile } from '../../src/plan/types.js';

export interface IOEntry {
  name: string;
  dtype: string;
  shape: (number | string)[];
  file: string;
}

/** <name>.json written by bench/peers/export_models.py */
export interface Manifest {
  name: string;
  onnx: string;
  exporter: string;
  params: number;
  sample_batch: number;
  batches: number[];
  inputs: IOEntry[];
  outputs: IOEntry[];
  [key: string]: unknown;
}

export interface ModelData {
  manifest: Manifest;
  onnxPath: string;
  /** sample inputs (batch manifest.sample_batch) */
  inputs: Map<string, Tensor>;
  /** torch fp32 reference outputs for the sample inputs */
  references: Map<string, Float32Array>;
}

const ORDER = ['mlp', 'resnet50', 'bert', 'yolo'];

export function listManifests(dir: string, only?: string[]): string[] {
  if (!fs.existsSync(dir)) return [];
  const names = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  const known = names.filter((n) => fs.existsSync(path.join(dir, `${n}.onnx`)));
  // cheapest first, so a time budget cuts the big ones
  const rank = (n: string) => { const i = ORDER.indexOf(n); return i < 0 ? ORDER.length : i; };
  return only ? only.filter((n) => known.includes(n)) : known.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function loadModelData(dir: string, name: string): ModelData {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8')) as Manifest;
  const npy = (file: string) => readNpy(new Uint8Array(fs.readFileSync(path.join(dir, file))), file);
  const inputs = new Map(manifest.inputs.map((i) => [i.name, npy(i.file)] as const));
  const references = new Map(manifest.outputs.map((o) => [o.name, Float32Array.from(readNumbers(npy(o.file)))] as const));
  return { manifest, onnxPath: path.join(dir, manifest.onnx), inputs, references };
}

/** One profile covering batch 1..maxBatch, the other dims as in the sample inputs. */
export function batchProfile(inputs: Map<string, Tensor>, maxBatch: number, optBatch: number): ShapeProfile {
  const profile: ShapeProfile = {};
  for (const [name, t] of inputs) {
    const rest = t.dims.slice(1);
    profile[name] = { min: [1, ...rest], opt: [optBatch, ...rest], max: [maxBatch, ...rest] };
  }
  return profile;
}

/** `t` (batch S) repeated row by row to `batch` rows, converted to `dtype` when that differs. */
export function tileBatch(t: Tensor, batch: number, dtype: DType = t.dtype): Tensor {
  const [s, ...rest] = t.dims;
  const row = rest.reduce((a, b) => a * b, 1);
  const out = allocTensor(t.dtype, [batch, ...rest]);
  const src = t.data as unknown as { subarray(a: number, b: number): ArrayLike<number> };
  const dst = out.data as unknown as { set(a: ArrayLike<number>, o: number): void };
  for (let b = 0; b < batch; b++) dst.set(src.subarray((b % s!) * row, (b % s! + 1) * row), b * row);
  return dtype === t.dtype ? out : fromNumbers(dtype, out.dims, readNumbers(out));
}

/** ||a - ref|| / ||ref|| (NaN anywhere gives NaN; a length mismatch gives Infinity). */
export function relL2(actual: Tensor, ref: Float32Array): number {
  const a = readNumbers(actual);
  if (a.length !== ref.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = a[i]! - ref[i]!;
    num += d * d;
    den += ref[i]! * ref[i]!;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

/** One JSON line of bench/peers/torch_peer.py. */
export interface PeerRow {
  kind: 'peer';
  framework: string;
  model: string;
  batch: number;
  variant: string;
  compile_mode?: string;
  status: 'ok' | 'error' | 'skipped';
  median_ms?: number;
  /** host clock around the same calls (the events' median is median_ms) */
  wall_median_ms?: number;
  throughput_per_s?: number;
  sample_rel_l2?: number;
  error?: string;
  gpu?: string;
  torch?: string;
}

/** Peer rows from JSON-lines files (other lines are ignored); the last row for a key wins. */
export function readPeers(files: string[]): PeerRow[] {
  const rows = new Map<string, PeerRow>();
  for (const f of files) {
    if (!fs.existsSync(f)) {
      console.warn(`peer results ${f} not found: torch columns stay empty`);
      continue;
    }
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      if (!line.trim().startsWith('{')) continue;
      try {
        const r = JSON.parse(line) as PeerRow;
        if (r.kind !== 'peer') continue;
        rows.set(`${r.model}|${r.batch}|${r.variant}|${r.compile_mode ?? ''}`, r);
      } catch {
        // a torn line from an interrupted run: skip it
      }
    }
  }
  return [...rows.values()];
}
