/** CPU reference kernels for the 'string' op family. */
import { allocTensor, makeTensor, type Tensor } from '../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../kernel.js';
import { broadcastIndex, broadcastShapes } from '../util.js';
import { tfIdfVectorizer } from './string/tfidf.js';

function strings(ctx: KernelContext, i: number): Tensor & { data: string[] } {
  const t = ctx.input(i);
  if (t.dtype !== 'string') throw ctx.error(`input ${i} must be a string tensor, got ${t.dtype}`);
  return t as Tensor & { data: string[] };
}

/** Python's str.split(None, maxsplit): runs of whitespace separate, leading/trailing whitespace ignored. */
function splitWhitespace(s: string, maxsplit: number): string[] {
  const parts: string[] = [];
  const ws = /\s/;
  let i = 0;
  for (;;) {
    while (i < s.length && ws.test(s[i])) i++;
    if (i >= s.length) break;
    if (maxsplit >= 0 && parts.length === maxsplit) {
      parts.push(s.slice(i));
      break;
    }
    let j = i;
    while (j < s.length && !ws.test(s[j])) j++;
    parts.push(s.slice(i, j));
    i = j;
  }
  return parts;
}

/** Python's str.split(delimiter, maxsplit). */
function splitDelimiter(s: string, d: string, maxsplit: number): string[] {
  const parts = s.split(d);
  return maxsplit >= 0 && parts.length > maxsplit + 1 ? [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(d)] : parts;
}

/** RE2 inline flags at the start of a pattern ((?i), (?s), (?m)) become JS RegExp flags. */
function compileFullMatch(ctx: KernelContext, pattern: string): RegExp {
  let flags = '';
  const m = /^\(\?([ism]+)\)/.exec(pattern);
  if (m) {
    flags = [...new Set(m[1])].join('');
    pattern = pattern.slice(m[0].length);
  }
  try {
    return new RegExp(`^(?:${pattern})$`, flags);
  } catch (e) {
    throw ctx.error(`invalid pattern '${pattern}': ${(e as Error).message}`);
  }
}

/** ONNX locales look like 'en_US'; JS wants BCP 47 ('en-US'). Unknown ones fall back to the default. */
function jsLocale(l: string): string | undefined {
  if (!l) return undefined;
  try {
    return Intl.getCanonicalLocales(l.replace(/_/g, '-').replace(/\..*$/, ''))[0];
  } catch {
    return undefined;
  }
}

export const kernels: KernelTable = {
  StringConcat: (ctx) => {
    const a = strings(ctx, 0);
    const b = strings(ctx, 1);
    const dims = broadcastShapes(a.dims, b.dims);
    const out = allocTensor('string', dims);
    const ia = broadcastIndex(a.dims, dims);
    const ib = broadcastIndex(b.dims, dims);
    const od = out.data as string[];
    for (let i = 0; i < od.length; i++) od[i] = a.data[ia ? ia[i] : i] + b.data[ib ? ib[i] : i];
    return [out];
  },

  StringSplit: (ctx) => {
    const x = strings(ctx, 0);
    const delimiter = ctx.attrs.string('delimiter', '');
    const maxsplit = ctx.attrs.has('maxsplit') ? ctx.attrs.int('maxsplit') : -1;
    const parts = x.data.map((s) => (delimiter ? splitDelimiter(s, delimiter, maxsplit) : splitWhitespace(s, maxsplit)));
    const width = parts.reduce((m, p) => Math.max(m, p.length), 0);
    const y = allocTensor('string', [...x.dims, width]);
    const yd = y.data as string[];
    parts.forEach((p, i) => p.forEach((s, j) => (yd[i * width + j] = s)));
    const z = allocTensor('int64', x.dims);
    parts.forEach((p, i) => ((z.data as BigInt64Array)[i] = BigInt(p.length)));
    return [y, z];
  },

  RegexFullMatch: (ctx) => {
    const x = strings(ctx, 0);
    const re = compileFullMatch(ctx, ctx.attrs.string('pattern'));
    const out = allocTensor('bool', x.dims);
    x.data.forEach((s, i) => ((out.data as Uint8Array)[i] = re.test(s) ? 1 : 0));
    return [out];
  },

  StringNormalizer: (ctx) => {
    const x = strings(ctx, 0);
    const action = ctx.attrs.string('case_change_action', 'NONE');
    if (!['NONE', 'LOWER', 'UPPER'].includes(action)) throw ctx.attrs.error(`unknown case_change_action '${action}'`);
    const sensitive = ctx.attrs.int('is_case_sensitive', 0) === 1;
    const locale = jsLocale(ctx.attrs.string('locale', ''));
    const stop = ctx.attrs.strings('stopwords', []);
    const twoDim = x.dims.length === 2;
    if (!(x.dims.length === 1 || (twoDim && x.dims[0] === 1))) {
      throw ctx.error(`input must have shape [C] or [1, C], got [${x.dims.join(', ')}]`);
    }
    const fold = (s: string) => s.toLocaleLowerCase(locale);
    const stops = new Set(sensitive ? stop : stop.map(fold));
    let kept = x.data.filter((s) => !stops.has(sensitive ? s : fold(s)));
    if (action === 'LOWER') kept = kept.map((s) => s.toLocaleLowerCase(locale));
    else if (action === 'UPPER') kept = kept.map((s) => s.toLocaleUpperCase(locale));
    // everything removed: a single empty string, per the spec
    if (kept.length === 0) kept = [''];
    return [makeTensor('string', twoDim ? [1, kept.length] : [kept.length], kept)];
  },

  TfIdfVectorizer: tfIdfVectorizer,
};
