/** Stream capture into an instantiated CUDA graph (capture mode is always left, also when `enqueue` throws). */
import { CU_STREAM_CAPTURE_MODE_THREAD_LOCAL, type Driver } from './ffi/driver.js';

/** Captures what `enqueue` puts on `stream`; returns the graph exec (cuGraphExecDestroy it). */
export function captureGraph(d: Driver, stream: number, enqueue: () => void): number {
  d.check(d.fn.cuStreamBeginCapture(stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), 'cuStreamBeginCapture');
  const g: [number] = [0];
  try {
    enqueue();
  } catch (e) {
    d.fn.cuStreamEndCapture(stream, g); // leave capture mode; the partial graph is dropped
    if (g[0]) d.fn.cuGraphDestroy(g[0]);
    throw e;
  }
  d.check(d.fn.cuStreamEndCapture(stream, g), 'cuStreamEndCapture');
  const graph = Number(g[0]);
  try {
    return d.out('cuGraphInstantiate', graph, 0);
  } finally {
    d.fn.cuGraphDestroy(graph);
  }
}
