/** Serializes a plan to bytes (format.ts describes the layout) and writes plan files atomically. */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { TensorJetError } from '../errors.js';
import type { TensorData } from '../tensor/dtype.js';
import {
  alignUp, CHECKSUM_BYTES, PLAN_FORMAT_VERSION, PLAN_MAGIC, PREAMBLE_BYTES, serializeGraph, WeightCollector,
  type PlanFileHeader,
} from './format.js';
import type { Plan } from './types.js';

export function serializePlan(plan: Plan): Uint8Array {
  if (endianness() !== 'LE') throw new TensorJetError('E_IO', 'plan files can only be written on little-endian hosts');
  const w = new WeightCollector();
  const graph = serializeGraph(plan.model.graph, w);
  const kernelsOffset = w.totalBytes;
  const fileHeader: PlanFileHeader = {
    header: { ...plan.header, formatVersion: PLAN_FORMAT_VERSION },
    model: {
      irVersion: plan.model.irVersion,
      producerName: plan.model.producerName,
      producerVersion: plan.model.producerVersion,
      opsets: [...plan.model.opsets],
    },
    graph,
    weights: w.entries,
    weightsBytes: w.totalBytes,
    kernels: { offset: kernelsOffset, byteLength: plan.kernels.byteLength },
  };
  const json = Buffer.from(JSON.stringify(fileHeader), 'utf8');
  const blobStart = alignUp(PREAMBLE_BYTES + json.byteLength);
  const total = blobStart + kernelsOffset + plan.kernels.byteLength + CHECKSUM_BYTES;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(PLAN_MAGIC, 0);
  view.setUint32(8, PLAN_FORMAT_VERSION, true);
  view.setUint32(12, json.byteLength, true);
  out.set(json, PREAMBLE_BYTES);
  w.entries.forEach((e, i) => {
    if (e.offset === undefined) return;
    const data = w.tensors[i]!.data as Exclude<TensorData, string[]>;
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), blobStart + e.offset);
  });
  out.set(plan.kernels, blobStart + kernelsOffset);
  const digest = createHash('sha256').update(out.subarray(0, total - CHECKSUM_BYTES)).digest();
  out.set(digest, total - CHECKSUM_BYTES);
  return out;
}

/**
 * Writes `bytes` to `path` atomically: a temp file next to it, fsync, rename. On any failure the temp
 * file is removed, so a reader never sees a half-written plan.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx');
    let written = 0;
    while (written < bytes.byteLength) written += writeSync(fd, bytes, written, bytes.byteLength - written);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) {
      try { closeSync(fd); } catch { /* already failing */ }
    }
    try { unlinkSync(tmp); } catch { /* never created */ }
    const err = e as NodeJS.ErrnoException;
    throw new TensorJetError('E_IO', `cannot write plan '${path}': ${err.code ?? err.message}`, { path }, { cause: e });
  }
}

/** Serializes and writes a plan atomically; returns the bytes written. */
export function writePlan(path: string, plan: Plan): Uint8Array {
  const bytes = serializePlan(plan);
  writeFileAtomic(path, bytes);
  return bytes;
}
