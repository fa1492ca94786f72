/** BMP decoder: BITMAPINFOHEADER and later, uncompressed 1/4/8-bit (palette), 16/24/32-bit, BI_BITFIELDS. */
import { checkDims, ImageFormatError, type RgbImage } from './types.js';

export function isBmp(b: Uint8Array): boolean {
  return b.length > 26 && b[0] === 0x42 && b[1] === 0x4d;
}

export function decodeBmp(b: Uint8Array): RgbImage {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 54) throw new ImageFormatError('BMP: truncated header');
  const dataOffset = dv.getUint32(10, true);
  const headerSize = dv.getUint32(14, true);
  if (headerSize < 40) throw new ImageFormatError(`BMP: unsupported header size ${headerSize} (OS/2 bitmaps)`);
  const width = dv.getInt32(18, true);
  const rawHeight = dv.getInt32(22, true);
  const bpp = dv.getUint16(28, true);
  const compression = dv.getUint32(30, true);
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  checkDims(width, height, 'BMP');
  if (compression !== 0 && compression !== 3) throw new ImageFormatError(`BMP: compression ${compression} (RLE/JPEG/PNG) is not supported`);
  let masks = bpp === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0xff00, 0xff];
  if (compression === 3) {
    // Masks follow a 40-byte header, or sit at the same offset inside V4/V5 headers.
    masks = [dv.getUint32(54, true), dv.getUint32(58, true), dv.getUint32(62, true)];
  }
  let palette: Uint8Array | undefined;
  if (bpp <= 8) {
    const colors = dv.getUint32(46, true) || 1 << bpp;
    const at = 14 + headerSize;
    if (at + colors * 4 > b.length) throw new ImageFormatError('BMP: truncated palette');
    palette = b.subarray(at, at + colors * 4);
  } else if (bpp !== 16 && bpp !== 24 && bpp !== 32) throw new ImageFormatError(`BMP: unsupported bit depth ${bpp}`);
  const stride = Math.floor((width * bpp + 31) / 32) * 4;
  if (dataOffset + stride * height > b.length) throw new ImageFormatError('BMP: truncated pixel data');
  const rgb = new Uint8Array(width * height * 3);
  const channel = (v: number, mask: number): number => {
    if (!mask) return 0;
    let shift = 0;
    while (!((mask >>> shift) & 1)) shift++;
    const max = mask >>> shift;
    return Math.round((((v & mask) >>> shift) * 255) / max);
  };
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (palette) {
        const bit = x * bpp;
        const idx = (b[row + (bit >> 3)] >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        if (idx * 4 + 2 >= palette.length) throw new ImageFormatError(`BMP: palette index ${idx} out of range`);
        rgb[o] = palette[idx * 4 + 2]; rgb[o + 1] = palette[idx * 4 + 1]; rgb[o + 2] = palette[idx * 4];
      } else if (bpp === 24 || (bpp === 32 && compression === 0)) {
        const p = row + x * (bpp / 8);
        rgb[o] = b[p + 2]; rgb[o + 1] = b[p + 1]; rgb[o + 2] = b[p];
      } else {
        const v = bpp === 16 ? dv.getUint16(row + x * 2, true) : dv.getUint32(row + x * 4, true);
        rgb[o] = channel(v, masks[0]); rgb[o + 1] = channel(v, masks[1]); rgb[o + 2] = channel(v, masks[2]);
      }
    }
  }
  return { width, height, rgb };
}
