/** PNG decoder (node:zlib inflate): all color types, bit depths 1-16, PLTE/tRNS, scanline filters, Adam7. */
import { inflateSync } from 'node:zlib';
import { checkDims, ImageFormatError, type RgbImage } from './types.js';

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

export function isPng(b: Uint8Array): boolean {
  return b.length > 8 && SIGNATURE.every((v, i) => b[i] === v);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes the per-scanline filters of one (sub)image in place; returns the raw rows. */
function unfilter(data: Uint8Array, pos: number, rows: number, rowBytes: number, bpp: number): { rows: Uint8Array; end: number } {
  const out = new Uint8Array(rows * rowBytes);
  for (let y = 0; y < rows; y++) {
    if (pos + 1 + rowBytes > data.length) throw new ImageFormatError('PNG: truncated image data');
    const filter = data[pos++];
    const o = y * rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      const x = data[pos + i];
      const a = i >= bpp ? out[o + i - bpp] : 0;
      const b = y > 0 ? out[o - rowBytes + i] : 0;
      const c = y > 0 && i >= bpp ? out[o - rowBytes + i - bpp] : 0;
      let v: number;
      switch (filter) {
        case 0: v = x; break;
        case 1: v = x + a; break;
        case 2: v = x + b; break;
        case 3: v = x + ((a + b) >> 1); break;
        case 4: v = x + paeth(a, b, c); break;
        default: throw new ImageFormatError(`PNG: unknown filter type ${filter}`);
      }
      out[o + i] = v & 0xff;
    }
    pos += rowBytes;
  }
  return { rows: out, end: pos };
}

const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

export function decodePng(b: Uint8Array): RgbImage {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 8;
  let width = 0, height = 0, depth = 0, colorType = 0, interlace = 0;
  let palette: Uint8Array | undefined;
  let trns: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  while (pos + 8 <= b.length) {
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(b[pos + 4], b[pos + 5], b[pos + 6], b[pos + 7]);
    const body = b.subarray(pos + 8, pos + 8 + len);
    if (body.length !== len) throw new ImageFormatError(`PNG: truncated ${type} chunk`);
    pos += 12 + len;
    if (type === 'IHDR') {
      width = dv.getUint32(body.byteOffset - b.byteOffset);
      height = dv.getUint32(body.byteOffset - b.byteOffset + 4);
      [depth, colorType] = [body[8], body[9]];
      interlace = body[12];
    } else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') trns = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
  }
  checkDims(width, height, 'PNG');
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (!channels || ![1, 2, 4, 8, 16].includes(depth)) throw new ImageFormatError(`PNG: unsupported color type ${colorType} / bit depth ${depth}`);
  if (colorType === 3 && !palette) throw new ImageFormatError('PNG: palette image without PLTE');
  let data: Uint8Array;
  try {
    data = inflateSync(Buffer.concat(idat), { maxOutputLength: (width * channels * 2 + 1) * height * 2 + 1024 });
  } catch (e) {
    throw new ImageFormatError(`PNG: image data does not inflate (${(e as Error).message})`);
  }
  const bitsPerPixel = channels * depth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const rgb = new Uint8Array(width * height * 3);
  /** Sample `c` of pixel `x` in a raw row, scaled to 8 bits (or the palette index for color type 3). */
  const sample = (row: Uint8Array, o: number, x: number, c: number): number => {
    if (depth === 16) return row[o + (x * channels + c) * 2];
    if (depth === 8) return row[o + x * channels + c];
    const bit = (x * channels + c) * depth;
    const v = (row[o + (bit >> 3)] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
    return colorType === 3 ? v : Math.round((v * 255) / ((1 << depth) - 1));
  };
  const put = (row: Uint8Array, o: number, x: number, px: number) => {
    const d = px * 3;
    if (colorType === 3) {
      const i = sample(row, o, x, 0);
      if (i * 3 + 2 >= palette!.length) throw new ImageFormatError(`PNG: palette index ${i} out of range`);
      rgb[d] = palette![i * 3]; rgb[d + 1] = palette![i * 3 + 1]; rgb[d + 2] = palette![i * 3 + 2];
    } else if (channels >= 3) {
      rgb[d] = sample(row, o, x, 0); rgb[d + 1] = sample(row, o, x, 1); rgb[d + 2] = sample(row, o, x, 2);
    } else rgb[d] = rgb[d + 1] = rgb[d + 2] = sample(row, o, x, 0);
  };
  void trns; // alpha is dropped: the op outputs RGB/BGR/Grayscale only
  if (!interlace) {
    const rowBytes = Math.ceil((width * bitsPerPixel) / 8);
    const { rows } = unfilter(data, 0, height, rowBytes, bpp);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) put(rows, y * rowBytes, x, y * width + x);
  } else {
    let p = 0;
    for (const [x0, y0, dx, dy] of ADAM7) {
      const w = Math.ceil((width - x0) / dx), h = Math.ceil((height - y0) / dy);
      if (w <= 0 || h <= 0) continue;
      const rowBytes = Math.ceil((w * bitsPerPixel) / 8);
      const { rows, end } = unfilter(data, p, h, rowBytes, bpp);
      p = end;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) put(rows, y * rowBytes, x, (y0 + y * dy) * width + x0 + x * dx);
    }
  }
  return { width, height, rgb };
}
