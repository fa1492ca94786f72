/**
 * TfIdfVectorizer: counts the pool's n-grams (with skips) in each row of an int or string tensor,
 * then weighs the counts (TF: counts, IDF: weight where present, TFIDF: count * weight).
 */
import { allocTensor } from '../../../../tensor/tensor.js';
import type { KernelContext } from '../../kernel.js';
import { readInts } from '../../util.js';

const SEP = '\u0001';

export function tfIdfVectorizer(ctx: KernelContext) {
  const x = ctx.input(0);
  const a = ctx.attrs;
  const minN = a.int('min_gram_length');
  const maxN = a.int('max_gram_length');
  const maxSkip = a.int('max_skip_count');
  const mode = a.string('mode');
  if (!['TF', 'IDF', 'TFIDF'].includes(mode)) throw a.error(`unknown mode '${mode}'`);
  if (minN < 1 || maxN < minN) throw a.error(`invalid gram lengths [${minN}, ${maxN}]`);
  const counts = a.ints('ngram_counts');
  const indexes = a.ints('ngram_indexes');
  const weights = a.has('weights') ? a.floats('weights') : undefined;
  const pool: string[] = a.has('pool_strings') ? a.strings('pool_strings') : a.ints('pool_int64s', []).map(String);

  // pool n-gram -> output coordinate
  const lookup = new Map<string, number>();
  let k = 0;
  counts.forEach((start, g) => {
    const n = g + 1;
    const end = g + 1 < counts.length ? counts[g + 1] : pool.length;
    for (let p = start; p + n <= end; p += n, k++) {
      if (k >= indexes.length) throw a.error('ngram_indexes has fewer entries than the pool has n-grams');
      lookup.set(pool.slice(p, p + n).join(SEP), indexes[k]);
    }
  });
  const width = indexes.reduce((m, v) => Math.max(m, v + 1), 0);

  if (x.dims.length !== 1 && x.dims.length !== 2) throw ctx.error(`input must be 1-D or 2-D, got [${x.dims.join(', ')}]`);
  const rows = x.dims.length === 2 ? x.dims[0] : 1;
  const cols = x.dims[x.dims.length - 1];
  const items: string[] = x.dtype === 'string' ? (x.data as string[]) : readInts(x).map(String);
  const out = allocTensor('float32', x.dims.length === 2 ? [rows, width] : [width]);
  const y = out.data as Float32Array;

  for (let r = 0; r < rows; r++) {
    const row = items.slice(r * cols, (r + 1) * cols);
    const freq = new Float64Array(width);
    for (let i = 0; i < cols; i++) {
      for (let skip = 0; skip <= maxSkip; skip++) {
        const parts: string[] = [];
        for (let n = 1; n <= maxN; n++) {
          const pos = i + (n - 1) * (skip + 1);
          if (pos >= cols) break;
          parts.push(row[pos]);
          if (n === 1 && skip > 0) continue; // a unigram is counted once, not once per skip
          if (n < minN) continue;
          const idx = lookup.get(parts.join(SEP));
          if (idx !== undefined) freq[idx]++;
        }
      }
    }
    for (let j = 0; j < width; j++) {
      const f = freq[j];
      const w = weights?.[j] ?? 1;
      y[r * width + j] = mode === 'TF' ? f : mode === 'IDF' ? (f > 0 ? w : 0) : f * w;
    }
  }
  return [out];
}
