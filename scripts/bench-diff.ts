// `activation-lens diff` of two saved runs, timed as whole processes against the CLI's own start-up
// (`--version`) and `node -e 0` in the same run; plus the comparison alone in-process, for runs
// whose layers match by name, by structure (every node renamed) and by structure around one
// inserted layer (the alignment table). scripts/bench.ts calls benchDiff().
// Run alone: npx tsx scripts/bench-diff.ts
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { compareRuns } from '../src/analysis/compare/compare';
import { parseRunJson } from '../src/analysis/compare/runFile';
import { runActivations } from '../src/runtime/runActivations';
import { runToJson } from '../src/runtime/runJson';

const CLI = path.resolve(__dirname, '..', 'dist', 'cli.js');

/** A chain of `layers` × (Gemm + Relu) of `width` units, weights from a fixed sequence. */
function writeChain(file: string, layers: number, width: number): void {
  let s = 12345;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * (2 / Math.sqrt(width));
  const tensor = (name: string, dims: number[], n: number, shift = 0): onnx.ITensorProto => ({ name, dims, dataType: 1, rawData: new Uint8Array(Float32Array.from({ length: n }, () => rnd() + shift).buffer) });
  const node: onnx.INodeProto[] = [];
  const initializer: onnx.ITensorProto[] = [];
  let x = 'x';
  for (let i = 0; i < layers; i++) {
    initializer.push(tensor(`w${i}`, [width, width], width * width), tensor(`b${i}`, [width], width, i % 10 === 0 ? -0.05 : 0.02));
    node.push({ name: `dense${i}`, opType: 'Gemm', input: [x, `w${i}`, `b${i}`], output: [`h${i}`] }, { name: `relu${i}`, opType: 'Relu', input: [`h${i}`], output: [`a${i}`] });
    x = `a${i}`;
  }
  const vi = (name: string): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimValue: width }] } } } });
  const model = { irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: { name: 'chain', node, initializer, input: [vi('x')], output: [vi(x)] } };
  fs.writeFileSync(file, onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish());
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median wall time of a whole process (stdout discarded). */
function processMs(args: string[], runs = 7): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  return median(times);
}

function inProcessMs(fn: () => void, runs = 7): number {
  fn(); // warm up the JIT
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export async function benchDiff(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-bench-diff-'));
  const lines: string[] = [];
  try {
    lines.push('Two `run --json` files of the same chain model on different synthetic inputs (seed 0 and 1, 32 samples), compared by `diff A B --json` as a whole process (median of 7), next to the CLI start-up (`--version`) and `node -e 0` measured in the same run. In-process (no start-up): parsing both files and comparing them; comparing only, with every layer of B renamed, and with one more layer inserted (the structural alignment table).', '');
    lines.push('| model | run file KB | `node -e 0` ms | CLI `--version` ms | `diff --json` process ms | diff / `--version` | in-process: parse both + compare (by name) ms | compare only, all renamed (structure) ms | compare only, renamed + 1 inserted layer (alignment table) ms |');
    lines.push('|---|---|---|---|---|---|---|---|---|');
    for (const [layers, width] of [[100, 256], [1000, 64]]) {
      const model = path.join(dir, `chain-${layers}.onnx`);
      writeChain(model, layers, width);
      const files: string[] = [];
      for (const seed of [0, 1]) {
        const file = path.join(dir, `chain-${layers}-seed${seed}.json`);
        fs.writeFileSync(file, JSON.stringify(runToJson(await runActivations(model, { samples: 32, seed })), null, 2) + '\n');
        files.push(file);
      }
      const nodeMs = processMs(['-e', '0']);
      const versionMs = processMs([CLI, '--version']);
      const diffMs = processMs([CLI, 'diff', files[0], files[1], '--json']);
      const texts = files.map((f) => fs.readFileSync(f, 'utf8'));
      const byName = inProcessMs(() => compareRuns(parseRunJson(texts[0], files[0]), parseRunJson(texts[1], files[1])));
      const a = parseRunJson(texts[0], files[0]);
      const renamed = parseRunJson(texts[1], files[1]);
      renamed.layers.forEach((l, i) => (l.node = `export2/block${i}/act`));
      const structural = inProcessMs(() => compareRuns(a, renamed));
      const inserted = { ...renamed, layers: [...renamed.layers.slice(0, 1), { ...renamed.layers[1], node: 'export2/extra', units: width + 1, activeRate: [...renamed.layers[1].activeRate, 0] }, ...renamed.layers.slice(1)] };
      const check = compareRuns(a, inserted);
      if (check.matched.length !== layers || check.unmatched.b.length !== 1) throw new Error(`renamed + inserted: ${check.matched.length} matched, ${check.unmatched.b.length} unmatched in B`);
      const alignMs = inProcessMs(() => compareRuns(a, inserted), 3);
      const kb = fs.statSync(files[0]).size / 1024;
      lines.push(`| ${layers} × (Gemm + Relu), ${width} units | ${kb.toFixed(0)} | ${nodeMs.toFixed(0)} | ${versionMs.toFixed(0)} | ${diffMs.toFixed(0)} | ${(diffMs / versionMs).toFixed(2)}× | ${byName.toFixed(1)} | ${structural.toFixed(1)} | ${alignMs.toFixed(1)} |`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return lines.join('\n');
}

if (require.main === module) {
  benchDiff().then((s) => console.log(s), (e) => {
    console.error(e);
    process.exit(1);
  });
}
