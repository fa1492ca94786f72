/** NonMaxSuppression: greedy per (batch, class) selection by score with IoU suppression. */
import type { KernelTable } from '../../kernel.js';
import { readNumbers } from '../../util.js';
import { int64Tensor, ints } from '../shape/raw.js';

function iou(b: ArrayLike<number>, i: number, j: number, center: boolean): number {
  const box = (k: number): [number, number, number, number] => {
    const o = k * 4;
    if (center) {
      const [xc, yc, w, h] = [b[o], b[o + 1], b[o + 2], b[o + 3]];
      return [yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2];
    }
    return [Math.min(b[o], b[o + 2]), Math.min(b[o + 1], b[o + 3]), Math.max(b[o], b[o + 2]), Math.max(b[o + 1], b[o + 3])];
  };
  const [ay1, ax1, ay2, ax2] = box(i), [by1, bx1, by2, bx2] = box(j);
  const ih = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
  const iw = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
  const inter = ih * iw;
  const union = (ay2 - ay1) * (ax2 - ax1) + (by2 - by1) * (bx2 - bx1) - inter;
  return union > 0 ? inter / union : 0;
}

export const nmsKernels: KernelTable = {
  NonMaxSuppression(ctx) {
    const boxesT = ctx.input(0), scoresT = ctx.input(1);
    const maxT = ctx.optionalInput(2), iouT = ctx.optionalInput(3), scoreT = ctx.optionalInput(4);
    const maxOut = maxT && maxT.data.length ? ints(maxT)[0] : 0;
    const iouTh = iouT && iouT.data.length ? readNumbers(iouT)[0] : 0;
    const scoreTh = scoreT && scoreT.data.length ? readNumbers(scoreT)[0] : undefined;
    const center = ctx.attrs.int('center_point_box', 0) === 1;
    const [batches, classes, n] = scoresT.dims;
    if (boxesT.dims[0] !== batches || boxesT.dims[1] !== n || boxesT.dims[2] !== 4) {
      throw ctx.error(`boxes [${boxesT.dims.join(', ')}] do not match scores [${scoresT.dims.join(', ')}]`);
    }
    const boxes = readNumbers(boxesT), scores = readNumbers(scoresT);
    const sel: number[] = [];
    for (let b = 0; b < batches; b++) {
      const bb = boxes instanceof Float32Array || boxes instanceof Float64Array ? boxes.subarray(b * n * 4, (b + 1) * n * 4) : Array.from(boxes).slice(b * n * 4, (b + 1) * n * 4);
      for (let c = 0; c < classes; c++) {
        if (maxOut <= 0) continue;
        const base = (b * classes + c) * n;
        const cand: number[] = [];
        for (let i = 0; i < n; i++) if (scoreTh === undefined || scores[base + i] > scoreTh) cand.push(i);
        cand.sort((p, q) => scores[base + q] - scores[base + p] || p - q);
        const kept: number[] = [];
        for (const i of cand) {
          if (kept.length >= maxOut) break;
          if (kept.every((j) => iou(bb, i, j, center) <= iouTh)) kept.push(i);
        }
        for (const i of kept) sel.push(b, c, i);
      }
    }
    return [int64Tensor(sel, [sel.length / 3, 3])];
  },
};
