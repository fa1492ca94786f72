/** RoiAlign (opset 10/16): average or max pooling of bilinear samples over regions of interest. */
import type { KernelContext } from '../../kernel.js';
import { allocTensor, type Tensor } from '../../../../tensor/tensor.js';
import { readNumbers, writeNumbers } from '../../util.js';

export function roiAlign(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0), R = ctx.input(1), Bi = ctx.input(2);
  const a = ctx.attrs;
  const halfPixel = a.string('coordinate_transformation_mode', ctx.opset >= 16 ? 'half_pixel' : 'output_half_pixel') === 'half_pixel';
  const isMax = a.string('mode', 'avg') === 'max';
  const PH = a.int('output_height', 1), PW = a.int('output_width', 1);
  const sr = a.int('sampling_ratio', 0);
  const scale = a.float('spatial_scale', 1);
  const [, C, H, W] = X.dims;
  const nR = R.dims[0];
  const x = readNumbers(X), rois = readNumbers(R), bi = readNumbers(Bi);
  const Y = allocTensor(X.dtype, [nR, C, PH, PW]);
  const y = new Float64Array(Y.data.length);
  const off = halfPixel ? 0.5 : 0;
  for (let r = 0; r < nR; r++) {
    const b = bi[r];
    const sw = rois[r * 4] * scale - off, sh = rois[r * 4 + 1] * scale - off;
    let rw = rois[r * 4 + 2] * scale - off - sw, rh = rois[r * 4 + 3] * scale - off - sh;
    if (!halfPixel) { rw = Math.max(rw, 1); rh = Math.max(rh, 1); }
    const bh = rh / PH, bw = rw / PW;
    const gh = sr > 0 ? sr : Math.ceil(rh / PH), gw = sr > 0 ? sr : Math.ceil(rw / PW);
    const count = Math.max(gh * gw, 1);
    for (let c = 0; c < C; c++) {
      const base = (b * C + c) * H * W;
      for (let ph = 0; ph < PH; ph++) for (let pw = 0; pw < PW; pw++) {
        let acc = 0, seen = false;
        for (let iy = 0; iy < gh; iy++) {
          const yy = sh + ph * bh + ((iy + 0.5) * bh) / gh;
          for (let ix = 0; ix < gw; ix++) {
            const xx = sw + pw * bw + ((ix + 0.5) * bw) / gw;
            let v1 = 0, v2 = 0, v3 = 0, v4 = 0;
            if (!(yy < -1 || yy > H || xx < -1 || xx > W)) {
              let ty = Math.max(yy, 0), tx = Math.max(xx, 0);
              let yl = Math.floor(ty), xl = Math.floor(tx), yh: number, xh: number;
              if (yl >= H - 1) { yh = yl = H - 1; ty = yl; } else yh = yl + 1;
              if (xl >= W - 1) { xh = xl = W - 1; tx = xl; } else xh = xl + 1;
              const ly = ty - yl, lx = tx - xl, hy = 1 - ly, hx = 1 - lx;
              v1 = hy * hx * x[base + yl * W + xl];
              v2 = hy * lx * x[base + yl * W + xh];
              v3 = ly * hx * x[base + yh * W + xl];
              v4 = ly * lx * x[base + yh * W + xh];
            }
            if (isMax) {
              const v = Math.max(v1, v2, v3, v4);
              acc = seen ? Math.max(acc, v) : v;
              seen = true;
            } else acc += v1 + v2 + v3 + v4;

          }

        }
        y[((r * C + c) * PH + ph) * PW + pw] = isMax ? acc : acc / count;
      }
    }
  }
  writeNumbers(Y, y);
  return [Y];
}
