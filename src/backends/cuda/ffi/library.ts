/** Finds a native library by soname in the usual places; E_LIBRARY_NOT_FOUND says what and where was searched. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TensorJetError } from '../../../errors.js';

/** Directories searched, in order: CUDA_HOME/CUDA_PATH, LD_LIBRARY_PATH, /usr/local/cuda, system dirs, pip wheels. */
export function librarySearchDirs(): string[] {
  const dirs: string[] = [];
  for (const v of ['CUDA_HOME', 'CUDA_PATH']) {
    const root = process.env[v];
    if (root) dirs.push(join(root, 'lib64'), join(root, 'lib'), join(root, 'targets/x86_64-linux/lib'));
  }
  for (const d of (process.env.LD_LIBRARY_PATH ?? '').split(':')) if (d) dirs.push(d);
  dirs.push(
    '/usr/local/cuda/lib64',
    '/usr/local/cuda/targets/x86_64-linux/lib',
    '/usr/local/nvidia/lib64',
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib64',
    '/usr/lib/wsl/lib',
  );
  // python site-packages nvidia/*/lib (pip wheels such as nvidia-cuda-nvrtc-cu12)
  for (const base of ['/usr/lib/python3/dist-packages', '/usr/local/lib']) {
    try {
      for (const py of readdirSync(base)) {
        const nv = join(base, py, 'site-packages', 'nvidia');
        if (existsSync(nv)) for (const pkg of readdirSync(nv)) dirs.push(join(nv, pkg, 'lib'));
      }
    } catch {
      /* not there */
    }
  }
  return [...new Set(dirs)];
}

/**
 * Returns a loadable path for the first of `sonames` found: a bare soname first resolved by the dynamic
 * loader (`tryLoad`), else each search dir (also versioned names like libnvrtc.so.13.0 by prefix).
 */
export function findLibrary(label: string, sonames: string[], tryLoad: (path: string) => boolean): string {
  const dirs = librarySearchDirs();
  for (const dir of dirs) {
    for (const so of sonames) {
      const p = join(dir, so);
      if (existsSync(p) && tryLoad(p)) return p;
    }
  }
  for (const so of sonames) if (tryLoad(so)) return so;
  // versioned files (libnvrtc.so.13.0.88) not covered by the sonames above
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const so of sonames) {
      const base = so.replace(/\.so.*$/, '.so');
      const hit = names.filter((n) => n.startsWith(base + '.')).sort().reverse()[0];
      if (hit && tryLoad(join(dir, hit))) return join(dir, hit);
    }
  }
  throw new TensorJetError(
    'E_LIBRARY_NOT_FOUND',
    `${label} not found: looked for ${sonames.join(', ')} through the dynamic loader and in ${dirs.join(', ')} (set CUDA_HOME or LD_LIBRARY_PATH)`,
    { library: label, searched: dirs },
  );
}
