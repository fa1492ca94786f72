import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const out = (v: unknown) => v as Tensor;

test('StringConcat broadcasts and keeps UTF-8', () => {
  const [y] = runNode('StringConcat', [t('string', [2, 1], ['a', 'é']), t('string', [2], ['x', ''])]);
  assert.deepEqual(out(y).dims, [2, 2]);
  assert.deepEqual(out(y).data, ['ax', 'a', 'éx', 'é']);
});

test('StringSplit: delimiter, whitespace, maxsplit, padding and counts', () => {
  const x = t('string', [3], ['a,b,,c', '', 'x']);
  const [y, z] = runNode('StringSplit', [x], { delimiter: ',' }, { outputs: 2 });
  assert.deepEqual(out(y).dims, [3, 4]);
  assert.deepEqual(out(y).data, ['a', 'b', '', 'c', '', '', '', '', 'x', '', '', '']);
  assert.deepEqual([...out(z).data], [4n, 1n, 1n]);
  const [y2, z2] = runNode('StringSplit', [t('string', [2], ['  hello   big world ', ''])], { maxsplit: 1 }, { outputs: 2 });
  assert.deepEqual(out(y2).data, ['hello', 'big world ', '', '']);
  assert.deepEqual([...out(z2).data], [2n, 0n]);
  const [y3] = runNode('StringSplit', [t('string', [0], [])], {}, { outputs: 2 });
  assert.deepEqual(out(y3).dims, [0, 0]);
});

test('RegexFullMatch matches whole strings only', () => {
  const [y] = runNode('RegexFullMatch', [t('string', [2, 2], ['www.google.com', 'google.com', 'wwwxgoogle.com', 'www.bing.com'])], { pattern: 'www\\.[\\w.-]+\\.\\bcom\\b' });
  assert.deepEqual([...out(y).data], [1, 0, 0, 1]);
  const [y2] = runNode('RegexFullMatch', [t('string', [2], ['ABC', 'abcd'])], { pattern: '(?i)abc' });
  assert.deepEqual([...out(y2).data], [1, 0]);
});

test('StringNormalizer: stopwords (case-insensitive), case change, empty output', () => {
  const x = t('string', [4], ['monday', 'tuesday', 'MONDAY', 'wednesday']);
  const [y] = runNode('StringNormalizer', [x], { stopwords: ['Monday'], case_change_action: 'UPPER' });
  assert.deepEqual(out(y).data, ['TUESDAY', 'WEDNESDAY']);
  const [y2] = runNode('StringNormalizer', [x], { stopwords: ['monday'], is_case_sensitive: 1, case_change_action: 'NONE' });
  assert.deepEqual(out(y2).data, ['tuesday', 'MONDAY', 'wednesday']);
  const [y3] = runNode('StringNormalizer', [t('string', [1, 2], ['monday', 'Monday'])], { stopwords: ['monday'], case_change_action: 'LOWER', locale: 'en_US' });
  assert.deepEqual(out(y3).dims, [1, 1]);
  assert.deepEqual(out(y3).data, ['']);
});

test('TfIdfVectorizer: TF counts of uni- and bigrams with skips, IDF/TFIDF weighting', () => {
  // pool: unigrams 2,3,5,4 -> 0..3; bigrams (5,6),(7,8),(6,7) -> 4..6
  const attrs = {
    min_gram_length: 1, max_gram_length: 2, max_skip_count: 0, mode: 'TF',
    ngram_counts: [0, 4], ngram_indexes: [0, 1, 2, 3, 4, 5, 6], pool_int64s: [2, 3, 5, 4, 5, 6, 7, 8, 6, 7],
  };
  const x = t('int32', [12], [1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8]);
  assertClose(runNode('TfIdfVectorizer', [x], attrs)[0], t('float32', [7], [0, 3, 1, 0, 1, 1, 1]));
  // with skips up to 5, (7,8) is found twice more; unigrams are not recounted per skip
  assertClose(runNode('TfIdfVectorizer', [x], { ...attrs, max_skip_count: 5 })[0], t('float32', [7], [0, 3, 1, 0, 1, 3, 1]));
  const w = { ...attrs, weights: { type: 'floats' as const, value: [1, 2, 3, 4, 5, 6, 7] } };
  assertClose(runNode('TfIdfVectorizer', [x], { ...w, mode: 'IDF' })[0], t('float32', [7], [0, 2, 3, 0, 5, 6, 7]));
  assertClose(runNode('TfIdfVectorizer', [x], { ...w, mode: 'TFIDF' })[0], t('float32', [7], [0, 6, 3, 0, 5, 6, 7]));
  const s = t('string', [2, 3], ['a', 'b', 'a', 'b', 'b', 'c']);
  const sa = { min_gram_length: 1, max_gram_length: 1, max_skip_count: 0, mode: 'TF', ngram_counts: [0], ngram_indexes: [1, 0], pool_strings: ['a', 'b'] };
  assertClose(runNode('TfIdfVectorizer', [s], sa)[0], t('float32', [2, 2], [1, 2, 2, 0]));
});
