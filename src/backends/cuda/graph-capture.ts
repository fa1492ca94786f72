/**
 * Stream capture into an instantiated CUDA graph (capture mode is always left, also when `enqueue` throws),
 * and GPU timing of captured replays (build-time tactics).
 */
import { CU_STREAM_CAPTURE_MODE_THREAD_LOCAL, type Driver } from './ffi/driver.js';
import { elapsedMs } from './profile.js';

/**
 * Captures what `enqueue` puts on `stream`; returns the graph exec (cuGraphExecDestroy it). `edit` may change
 * the captured graph before it is instantiated.
 */
export function captureGraph(d: Driver, stream: number, enqueue: () => void, edit?: (graph: number) => void): number {
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
    edit?.(graph);
    return d.out('cuGraphInstantiate', graph, 0);
  } finally {
    d.fn.cuGraphDestroy(graph);
  }
}

/** GPU ms of what `enqueue` puts on `stream`, between the timing events `ev` ([start, end]). */
export function streamMs(d: Driver, stream: number, ev: number[], enqueue: () => void): number {
  d.check(d.fn.cuEventRecord(ev[0], stream), 'cuEventRecord');
  enqueue();
  d.check(d.fn.cuEventRecord(ev[1], stream), 'cuEventRecord');
  d.check(d.fn.cuEventSynchronize(ev[1]), 'cuEventSynchronize');
  return elapsedMs(d, ev[0], ev[1]);
}

/**
 * GPU ms per call of `run`, best of 3 samples: `reps` calls captured into one CUDA graph and replayed after
 * one warm-up replay, so the host's launch cost does not count. Throws when the calls cannot be captured.
 */
export function replayedMs(d: Driver, stream: number, ev: number[], reps: number, run: (i: number) => void): number {
  const exec = captureGraph(d, stream, () => {
    for (let i = 0; i < reps; i++) run(i);
  });
  try {
    const replay = () => d.check(d.fn.cuGraphLaunch(exec, stream), 'cuGraphLaunch');
    replay();
    let ms = Infinity;
    for (let r = 0; r < 3; r++) ms = Math.min(ms, streamMs(d, stream, ev, replay) / reps);
    return ms;
  } finally {
    d.fn.cuGraphExecDestroy(exec);
  }
}
