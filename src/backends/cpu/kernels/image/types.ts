/** Decoded image: 8-bit RGB, row-major [height, width, 3]. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** Thrown by the decoders on malformed or unsupported data; the kernel turns it into a node error. */
export class ImageFormatError extends Error {}

export function checkDims(width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width * height > 1 << 28) {
    throw new ImageFormatError(`${what}: invalid image size ${width}x${height}`);
  }
}
