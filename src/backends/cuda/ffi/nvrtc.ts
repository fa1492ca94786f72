/** NVRTC bindings: compiles CUDA C++ to a cubin for one arch. `nvrtcCheck` throws E_NVRTC with NVRTC's log. */
import { TensorJetError } from '../../../errors.js';
import { findLibrary } from './library.js';
import { tryOpen, type KoffiLib } from './koffi.js';

type Fn = (...args: unknown[]) => number;
interface NvrtcFns {
  version: Fn;
  create: Fn;
  compile: Fn;
  logSize: Fn;
  log: Fn;
  cubinSize: Fn;
  cubin: Fn;
  destroy: Fn;
  errorString: (status: number) => string;
}

let fns: NvrtcFns | undefined;
let loadError: TensorJetError | undefined;

function load(): NvrtcFns {
  if (fns) return fns;
  if (loadError) throw loadError;
  try {
    let lib: KoffiLib | undefined;
    findLibrary('NVRTC (libnvrtc)', ['libnvrtc.so.13', 'libnvrtc.so.12', 'libnvrtc.so'], (p) => !!(lib = tryOpen(p)));
    const l = lib!;
    fns = {
      version: l.func('int nvrtcVersion(_Out_ int *major, _Out_ int *minor)') as Fn,
      create: l.func('int nvrtcCreateProgram(_Out_ void **prog, const char *src, const char *name, int nh, void *headers, void *names)') as Fn,
      compile: l.func('int nvrtcCompileProgram(void *prog, int n, const char **options)') as Fn,
      logSize: l.func('int nvrtcGetProgramLogSize(void *prog, _Out_ size_t *n)') as Fn,
      log: l.func('int nvrtcGetProgramLog(void *prog, _Out_ uint8_t *log)') as Fn,
      cubinSize: l.func('int nvrtcGetCUBINSize(void *prog, _Out_ size_t *n)') as Fn,
      cubin: l.func('int nvrtcGetCUBIN(void *prog, _Out_ uint8_t *cubin)') as Fn,
      destroy: l.func('int nvrtcDestroyProgram(_Inout_ void **prog)') as Fn,
      errorString: l.func('const char *nvrtcGetErrorString(int status)') as (s: number) => string,
    };
    return fns;
  } catch (e) {
    loadError = e instanceof TensorJetError ? e : new TensorJetError('E_LIBRARY_NOT_FOUND', `NVRTC failed to load: ${(e as Error).message}`);
    throw loadError;
  }
}

/** Throws E_NVRTC with NVRTC's own error string (and the compile log when given). */
export function nvrtcCheck(status: number, what: string, log?: string): void {
  if (status === 0) return;
  const f = load();
  const msg = `${what} failed: ${f.errorString(status)} (${status})${log ? `\n${log.trim()}` : ''}`;
  throw new TensorJetError('E_NVRTC', msg, { call: what, status, log });
}

export function nvrtcVersion(): string {
  const f = load();
  const a: [number] = [0];
  const b: [number] = [0];
  nvrtcCheck(f.version(a, b), 'nvrtcVersion');
  return `${a[0]}.${b[0]}`;
}

/**
 * Compiles `source` to a cubin with `options` (e.g. --gpu-architecture=sm_90). The compile itself runs on a
 * koffi worker thread, so several modules compile at once and the event loop stays free.
 */
export async function nvrtcCompile(source: string, name: string, options: string[]): Promise<{ cubin: Uint8Array; log: string }> {
  const f = load();
  const prog: [unknown] = [null];
  nvrtcCheck(f.create(prog, source, name, 0, null, null), 'nvrtcCreateProgram');
  try {
    const compile = f.compile as Fn & { async: (...args: unknown[]) => void };
    const status = await new Promise<number>((resolve, reject) =>
      compile.async(prog[0], options.length, options, (err: unknown, st: number) => (err ? reject(err) : resolve(st))),
    );
    const n: [number] = [0];
    nvrtcCheck(f.logSize(prog[0], n), 'nvrtcGetProgramLogSize');
    const logBuf = Buffer.alloc(Number(n[0]) + 1);
    nvrtcCheck(f.log(prog[0], logBuf), 'nvrtcGetProgramLog');
    const log = logBuf.toString('utf8').replace(/\0+$/, '');
    nvrtcCheck(status, `nvrtcCompileProgram(${name})`, log);
    nvrtcCheck(f.cubinSize(prog[0], n), 'nvrtcGetCUBINSize');
    const cubin = Buffer.alloc(Number(n[0]));
    nvrtcCheck(f.cubin(prog[0], cubin), 'nvrtcGetCUBIN');
    return { cubin: new Uint8Array(cubin), log };
  } finally {
    f.destroy(prog);
  }
}
