/**
 * Reads plan files. Everything is checked before use: magic, format version, header length, section
 * sizes against the file size, the sha256 checksum, then every weight's offset against the blob.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TensorJetError } from '../errors.js';
import {
  alignUp, CHECKSUM_BYTES, deserializeGraph, PLAN_FORMAT_VERSION, PLAN_MAGIC, PREAMBLE_BYTES, readWeights,
  type PlanFileHeader,
} from './format.js';
import type { Plan, PlanHeader, PlanTarget } from './types.js';

const corrupt = (message: string, fields: Record<string, unknown> = {}) =>
  new TensorJetError('E_PLAN_CORRUPT', message, fields);

/** True when `bytes` start with the plan magic. */
export function isPlanBytes(bytes: Uint8Array): boolean {
  return bytes.byteLength >= PLAN_MAGIC.length && PLAN_MAGIC.every((b, i) => bytes[i] === b);
}

interface Located {
  fileHeader: PlanFileHeader;
  blobStart: number;
}

/** Checks magic, version, sizes and checksum; returns the parsed JSON header. */
function locate(bytes: Uint8Array, source: string): Located {
  const size = bytes.byteLength;
  if (!isPlanBytes(bytes)) throw corrupt(`${source} is not a TensorJet plan (bad magic)`, { path: source });
  if (size < PREAMBLE_BYTES + CHECKSUM_BYTES) {
    throw corrupt(`plan ${source} is truncated: ${size} bytes, the smallest plan has ${PREAMBLE_BYTES + CHECKSUM_BYTES}`, { path: source, size });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  const version = view.getUint32(8, true);
  if (version !== PLAN_FORMAT_VERSION) {
    throw new TensorJetError(
      'E_PLAN_VERSION',
      `plan ${source} has format version ${version}, this TensorJet reads version ${PLAN_FORMAT_VERSION}; rebuild the plan`,
      { path: source, version, supported: PLAN_FORMAT_VERSION },
    );
  }
  const headerLength = view.getUint32(12, true);
  if (PREAMBLE_BYTES + headerLength + CHECKSUM_BYTES > size) {
    throw corrupt(`plan ${source} is truncated: its header needs ${PREAMBLE_BYTES + headerLength + CHECKSUM_BYTES} bytes, the file has ${size}`, { path: source, size });
  }
  let fileHeader: PlanFileHeader;
  try {
    fileHeader = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + PREAMBLE_BYTES, headerLength).toString('utf8'));
  } catch {
    throw corrupt(`plan ${source} is corrupted: its header is not valid JSON`, { path: source });
  }
  const { weightsBytes, kernels } = fileHeader ?? {};
  const okInt = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
  if (!fileHeader?.header || !okInt(weightsBytes) || !okInt(kernels?.offset) || !okInt(kernels?.byteLength) || kernels.offset < weightsBytes) {
    throw corrupt(`plan ${source} is corrupted: its header lacks valid section sizes`, { path: source });
  }
  const blobStart = alignUp(PREAMBLE_BYTES + headerLength);
  const expected = blobStart + kernels.offset + kernels.byteLength + CHECKSUM_BYTES;
  if (size < expected) throw corrupt(`plan ${source} is truncated: expected ${expected} bytes, the file has ${size}`, { path: source, size, expected });
  if (size > expected) throw corrupt(`plan ${source} is corrupted: expected ${expected} bytes, the file has ${size}`, { path: source, size, expected });
  const digest = createHash('sha256').update(bytes.subarray(0, size - CHECKSUM_BYTES)).digest();
  const stored = bytes.subarray(size - CHECKSUM_BYTES);
  if (!digest.every((b, i) => b === stored[i])) {
    throw corrupt(`plan ${source} is corrupted: checksum mismatch (sha256)`, { path: source });
  }
  return { fileHeader, blobStart };
}

/** Only the header (inspect): cheap, but still fully checked. */
export function readPlanHeader(bytes: Uint8Array, source = '(bytes)'): PlanHeader {
  return locate(bytes, source).fileHeader.header;
}

/** Parses plan bytes into header, model (weights materialized) and kernel bytes. */
export function parsePlan(bytes: Uint8Array, source = '(bytes)'): Plan {
  const { fileHeader, blobStart } = locate(bytes, source);
  const blob = bytes.subarray(blobStart, blobStart + fileHeader.weightsBytes);
  const weights = readWeights(fileHeader.weights, blob);
  const m = fileHeader.model;
  if (!m || !Array.isArray(m.opsets)) throw corrupt(`plan ${source} is corrupted: model metadata is missing`, { path: source });
  const graph = deserializeGraph(fileHeader.graph, weights);
  const k = blobStart + fileHeader.kernels.offset;
  return {
    header: fileHeader.header,
    model: { irVersion: m.irVersion, producerName: m.producerName, producerVersion: m.producerVersion, opsets: new Map(m.opsets), graph },
    kernels: bytes.slice(k, k + fileHeader.kernels.byteLength),
  };
}

export function readFileBytes(path: string, what = 'file'): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'it is a directory' : (err.code ?? err.message);
    throw new TensorJetError('E_IO', `cannot read ${what} '${path}': ${why}`, { path }, { cause: e });
  }
}

export function readPlanFile(path: string): Plan {
  return parsePlan(readFileBytes(path, 'plan'), `'${path}'`);
}

/** Human description of a target: "sm_90 (NVIDIA H100)", "cpu". */
export function describeTarget(t: PlanTarget): string {
  if (t.backend === 'cpu') return 'cpu';
  return t.deviceName ? `${t.arch} (${t.deviceName})` : t.arch;
}

/**
 * Refuses a plan whose target does not match the device it is loaded on:
 * "plan built for sm_90 (NVIDIA H100) cannot run on cpu".
 */
export function checkPlanTarget(planTarget: PlanTarget, device: PlanTarget, deviceLabel?: string): void {
  const same = planTarget.backend === device.backend && (planTarget.backend === 'cpu' || planTarget.arch === device.arch);
  if (!same) {
    const on = deviceLabel ?? describeTarget(device);
    throw new TensorJetError('E_PLAN_TARGET', `plan built for ${describeTarget(planTarget)} cannot run on ${on}; rebuild it for this device`, {
      planTarget: describeTarget(planTarget),
      device: on,
    });
  }
}
