/**
 * External tensor data (TensorProto.data_location = EXTERNAL): resolves `location` inside the model's
 * folder and reads exactly `length` bytes at `offset`. A model is untrusted input, so the file must stay
 * inside the folder: no absolute paths, no '..' components, no symlink leading out (realpath containment).
 *
 * Hardlinks: a hardlink's realpath is its own in-folder name, so containment cannot prove where its data
 * really lives (it may be a second name for a file elsewhere, e.g. a secret outside the folder). We choose
 * to reject any external-data file with nlink > 1, unless the caller opts in with `allowHardlinks`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TensorJetError } from '../errors.js';
import type { StringStringEntryProto } from './proto.js';

export interface ExternalDataOptions {
  /** folder the model was loaded from; external data is resolved (and confined) here */
  baseDir?: string;
  /** accept external-data files with several hard links (default false, see above) */
  allowHardlinks?: boolean;
}

function fail(tensor: string, file: string, message: string): never {
  throw new TensorJetError('E_EXTERNAL_DATA', `tensor '${tensor}': external data '${file}': ${message}`, { tensor, path: file });
}

function parseCount(tensor: string, file: string, key: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(Number(v))) fail(tensor, file, `invalid ${key} '${v}'`);
  return Number(v);
}

/** Reads the external bytes of tensor `tensor`; `expectedBytes` is what dims * dtype need. */
export function readExternalData(
  tensor: string,
  entries: StringStringEntryProto[],
  expectedBytes: number,
  opts: ExternalDataOptions,
): Uint8Array {
  const kv = new Map(entries.map((e) => [e.key, e.value]));
  const location = kv.get('location') ?? '';
  if (!location) fail(tensor, location, "missing 'location' key");
  if (path.isAbsolute(location) || path.win32.isAbsolute(location) || /^[a-zA-Z]:/.test(location)) {
    fail(tensor, location, 'absolute paths are not allowed (must be relative to the model folder)');
  }
  if (location.split(/[\\/]/).some((c) => c === '..')) fail(tensor, location, "'..' path components are not allowed");
  if (location.includes('\0')) fail(tensor, location, 'NUL in path');
  if (opts.baseDir === undefined) fail(tensor, location, 'the model was given as bytes without baseDir, cannot resolve external data');

  const full = path.join(opts.baseDir, location);
  let realBase: string;
  let realFile: string;
  try {
    realBase = fs.realpathSync(opts.baseDir);
  } catch {
    fail(tensor, location, `model folder '${opts.baseDir}' does not exist`);
  }
  try {
    realFile = fs.realpathSync(full);
  } catch {
    fail(tensor, location, `file not found (looked for '${full}')`);
  }
  if (!realFile.startsWith(realBase.endsWith(path.sep) ? realBase : realBase + path.sep)) {
    fail(tensor, location, `resolves to '${realFile}', outside the model folder '${realBase}' (symlink?)`);
  }
  const st = fs.statSync(realFile);
  if (!st.isFile()) fail(tensor, location, 'not a regular file');
  if (st.nlink > 1 && !opts.allowHardlinks) {
    fail(tensor, location, `file has ${st.nlink} hard links; its real location cannot be verified (pass allowHardlinks to accept)`);
  }

  const offset = parseCount(tensor, location, 'offset', kv.get('offset')) ?? 0;
  const length = parseCount(tensor, location, 'length', kv.get('length')) ?? Math.max(0, st.size - offset);
  if (offset + length > st.size) {
    fail(tensor, location, `offset ${offset} + length ${length} = ${offset + length} is beyond the end of the file (${st.size} bytes)`);
  }
  if (length !== expectedBytes) {
    fail(tensor, location, `length ${length} does not match the ${expectedBytes} bytes its shape and dtype need`);
  }
  const out = new Uint8Array(length);
  const fd = fs.openSync(realFile, 'r');
  try {
    let done = 0;
    while (done < length) {
      const k = fs.readSync(fd, out, done, length - done, offset + done);
      if (k <= 0) fail(tensor, location, `short read at byte ${offset + done}`);
      done += k;
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}
