import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importModel } from '../../../src/onnx/import.js';
import { ModelProtoType } from '../../../src/onnx/proto.js';
import { TensorJetError } from '../../../src/errors.js';

const values = new Float32Array([1, 2, 3, 4]);

function modelWith(location: string, offset?: number, length?: number): Uint8Array {
  const ext = [{ key: 'location', value: location }];
  if (offset !== undefined) ext.push({ key: 'offset', value: String(offset) });
  if (length !== undefined) ext.push({ key: 'length', value: String(length) });
  return ModelProtoType.encode({
    ir_version: 10,
    opset_import: [{ domain: '', version: 21 }],
    graph: { name: 'g', initializer: [{ name: 'w', data_type: 1, dims: [4], data_location: 1, external_data: ext }] },
  }).finish();
}

function setup(location: string, offset?: number, length?: number): { dir: string; model: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tj-ext-'));
  const model = path.join(dir, 'model.onnx');
  fs.writeFileSync(model, modelWith(location, offset, length));
  return { dir, model };
}

const extErr = (re: RegExp) => (e: unknown) =>
  e instanceof TensorJetError && e.code === 'E_EXTERNAL_DATA' && re.test(e.message) && e.message.includes("'w'");

test('external data: good case, with offset and length', () => {
  const { dir, model } = setup('data/w.bin', 8, 16);
  fs.mkdirSync(path.join(dir, 'data'));
  const buf = Buffer.alloc(32);
  Buffer.from(values.buffer).copy(buf, 8);
  fs.writeFileSync(path.join(dir, 'data/w.bin'), buf);
  const m = importModel(model);
  assert.deepEqual([...m.graph.constants.get('w')!.data], [1, 2, 3, 4]);
  // bytes + baseDir works the same; bytes without baseDir is a clear error
  assert.deepEqual([...importModel(fs.readFileSync(model), { baseDir: dir }).graph.constants.get('w')!.data], [1, 2, 3, 4]);
  assert.throws(() => importModel(fs.readFileSync(model)), extErr(/baseDir/));
});

test("external data: '..' and absolute paths are rejected", () => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'tj-out-'));
  fs.writeFileSync(path.join(outside, 'w.bin'), Buffer.from(values.buffer));
  const a = setup(`../${path.basename(outside)}/w.bin`);
  assert.throws(() => importModel(a.model), extErr(/'\.\.'/));
  const b = setup('sub/../../x.bin');
  assert.throws(() => importModel(b.model), extErr(/'\.\.'/));
  const c = setup(path.join(outside, 'w.bin'));
  assert.throws(() => importModel(c.model), extErr(/absolute/));
});

test('external data: a symlink leading out of the folder is rejected', () => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'tj-out-'));
  fs.writeFileSync(path.join(outside, 'secret.bin'), Buffer.from(values.buffer));
  const { dir, model } = setup('w.bin');
  fs.symlinkSync(path.join(outside, 'secret.bin'), path.join(dir, 'w.bin'));
  assert.throws(() => importModel(model), extErr(/outside the model folder/));
  // a symlinked directory leading out, too
  const d2 = setup('link/secret.bin');
  fs.symlinkSync(outside, path.join(d2.dir, 'link'));
  assert.throws(() => importModel(d2.model), extErr(/outside the model folder/));
  // a symlink that stays inside is fine
  const d3 = setup('alias.bin');
  fs.writeFileSync(path.join(d3.dir, 'real.bin'), Buffer.from(values.buffer));
  fs.symlinkSync('real.bin', path.join(d3.dir, 'alias.bin'));
  assert.deepEqual([...importModel(d3.model).graph.constants.get('w')!.data], [1, 2, 3, 4]);
});

test('external data: hardlinks are rejected unless allowed', () => {
  const { dir, model } = setup('w.bin');
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'tj-out-'));
  fs.writeFileSync(path.join(outside, 'secret.bin'), Buffer.from(values.buffer));
  try {
    fs.linkSync(path.join(outside, 'secret.bin'), path.join(dir, 'w.bin'));
  } catch {
    return; // different filesystems: nothing to test
  }
  assert.throws(() => importModel(model), extErr(/hard links/));
  assert.deepEqual([...importModel(model, { allowHardlinks: true }).graph.constants.get('w')!.data], [1, 2, 3, 4]);
});

test('external data: offset+length beyond the file, wrong length, missing file', () => {
  const a = setup('w.bin', 8, 16);
  fs.writeFileSync(path.join(a.dir, 'w.bin'), Buffer.alloc(20));
  assert.throws(() => importModel(a.model), extErr(/beyond the end of the file \(20 bytes\)/));
  const b = setup('w.bin', 0, 12);
  fs.writeFileSync(path.join(b.dir, 'w.bin'), Buffer.alloc(20));
  assert.throws(() => importModel(b.model), extErr(/length 12 does not match the 16 bytes/));
  const c = setup('missing.bin');
  assert.throws(() => importModel(c.model), extErr(/not found/));
  const d = setup('w.bin', -1 as number);
  fs.writeFileSync(path.join(d.dir, 'w.bin'), Buffer.alloc(20));
  assert.throws(() => importModel(d.model), extErr(/invalid offset/));
});
