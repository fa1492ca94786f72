/** The tensorjet CLI end to end, as a child process: outputs, exit codes, one-line errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeModel, graphToProto } from '../../src/onnx/encode.js';
import { ModelProtoType } from '../../src/onnx/proto.js';
import { simpleNet } from '../../examples/simplenet/make-simplenet.js';
import { readNpy, writeNpy } from '../../src/cli/npy.js';
import { tensor } from '../../src/runtime/tensors.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const SIMPLENET = resolve('examples/simplenet/simplenet.onnx');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One line "error: ...", nothing else, non-zero exit. */
function assertOneLineError(r: ReturnType<typeof cli>, re: RegExp, code = 1) {
  assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, re);
}

const tmp = mkdtempSync(join(tmpdir(), 'tj-cli-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

function hostileModel(name: string, patch: (init: Record<string, unknown>) => void): string {
  const m = simpleNet();
  const graph = graphToProto(m.graph) as { initializer: Record<string, unknown>[] };
  patch(graph.initializer[0]!);
  const bytes = ModelProtoType.encode({ ir_version: 8, opset_import: [{ domain: '', version: 17 }], graph }).finish();
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

test('simplenet run prints [0, 2, 4, 6, 8]', () => {
  const r = cli('run', SIMPLENET, '--input', 'input=0,1,2,3,4');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^output: float32 \[1, 5\]\n\[0, 2, 4, 6, 8\]\n$/);
});

test('build, inspect and run a plan with .npy in and out', () => {
  const plan = join(tmp, 'simplenet.plan');
  const b = cli('build', SIMPLENET, '-o', plan);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /^wrote .*simplenet\.plan \(.*\): cpu, fp32, 1 layer, 100 B of weights/);
  assert.ok(existsSync(plan));

  const i = cli('inspect', plan);
  assert.equal(i.code, 0, i.stderr);
  assert.match(i.stdout, /TensorJet plan, format version 1/);
  assert.match(i.stdout, /target: cpu/);
  assert.match(i.stdout, /input\s+input\s+float32\s+\[1, 5\]/);
  assert.match(i.stdout, /output\s+output\s+float32\s+\[1, 5\]/);
  assert.match(i.stdout, /layers: 1, weights: 100 B/);
  assert.match(i.stdout, /ops: MatMul x1/);

  const j = JSON.parse(cli('inspect', SIMPLENET, '--json').stdout);
  assert.equal(j.kind, 'onnx');
  assert.deepEqual(j.tensors.map((t: { name: string; mode: string }) => `${t.name}:${t.mode}`), ['input:input', 'output:output']);

  const npy = join(tmp, 'in.npy');
  writeFileSync(npy, writeNpy(tensor('float32', [1, 5], [1, 1, 1, 1, 1])));
  const outDir = join(tmp, 'out');
  const r = cli('run', plan, '--input', `input=${npy}`, '--output-dir', outDir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\[2, 2, 2, 2, 2\]/);
  const out = readNpy(readFileSync(join(outDir, 'output.npy')));
  assert.deepEqual(out.dims, [1, 5]);
  assert.deepEqual([...(out.data as Float32Array)], [2, 2, 2, 2, 2]);
});

test('a truncated plan is one error line, exit 1', () => {
  const plan = join(tmp, 'full.plan');
  assert.equal(cli('build', SIMPLENET, '-o', plan).code, 0);
  const bytes = readFileSync(plan);
  const cut = join(tmp, 'cut.plan');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
  assertOneLineError(cli('run', cut, '--random'), /truncated/);
  assertOneLineError(cli('inspect', cut), /truncated/);
});

test('a model claiming a multi-gigabyte constant is one error line', () => {
  const path = hostileModel('huge.onnx', (init) => { init.dims = [100000, 100000, 1000]; });
  assertOneLineError(cli('run', path, '--random'), /linear\.weight|allocation|limit|bytes/i);
  assertOneLineError(cli('build', path, '-o', join(tmp, 'huge.plan')), /./);
  assert.ok(!existsSync(join(tmp, 'huge.plan')));
});

test('external data outside the model folder is one error line', () => {
  const path = hostileModel('escape.onnx', (init) => {
    delete init.raw_data;
    init.data_location = 1;
    init.external_data = [{ key: 'location', value: '../../../../etc/passwd' }];
  });
  assertOneLineError(cli('run', path, '--random'), /external data|outside/i);
  assertOneLineError(cli('inspect', path), /external data|outside/i);
});

test('unsupported ops are all reported at once', () => {
  const m = simpleNet();
  m.graph.nodes.push(
    { name: 'f1', opType: 'FooOp', domain: '', inputs: ['output'], outputs: ['a'], attributes: new Map() },
    { name: 'b1', opType: 'BarOp', domain: '', inputs: ['a'], outputs: ['b'], attributes: new Map() },
  );
  m.graph.outputs = [{ name: 'b', type: { kind: 'tensor', dtype: 'float32' } }];
  const path = join(tmp, 'unsupported.onnx');
  writeFileSync(path, encodeModel(m));
  assertOneLineError(cli('build', path, '-o', join(tmp, 'u.plan')), /^error: 2 nodes are not supported by the cpu backend: 'f1' \(FooOp\), 'b1' \(BarOp\)/);
});

test('usage errors exit 2; bad inputs exit 1', () => {
  assertOneLineError(cli('frobnicate'), /unknown command/, 2);
  assertOneLineError(cli('run', SIMPLENET, '--bogus'), /unknown option '--bogus'/, 2);
  assertOneLineError(cli('build', SIMPLENET), /missing -o/, 2);
  assertOneLineError(cli('run', SIMPLENET), /missing input 'input'.*--random/, 2);
  assertOneLineError(cli('run', SIMPLENET, '--input', 'input=1,2'), /got 2 values, its shape \[1, 5\] needs 5/);
  assertOneLineError(cli('run', join(tmp, 'nope.onnx')), /cannot read .*nope\.onnx': no such file/);
  assertOneLineError(cli('build', SIMPLENET, '-o', join(tmp, 'p.plan'), '--shapes', 'input:2x5'), /model fixes it to 1/, 2);
});

test('devices lists the cpu and says why there is no GPU when there is none', () => {
  const r = cli('devices');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^device\s+name/);
  assert.match(r.stdout, /\ncpu\s+/);
  assert.ok(/\ncuda:\d/.test(r.stdout) || /no GPU: /.test(r.stdout));
});

test('bench reports percentiles as JSON', () => {
  const r = cli('bench', SIMPLENET, '--duration', '0.2', '--warmup', '2', '--json', '--device', 'cpu');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.ok(j.iterations > 0);
  for (const k of ['p50', 'p90', 'p99']) assert.equal(typeof j.latencyMs[k], 'number');
});

test('a tiny model whose ConstantOfShape asks for petabytes fails at build, naming the node', () => {
  const m = simpleNet();
  m.graph.constants.set('huge_shape', tensor('int64', [3], [100000, 100000, 100000]));
  m.graph.nodes.push(
    { name: 'fill', opType: 'ConstantOfShape', domain: '', inputs: ['huge_shape'], outputs: ['big'], attributes: new Map() },
    { name: 'grow', opType: 'Add', domain: '', inputs: ['big', 'output'], outputs: ['sum'], attributes: new Map() },
  );
  m.graph.outputs = [{ name: 'sum', type: { kind: 'tensor', dtype: 'float32' } }];
  const path = join(tmp, 'petabytes.onnx');
  writeFileSync(path, encodeModel(m));
  assert.ok(readFileSync(path).length < 1000, 'the model is tiny');
  const plan = join(tmp, 'petabytes.plan');
  assertOneLineError(cli('build', path, '-o', plan), /node 'fill' \(ConstantOfShape\).*over the limit/);
  assert.ok(!existsSync(plan), 'no plan is written');
  assertOneLineError(cli('run', path, '--random'), /'fill' \(ConstantOfShape\).*over the limit/);
});
