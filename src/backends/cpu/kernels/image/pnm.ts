/** PNM decoder: P1-P6 (bitmap, graymap, pixmap; ASCII and binary), maxval up to 65535 scaled to 8 bits. */
import { checkDims, ImageFormatError, type RgbImage } from './types.js';

export function isPnm(b: Uint8Array): boolean {
  return b.length > 2 && b[0] === 0x50 && b[1] >= 0x31 && b[1] <= 0x36;
}

export function decodePnm(b: Uint8Array): RgbImage {
  const kind = b[1] - 0x30;
  let pos = 2;
  const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
  /** Next ASCII integer, skipping whitespace and # comments. */
  const nextInt = (): number => {
    for (;;) {
      while (pos < b.length && isSpace(b[pos])) pos++;
      if (b[pos] === 0x23) while (pos < b.length && b[pos] !== 0x0a) pos++;
      else break;
    }
    const start = pos;
    while (pos < b.length && b[pos] >= 0x30 && b[pos] <= 0x39) pos++;
    if (pos === start) throw new ImageFormatError('PNM: expected a number');
    return Number(new TextDecoder().decode(b.subarray(start, pos)));
  };
  const width = nextInt();
  const height = nextInt();
  checkDims(width, height, 'PNM');
  const maxval = kind === 1 || kind === 4 ? 1 : nextInt();
  if (maxval < 1 || maxval > 65535) throw new ImageFormatError(`PNM: invalid maxval ${maxval}`);
  pos++; // the single whitespace byte before binary data
  const channels = kind === 3 || kind === 6 ? 3 : 1;
  const n = width * height * channels;
  const samples = new Uint16Array(n);
  if (kind <= 3) {
    pos--;
    for (let i = 0; i < n; i++) {
      if (kind === 1) {
        while (pos < b.length && (isSpace(b[pos]) || b[pos] === 0x23)) {
          if (b[pos] === 0x23) while (pos < b.length && b[pos] !== 0x0a) pos++;
          else pos++;
        }
        if (pos >= b.length) throw new ImageFormatError('PNM: truncated pixel data');
        samples[i] = b[pos++] === 0x31 ? 1 : 0;
      } else samples[i] = nextInt();
    }
  } else if (kind === 4) {
    const stride = Math.ceil(width / 8);
    if (pos + stride * height > b.length) throw new ImageFormatError('PNM: truncated pixel data');
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) samples[y * width + x] = (b[pos + y * stride + (x >> 3)] >> (7 - (x & 7))) & 1;
  } else {
    const wide = maxval > 255;
    if (pos + n * (wide ? 2 : 1) > b.length) throw new ImageFormatError('PNM: truncated pixel data');
    for (let i = 0; i < n; i++) samples[i] = wide ? (b[pos + 2 * i] << 8) | b[pos + 2 * i + 1] : b[pos + i];
  }
  const rgb = new Uint8Array(width * height * 3);
  // In bitmaps (P1/P4) 1 means black.
  const scale = (v: number) => (kind === 1 || kind === 4 ? (v ? 0 : 255) : maxval === 255 ? v : Math.round((Math.min(v, maxval) * 255) / maxval));
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = scale(samples[p * channels + (channels === 3 ? c : 0)]);
  }
  return { width, height, rgb };
}
