/** Op family 'image': ImageDecoder for BMP, PNM and PNG (JPEG, JPEG 2000, TIFF and WebP need codecs we do not bundle). */
import type { KernelContext, KernelTable } from '../kernel.js';
import { allocTensor, type Tensor } from '../../../tensor/tensor.js';
import { decodeBmp, isBmp } from './image/bmp.js';
import { decodePng, isPng } from './image/png.js';
import { decodePnm, isPnm } from './image/pnm.js';
import { ImageFormatError, type RgbImage } from './image/types.js';

/** Names the codec of a format we recognise but cannot decode. */
function unsupportedFormat(b: Uint8Array): string | undefined {
  if (b[0] === 0xff && b[1] === 0xd8) return 'JPEG';
  if ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 0x2a)) return 'TIFF';
  if (b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45) return 'WebP';
  if ((b[0] === 0 && b[1] === 0 && b[2] === 0 && b[3] === 0x0c && b[4] === 0x6a) || (b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51)) return 'JPEG 2000';
  return undefined;
}

function imageDecoder(ctx: KernelContext): Tensor[] {
  const input = ctx.input(0);
  if (input.dtype !== 'uint8') throw ctx.error(`encoded_stream must be uint8, got ${input.dtype}`);
  const bytes = input.data as Uint8Array;
  const format = ctx.attrs.string('pixel_format', 'RGB');
  if (!['RGB', 'BGR', 'Grayscale'].includes(format)) throw ctx.attrs.error(`pixel_format '${format}' must be RGB, BGR or Grayscale`);
  let img: RgbImage;
  try {
    if (isPng(bytes)) img = decodePng(bytes);
    else if (isBmp(bytes)) img = decodeBmp(bytes);
    else if (isPnm(bytes)) img = decodePnm(bytes);
    else {
      const codec = unsupportedFormat(bytes);
      throw ctx.error(codec ? `${codec} images need a codec TensorJet does not bundle (supported: PNG, BMP, PNM)` : 'the encoded stream is not a recognised image format (supported: PNG, BMP, PNM)');
    }
  } catch (e) {
    if (e instanceof ImageFormatError) throw ctx.error(e.message);
    throw e;
  }
  const { width, height, rgb } = img;
  const n = width * height;
  if (format === 'Grayscale') {
    const out = allocTensor('uint8', [height, width, 1]);
    const o = out.data as Uint8Array;
    // ITU-R 601-2 luma, fixed point as common decoders do it.
    for (let i = 0; i < n; i++) o[i] = (rgb[3 * i] * 19595 + rgb[3 * i + 1] * 38470 + rgb[3 * i + 2] * 7471 + 0x8000) >> 16;
    return [out];
  }
  const out = allocTensor('uint8', [height, width, 3]);
  const o = out.data as Uint8Array;
  if (format === 'RGB') o.set(rgb);
  else for (let i = 0; i < n; i++) { o[3 * i] = rgb[3 * i + 2]; o[3 * i + 1] = rgb[3 * i + 1]; o[3 * i + 2] = rgb[3 * i]; }
  return [out];
}

export const kernels: KernelTable = { ImageDecoder: imageDecoder };
