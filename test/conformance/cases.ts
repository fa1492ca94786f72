/** Finds conformance cases in the shared ONNX backend test data and loads their inputs and expected outputs. */
import fs from 'node:fs';
import path from 'node:path';
import type { Model, ValueType } from '../../src/ir/graph.js';
import type { Value } from '../../src/ir/value.js';
import { importModel, readValueProto } from '../../src/onnx/import.js';
import type { Tensor } from '../../src/tensor/tensor.js';

export const SUITES = ['node', 'pytorch-converted', 'pytorch-operator', 'simple', 'light'] as const;
export type Suite = (typeof SUITES)[number];

export interface Case {
  suite: Suite;
  name: string;
  modelPath: string;
  /** test_data_set_N folders (empty for light models, whose input is generated) */
  dataSets: string[];
  /** light models only: the expected output file */
  expectedPath?: string;
}

export function defaultDataDir(): string {
  return process.env.TENSORJET_CONFORMANCE_DATA ?? path.resolve(process.cwd(), '../shared/onnx-backend-tests');
}

export function listCases(dataDir: string, suite: Suite): Case[] {
  const dir = path.join(dataDir, suite);
  if (!fs.existsSync(dir)) return [];
  if (suite === 'light') {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.onnx'))
      .sort()
      .map((f) => ({
        suite,
        name: f.replace(/\.onnx$/, ''),
        modelPath: path.join(dir, f),
        dataSets: [],
        expectedPath: path.join(dir, f.replace(/\.onnx$/, '_output_0.pb')),
      }));
  }
  return fs
    .readdirSync(dir)
    .filter((d) => fs.existsSync(path.join(dir, d, 'model.onnx')))
    .sort()
    .map((d) => ({
      suite,
      name: d,
      modelPath: path.join(dir, d, 'model.onnx'),
      dataSets: fs
        .readdirSync(path.join(dir, d))
        .filter((s) => s.startsWith('test_data_set_'))
        .sort()
        .map((s) => path.join(dir, d, s)),
    }));
}

/** Graph inputs the test data feeds: those without an initializer, in graph order. */
export function fedInputs(model: Model): { name: string; type: ValueType }[] {
  return model.graph.inputs.filter((i) => !model.graph.constants.has(i.name));
}

export interface DataSet {
  feeds: Map<string, Value>;
  expected: Value[];
}

export function loadDataSet(model: Model, dir: string): DataSet {
  const inputs = fedInputs(model);
  const feeds = new Map<string, Value>();
  const files = (prefix: string) =>
    fs
      .readdirSync(dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
      .sort((a, b) => Number(a.slice(prefix.length, -3)) - Number(b.slice(prefix.length, -3)));
  files('input_').forEach((f, k) => {
    const info = inputs[k];
    if (!info) throw new Error(`${f} has no matching graph input`);
    feeds.set(info.name, readValueProto(fs.readFileSync(path.join(dir, f)), info.type));
  });
  const expected = files('output_').map((f, k) => readValueProto(fs.readFileSync(path.join(dir, f)), model.graph.outputs[k]?.type));
  return { feeds, expected };
}

/** The light models' input: float32 arange(n)/n in the graph input's shape (a missing dim counts as 1). */
export function lightInput(model: Model): { name: string; tensor: Tensor } {
  const info = fedInputs(model)[0];
  const shape = info.type.kind === 'tensor' ? (info.type.shape ?? []) : [];
  const dims = shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = i / n;
  return { name: info.name, tensor: { dtype: 'float32', dims, data } };
}

export function loadModel(c: Case): Model {
  return importModel(c.modelPath);
}
