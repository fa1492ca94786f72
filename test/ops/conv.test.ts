import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, randomFloats, assertClose } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { sgemm } from '../../src/backends/cpu/gemm.js';

/** Direct (naive) 2-D convolution, the independent reference for the im2col+GEMM kernel. */
function naiveConv(x: Float32Array, [N, C, H, W]: number[], w: Float32Array, [M, Cg, KH, KW]: number[], s: number, p: number, d: number, group: number): { y: number[]; dims: number[] } {
  const OH = Math.floor((H + 2 * p - (d * (KH - 1) + 1)) / s) + 1, OW = Math.floor((W + 2 * p - (d * (KW - 1) + 1)) / s) + 1;
  const y: number[] = [];
  const Mg = M / group;
  for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    let acc = 0;
    const g = Math.floor(m / Mg);
    for (let c = 0; c < Cg; c++) for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) {
      const h = oh * s - p + i * d, ww = ow * s - p + j * d;
      if (h < 0 || h >= H || ww < 0 || ww >= W) continue;
      acc += x[((n * C + g * Cg + c) * H + h) * W + ww] * w[((m * Cg + c) * KH + i) * KW + j];
    }
    y.push(acc);
  }
  return { y, dims: [N, M, OH, OW] };
}

test('sgemm matches a naive product (transposes, alpha/beta, edges, SIMD and scalar sizes)', () => {
  for (const [M, N, K] of [[3, 5, 7], [37, 70, 300], [65, 9, 2100]]) {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
      const A = randomFloats(M * K, 3), B = randomFloats(K * N, 4), C = randomFloats(M * N, 5);
      const ref = new Float64Array(M * N);
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += (tA ? A[k * M + i] : A[i * K + k]) * (tB ? B[j * K + k] : B[k * N + j]);
        ref[i * N + j] = 0.5 * s + 2 * C[i * N + j];
      }
      const out = Float32Array.from(C);
      sgemm(tA, tB, M, N, K, 0.5, A, 0, tA ? M : K, B, 0, tB ? K : N, 2, out, 0, N);
      for (let i = 0; i < M * N; i++) assert.ok(Math.abs(out[i] - ref[i]) <= 1e-4 * (1 + Math.abs(ref[i])), `M${M} N${N} K${K} tA${tA} tB${tB} at ${i}: ${out[i]} vs ${ref[i]}`);
    }
  }
});

test('Conv matches a direct convolution (stride, pad, dilation, groups, bias)', () => {
  const cases = [
    { x: [1, 3, 9, 9], w: [4, 3, 3, 3], s: 1, p: 1, d: 1, g: 1 },
    { x: [2, 4, 11, 10], w: [6, 2, 3, 3], s: 2, p: 1, d: 2, g: 2 },
    { x: [1, 8, 7, 7], w: [8, 1, 3, 3], s: 1, p: 1, d: 1, g: 8 },
    { x: [1, 16, 6, 6], w: [5, 16, 1, 1], s: 1, p: 0, d: 1, g: 1 },
  ];
  for (const c of cases) {
    const x = randomFloats(c.x.reduce((a, b) => a * b), 7), w = randomFloats(c.w.reduce((a, b) => a * b), 8);
    const b = randomFloats(c.w[0], 9);
    const ref = naiveConv(x, c.x, w, c.w, c.s, c.p, c.d, c.g);
    const expected = ref.y.map((v, i) => v + b[Math.floor(i / (ref.dims[2] * ref.dims[3])) % c.w[0]]);
    const [y] = runNode('Conv', [t('float32', c.x, x), t('float32', c.w, w), t('float32', [c.w[0]], b)], {
      strides: [c.s, c.s], pads: [c.p, c.p, c.p, c.p], dilations: [c.d, c.d], group: c.g,
    });
    assertClose(y, t('float32', ref.dims, expected), { rtol: 1e-4, atol: 1e-5 });
  }
});

test('Conv auto_pad SAME_UPPER keeps ceil(in/stride) and 1-D works', () => {
  const [y] = runNode('Conv', [t('float32', [1, 1, 5, 5], new Array(25).fill(1)), t('float32', [1, 1, 3, 3], new Array(9).fill(1))], { auto_pad: 'SAME_UPPER', strides: [2, 2] }) as Tensor[];
  assert.deepEqual(y.dims, [1, 1, 3, 3]);
  assert.deepEqual([...y.data as Float32Array], [4, 6, 4, 6, 9, 6, 4, 6, 4]);
  const [y1] = runNode('Conv', [t('float32', [1, 1, 4], [1, 2, 3, 4]), t('float32', [1, 1, 2], [1, -1])]) as Tensor[];
  assert.deepEqual([...y1.data as Float32Array], [-1, -1, -1]);
});

test('ConvTranspose: stride 2 spreads the kernel; output_padding extends', () => {
  const [y] = runNode('ConvTranspose', [t('float32', [1, 1, 2], [1, 2]), t('float32', [1, 1, 3], [1, 1, 1])], { strides: [2], output_padding: [1] }) as Tensor[];
  // positions: x0 covers 0..2, x1 covers 2..4, plus one padded zero column
  assert.deepEqual([...y.data as Float32Array], [1, 1, 3, 2, 2, 0]);
});

test('Col2Im sums overlapping blocks', () => {
  // image 1x3, blocks 1x2, 2 blocks: [a b] at cols 0-1 and [c d] at cols 1-2
  const [y] = runNode('Col2Im', [t('float32', [1, 2, 2], [1, 3, 2, 4]), t('int64', [2], [1, 3]), t('int64', [2], [1, 2])]) as Tensor[];
  assert.deepEqual([...y.data as Float32Array], [1, 5, 4]);
});

test('shape inference: Conv/MaxPool sizes keep symbolic batch; MatMul broadcasts; Resize from constant scales', async () => {
  const { getSchema } = await import('../../src/ops/registry.js');
  const { makeInferContext } = await import('../../src/ops/schema.js');
  const node = (opType: string, attrs: Record<string, number[] | string>, n = 2) => ({
    name: 'n', opType, domain: '', inputs: Array.from({ length: n }, (_, i) => `i${i}`), outputs: ['o'],
    attributes: new Map(Object.entries(attrs).map(([k, v]) => [k, typeof v === 'string' ? { type: 'string' as const, value: v } : { type: 'ints' as const, value: v }])),
  });
  const infer = (op: string, attrs: Record<string, number[] | string>, inputs: { dtype: 'float32' | 'int64'; shape?: (number | string)[]; value?: Tensor }[], opset = 21) =>
    getSchema('', op)!.infer!(makeInferContext(node(op, attrs, inputs.length), opset, inputs));
  assert.deepEqual(infer('Conv', { strides: [2, 2], pads: [3, 3, 3, 3] }, [{ dtype: 'float32', shape: ['N', 3, 224, 224] }, { dtype: 'float32', shape: [64, 3, 7, 7] }])[0]?.shape, ['N', 64, 112, 112]);
  assert.deepEqual(infer('MaxPool', { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }, [{ dtype: 'float32', shape: ['N', 64, 112, 112] }])[0]?.shape, ['N', 64, 56, 56]);
  assert.deepEqual(infer('MatMul', {}, [{ dtype: 'float32', shape: ['B', 1, 4, 5] }, { dtype: 'float32', shape: [3, 5, 6] }])[0]?.shape, ['B', 3, 4, 6]);
  const scales = t('float32', [4], [1, 1, 2, 2]);
  assert.deepEqual(infer('Resize', {}, [{ dtype: 'float32', shape: [1, 3, 5, 5] }, { dtype: 'float32', shape: [0] }, { dtype: 'float32', shape: [4], value: scales }], 13)[0]?.shape, [1, 3, 10, 10]);
});
