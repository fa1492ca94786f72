/** ImageDecoder: tiny BMP/PNM/PNG streams built by hand, decoded to RGB/BGR/Grayscale. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { runNode } from '../helpers.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { isTensorJetError } from '../../src/errors.js';

const decode = (bytes: number[] | Uint8Array, pixel_format = 'RGB'): Tensor =>
  runNode('ImageDecoder', [makeTensor('uint8', [bytes.length], Uint8Array.from(bytes))], { pixel_format }, { opset: 20 })[0] as Tensor;
// 2x2 image: red, green / blue, white
const PIXELS = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255];

function u32be(v: number): number[] { return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]; }
function chunk(type: string, body: number[]): number[] {
  return [...u32be(body.length), ...[...type].map((c) => c.charCodeAt(0)), ...body, 0, 0, 0, 0]; // CRC is not checked
}

test('PNG (RGB, Sub and Up filters) decodes to RGB and BGR', () => {
  // row 0 with filter 1 (Sub), row 1 with filter 2 (Up)
  const r0 = [255, 0, 0, (0 - 255) & 255, 255, 0];
  const r1 = [0, 0, 255, 255, 255, 255];
  const raw = Uint8Array.from([1, ...r0, 2, ...r1.map((v, i) => (v - [255, 0, 0, 0, 255, 0][i]) & 255)]);
  const png = [137, 80, 78, 71, 13, 10, 26, 10, ...chunk('IHDR', [...u32be(2), ...u32be(2), 8, 2, 0, 0, 0]), ...chunk('IDAT', [...deflateSync(raw)]), ...chunk('IEND', [])];
  const rgb = decode(png);
  assert.deepEqual(rgb.dims, [2, 2, 3]);
  assert.deepEqual([...(rgb.data as Uint8Array)], PIXELS);
  assert.deepEqual([...(decode(png, 'BGR').data as Uint8Array)].slice(0, 3), [0, 0, 255]);
});

test('BMP (24-bit bottom-up) and PNM (P3 ASCII) decode; Grayscale uses 601 luma', () => {
  const header = [66, 77, 0, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 24, 0, ...new Array(24).fill(0)];
  // bottom row first (blue, white), BGR order, rows padded to 4 bytes
  const bmp = [...header, 255, 0, 0, 255, 255, 255, 0, 0, 0, 0, 255, 0, 255, 0, 0, 0];
  assert.deepEqual([...(decode(bmp).data as Uint8Array)], PIXELS);
  const pnm = [...new TextEncoder().encode(`P3\n# c\n2 2\n255\n${PIXELS.join(' ')}\n`)];
  assert.deepEqual([...(decode(pnm).data as Uint8Array)], PIXELS);
  assert.deepEqual([...(decode(pnm, 'Grayscale').data as Uint8Array)], [76, 150, 29, 255]);
});

test('JPEG streams get a clear codec error', () => {
  assert.throws(() => decode([0xff, 0xd8, 0xff, 0xe0, 0, 0]), (e: unknown) => isTensorJetError(e) && /JPEG images need a codec/.test(e.message));
});
