// Hostile models cost what a plain model of the same size costs: each measured next to a baseline
// built in the same run (see test/support/hostileModels.ts for the models themselves).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../src/formats/load';
import { analyzeModel } from '../src/analysis/rules/index';
import { tensorStats } from '../src/analysis/tensorStats';
import { encodeModel, floatTensor, valueInfo } from '../test/support/onnxBuild';
import { encodeFields, parseMessage, Writer } from '../test/support/fuzz/wire';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn: () => Promise<unknown>, runs = 3): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

/** The same 1000 × 1250 weight (5 MB) as one raw_data field, or as 1.25 million float_data fields. */
function weightModels(dir: string): { raw: string; fields: string } {
  const rows = 1000, cols = 1250;
  const values = Array.from({ length: rows * cols }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const spec = { inputs: [valueInfo('x', 1, [1, rows])], outputs: [valueInfo('y', 1, [1, cols])], nodes: [{ opType: 'MatMul', input: ['x', 'w'], output: ['y'] }] };
  const raw = path.join(dir, 'raw.onnx');
  fs.writeFileSync(raw, encodeModel({ ...spec, initializers: [floatTensor('w', [rows, cols], values)] }));
  const t = new Writer().uint(1, rows).uint(1, cols).uint(2, 1).bytes(8, 'w');
  for (const v of values) t.float32(4, v);
  const top = parseMessage(encodeModel(spec), 0) ?? [];
  const fields = path.join(dir, 'fields.onnx');
  fs.writeFileSync(fields, encodeFields(top.map((f) => (f.field === 7 && f.wire === 2 ? { ...f, bytes: new Writer().raw(f.bytes).bytes(5, t.finish()).finish(), children: undefined } : f))));
  return { raw, fields };
}

/** One Sum reading a ReLU's output k times, or k distinct outputs of one Split (the same edges). */
function fanInModels(dir: string, k: number): { fanIn: string; distinct: string } {
  const x = [valueInfo('x', 1, [1, 4])];
  const out = [valueInfo('s', 1, [1, 4])];
  const fanIn = path.join(dir, 'fanin.onnx');
  fs.writeFileSync(fanIn, encodeModel({ inputs: x, outputs: out, nodes: [{ opType: 'Relu', input: ['x'], output: ['r'] }, { opType: 'Sum', input: new Array(k).fill('r'), output: ['s'] }] }));
  const parts = Array.from({ length: k }, (_, i) => `p${i}`);
  const distinct = path.join(dir, 'distinct.onnx');
  fs.writeFileSync(distinct, encodeModel({ inputs: x, outputs: out, nodes: [{ opType: 'Split', input: ['x'], output: parts }, { opType: 'Sum', input: parts, output: ['s'] }] }));
  return { fanIn, distinct };
}

export async function benchHostile(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-bench-hostile-'));
  const lines = ['| case | hostile ms | baseline | baseline ms | hostile / baseline |', '|---|---|---|---|---|'];
  try {
    const w = weightModels(dir);
    const stats = async (file: string) => {
      const m = await loadModel(file);
      const t = m.graph.initializers[0];
      return tensorStats(() => t.values());
    };
    const fieldsMs = await time(() => stats(w.fields));
    const rawMs = await time(() => stats(w.raw));
    lines.push(`| load + weight statistics of a 5 MB weight stored as 1,250,000 float_data fields | ${fieldsMs.toFixed(0)} | the same weight as one raw_data field | ${rawMs.toFixed(0)} | ${(fieldsMs / rawMs).toFixed(1)}× |`);
    const k = 150_000;
    const f = fanInModels(dir, k);
    const scan = async (file: string) => analyzeModel(await loadModel(file));
    const fanMs = await time(() => scan(f.fanIn));
    const distinctMs = await time(() => scan(f.distinct));
    lines.push(`| load + scan of one node reading a tensor ${k.toLocaleString('en-US')} times | ${fanMs.toFixed(0)} | one node reading ${k.toLocaleString('en-US')} distinct tensors | ${distinctMs.toFixed(0)} | ${(fanMs / distinctMs).toFixed(2)}× |`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return lines.join('\n');
}
