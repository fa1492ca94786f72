/** Scratch-arena planning: offsets for values from their lifetimes (first fit, largest first). */

export interface Interval {
  id: number;
  bytes: number;
  /** step that writes it (-1: graph input) */
  start: number;
  /** last step that reads it (Infinity: graph output) */
  end: number;
}

export const ALIGN = 256;
const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** Returns offset per interval id and the arena size. Intervals overlapping in time never share bytes. */
export function planArena(intervals: Interval[]): { offsets: Map<number, number>; size: number } {
  const placed: { off: number; bytes: number; start: number; end: number }[] = [];
  const offsets = new Map<number, number>();
  let size = 0;
  const order = [...intervals].sort((a, b) => b.bytes - a.bytes || a.start - b.start);
  for (const iv of order) {
    const bytes = align(Math.max(iv.bytes, 1));
    const live = placed.filter((p) => p.start <= iv.end && iv.start <= p.end).sort((a, b) => a.off - b.off);
    let off = 0;
    for (const p of live) {
      if (off + bytes <= p.off) break;
      off = Math.max(off, p.off + p.bytes);
    }
    placed.push({ off, bytes, start: iv.start, end: iv.end });
    offsets.set(iv.id, off);
    size = Math.max(size, off + bytes);
  }
  return { offsets, size };
}
