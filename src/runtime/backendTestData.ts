// Checks capturing against the ONNX backend test data (model.onnx + test_data_set_0/{input,output}_*.pb):
// with every node output captured, the model's outputs must still equal the expected outputs.
// Used by test/unit/runtimeBackendData.test.ts and scripts/check-backend-data.ts (all models).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { OnnxBackend, cleanOrtMessage } from './onnxBackend';
import { asNumbers, type HostTensor } from './hostTensor';
import { readTensorProtoFile } from './inputs/tensorProto';

export type CaseStatus = 'pass' | 'fail' | 'unsupported';

export interface CaseResult {
  dir: string;
  status: CaseStatus;
  detail: string;
  captured: number;
  ms: number;
}

export const BACKEND_DATA_ROOT = '/usr/share/libonnx-testdata/data';

/** Every backend test case folder, sorted. */
export function listBackendCases(root = BACKEND_DATA_ROOT): string[] {
  const out: string[] = [];
  if (!fs.existsSync(root)) return out;
  for (const group of fs.readdirSync(root).sort()) {
    const g = path.join(root, group);
    if (!fs.statSync(g).isDirectory()) continue;
    for (const c of fs.readdirSync(g).sort()) {
      const dir = path.join(g, c);
      if (fs.existsSync(path.join(dir, 'model.onnx')) && fs.existsSync(path.join(dir, 'test_data_set_0'))) out.push(dir);
    }
  }
  return out;
}

function readSet(dir: string, prefix: string): HostTensor[] {
  const files = fs.readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.pb'));
  files.sort((a, b) => Number(a.slice(prefix.length, -3)) - Number(b.slice(prefix.length, -3)));
  return files.map((f) => readTensorProtoFile(path.join(dir, f)).tensor);
}

/** Max |a-b| relative to tolerance; NaN positions must match. */
export function compareTensors(actual: HostTensor, expected: HostTensor, rtol: number, atol: number): string | undefined {
  if (actual.dims.join(',') !== expected.dims.join(',')) return `shape [${actual.dims}] ≠ expected [${expected.dims}]`;
  if (actual.dtype === 'string' || expected.dtype === 'string') {
    return (actual.data as string[]).every((s, i) => s === (expected.data as string[])[i]) ? undefined : 'strings differ';
  }
  const a = asNumbers(actual), e = asNumbers(expected);
  for (let i = 0; i < e.length; i++) {
    const x = a[i], y = e[i];
    if (Number.isNaN(y)) {
      if (!Number.isNaN(x)) return `element ${i}: ${x} ≠ NaN`;
      continue;
    }
    if (x === y) continue;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) return `element ${i}: ${x} ≠ expected ${y}`;
  }
  return undefined;
}

function sameTensor(a: HostTensor, b: HostTensor): boolean {
  if (a.dims.join(',') !== b.dims.join(',') || a.data.length !== b.data.length) return false;
  const x = a.data as ArrayLike<unknown>, y = b.data as ArrayLike<unknown>;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && !(Number.isNaN(x[i]) && Number.isNaN(y[i]))) return false;
  return true;
}

/** Runs one case: plain, then with every node output captured. 'unsupported' when onnxruntime-web
 *  cannot load or run the plain model or its plain outputs already differ from the expected ones. */
export async function checkBackendCase(dir: string, rtol = 1e-3, atol = 1e-5): Promise<CaseResult> {
  const t0 = performance.now();
  const done = (status: CaseStatus, detail: string, captured = 0): CaseResult => ({ dir, status, detail, captured, ms: Math.round(performance.now() - t0) });
  const modelPath = path.join(dir, 'model.onnx');
  const bytes = new Uint8Array(fs.readFileSync(modelPath));
  const proto = onnx.ModelProto.decode(bytes);
  const graph = proto.graph!;
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const ownOutputs = (graph.output ?? []).map((o) => o.name ?? '');
  const feedNames = (graph.input ?? []).map((i) => i.name ?? '').filter((n) => !initializers.has(n));
  const setDir = path.join(dir, 'test_data_set_0');
  let inputs: HostTensor[], expected: HostTensor[];
  try {
    inputs = readSet(setDir, 'input_');
    expected = readSet(setDir, 'output_');
  } catch (e) {
    return done('unsupported', `test data: ${(e as Error).message}`);
  }
  if (inputs.length !== feedNames.length || expected.length !== ownOutputs.length) return done('unsupported', 'test data does not match the graph inputs/outputs (sequence or optional values)');
  const feeds: Record<string, HostTensor> = {};
  feedNames.forEach((n, i) => (feeds[n] = inputs[i]));

  let plain: Record<string, HostTensor>;
  try {
    const b = await OnnxBackend.create(modelPath, { capture: [], bytes, modelOutputs: ownOutputs, initializerNames: initializers });
    try {
      plain = await b.run(feeds, ownOutputs);
    } finally {
      await b.dispose();
    }
  } catch (e) {
    return done('unsupported', cleanOrtMessage(e));
  }
  for (let i = 0; i < ownOutputs.length; i++) {
    const diff = compareTensors(plain[ownOutputs[i]], expected[i], rtol, atol);
    if (diff) return done('unsupported', `onnxruntime-web's own output ${ownOutputs[i]} differs: ${diff}`);
  }

  const capture = [...new Set((graph.node ?? []).flatMap((n) => n.output ?? []).filter((o) => o && !ownOutputs.includes(o)))];
  let captured: Record<string, HostTensor>;
  let tensorCaptures = new Set<string>();
  try {
    const b = await OnnxBackend.create(modelPath, { capture, bytes, modelOutputs: ownOutputs, initializerNames: initializers });
    try {
      tensorCaptures = new Set(capture.filter((c) => b.tensorOutputs.has(c)));
      captured = await b.run(feeds, [...ownOutputs, ...capture]);
    } finally {
      await b.dispose();
    }
  } catch (e) {
    return done('fail', `with ${capture.length} captures: ${cleanOrtMessage(e)}`, capture.length);
  }
  for (let i = 0; i < ownOutputs.length; i++) {
    const name = ownOutputs[i];
    const got = captured[name];
    if (!got) return done('fail', `output ${name} missing with captures`, capture.length);
    const diff = compareTensors(got, expected[i], rtol, atol);
    if (diff) return done('fail', `output ${name} with captures: ${diff}`, capture.length);
    if (!sameTensor(got, plain[name])) return done('fail', `output ${name} changed when captures were added`, capture.length);
  }
  let tensors = 0;
  for (const c of capture) {
    if (captured[c]) tensors++;
    else if (tensorCaptures.has(c)) return done('fail', `captured value ${c} missing`, capture.length);
  }
  return done('pass', '', tensors);
}
