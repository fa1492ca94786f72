/**
 * Conformance cases that are skipped, by category. Every entry says why; nothing is skipped silently.
 * A skipped case counts as not passed in the totals.
 */
export interface Exclude {
  pattern: RegExp;
  category: 'training-only' | 'random' | 'maps' | 'sparse' | 'float-precision' | 'image-codecs';
  reason: string;
}

export const EXCLUDES: Exclude[] = [
  // Training-only ops from ai.onnx.preview.training: optimizer steps and gradients, not inference.
  { pattern: /^test_(adagrad|adam|momentum|nesterov_momentum)/, category: 'training-only', reason: 'optimizer update ops (ai.onnx.preview.training)' },
  // ImageDecoder handles PNG, BMP and PNM; these formats need codecs TensorJet does not bundle.
  { pattern: /^test_image_decoder_decode_(jpeg|jpeg2k|tiff|webp)_/, category: 'image-codecs', reason: 'JPEG, JPEG 2000, TIFF and WebP decoding needs codecs we do not bundle' },
  // Random ops: outputs depend on the generator, the data sets cannot be reproduced bit for bit.
  { pattern: /^test_bernoulli/, category: 'random', reason: 'Bernoulli samples a random generator' },
  { pattern: /^test_training_dropout(?!_zero_ratio)/, category: 'random', reason: 'Dropout in training mode draws a random mask' },
];

export function excludedBy(caseName: string): Exclude | undefined {
  return EXCLUDES.find((e) => e.pattern.test(caseName));
}
