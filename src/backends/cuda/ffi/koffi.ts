/** Loads koffi lazily (synchronously, through require) so that nothing native loads until CUDA is asked for. */
import { createRequire } from 'node:module';
import type * as KoffiNs from 'koffi';

export type Koffi = typeof KoffiNs;
export type KoffiLib = ReturnType<Koffi['load']>;
let cached: Koffi | undefined;

export function koffi(): Koffi {
  if (!cached) cached = createRequire(import.meta.url)('koffi') as Koffi;
  return cached;
}

/** Opens a library with koffi; false instead of an exception (for library discovery). */
export function tryOpen(path: string): KoffiLib | undefined {
  try {
    return koffi().load(path);
  } catch {
    return undefined;
  }
}
