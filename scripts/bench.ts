// `npm run bench`: every speed or memory claim of the project, measured in one run, each next to a
// baseline measured in the same run and printed as a ratio.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readOnnxModel } from '../src/formats/onnx/reader';
import { writeChain, writeVgg16 } from './bench/largeModels';

const CACHE = path.join(os.homedir(), '.cache', 'activation-lens', 'bench');
const CLI = path.resolve(__dirname, '..', 'dist', 'cli.js');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeIt(fn: () => void, runs = 5): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Wall time and peak RSS of a whole process, from GNU time. */
function measureProcess(args: string[]): { ms: number; rssMB: number; status: number | null } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [secs, kb] = last.split(' ').map(Number);
  return { ms: secs * 1000, rssMB: kb / 1024, status: r.status };
}

function fmt(n: number, digits = 1): string {
  return n.toFixed(digits);
}

async function benchOpen(): Promise<void> {
  fs.mkdirSync(CACHE, { recursive: true });
  const models: { label: string; file: string; make: (f: string) => void }[] = [
    { label: 'vgg16 (553 MB, weight-heavy)', file: path.join(CACHE, 'vgg16.onnx'), make: writeVgg16 },
    { label: 'chain of 20,000 nodes (graph-heavy)', file: path.join(CACHE, 'chain-20k.onnx'), make: (f) => writeChain(f, 20000) },
  ];
  console.log('\n## Opening ONNX models (time-to-graph vs reading the file\'s bytes)');
  console.log('| model | file MB | read bytes ms | open (graph) ms | open / read | onnx-proto whole-file decode ms | CLI inspect process ms | CLI peak RSS MB | onnx-proto decode process RSS MB | `node -e 0` RSS MB |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const baseline = measureProcess([process.execPath, '-e', '0']);
  for (const m of models) {
    if (!fs.existsSync(m.file)) {
      process.stderr.write(`writing ${m.file} …\n`);
      m.make(m.file);
    }
    const sizeMB = fs.statSync(m.file).size / 2 ** 20;
    // Warm the page cache so both sides measure reading, not the disk.
    fs.readFileSync(m.file);
    const readMs = timeIt(() => fs.readFileSync(m.file), 3);
    const openTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await readOnnxModel(m.file);
      openTimes.push(performance.now() - t0);
    }
    const openMs = median(openTimes);
    const cli = measureProcess([process.execPath, CLI, 'inspect', '--json', m.file]);
    if (cli.status !== 0) throw new Error(`inspect failed on ${m.file}`);
    const whole = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, path.join(__dirname, 'bench', 'decodeWhole.cjs'), m.file], { encoding: 'utf8' });
    const wholeMs = JSON.parse(whole.stdout).ms as number;
    const wholeRss = Number(whole.stderr.trim().split('\n').pop()) / 1024;
    console.log(`| ${m.label} | ${fmt(sizeMB)} | ${fmt(readMs)} | ${fmt(openMs)} | ${fmt(openMs / readMs, 3)}× | ${fmt(wholeMs)} | ${fmt(cli.ms, 0)} | ${fmt(cli.rssMB)} | ${fmt(wholeRss)} | ${fmt(baseline.rssMB)} |`);
  }
}

/** Median wall time of a whole process over `runs` runs (after one warm-up), in ms. */
function processMs(args: string[], runs: number): number {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(args[0], args.slice(1), { stdio: 'ignore' });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
    if (i > 0) times.push(ms);
  }
  return median(times);
}

/** CLI start-up: each command is its own bundle (scripts/build.mjs), so a command pays for
 *  parsing only its own code. Baseline: `node -e 0`, Node's own start, in the same run. */
function benchCliStart(): void {
  const vgg = path.join(CACHE, 'vgg16.onnx');
  const runs = 15;
  const base = processMs([process.execPath, '-e', '0'], runs);
  const rows: [string, string[]][] = [
    ['`node -e 0` (baseline)', [process.execPath, '-e', '0']],
    ['`activation-lens --version`', [process.execPath, CLI, '--version']],
    ['`activation-lens glossary relu`', [process.execPath, CLI, 'glossary', 'relu']],
    ['`activation-lens inspect --json` vgg16 (553 MB)', [process.execPath, CLI, 'inspect', '--json', vgg]],
  ];
  console.log(`\n## CLI start-up (whole process, median of ${runs} runs)`);
  console.log('| command | ms | − baseline ms | / baseline |');
  console.log('|---|---|---|---|');
  for (const [label, args] of rows) {
    const ms = label.includes('baseline') ? base : processMs(args, runs);
    console.log(`| ${label} | ${fmt(ms)} | ${fmt(ms - base)} | ${fmt(ms / base, 2)}× |`);
  }
}

async function optional(label: string, file: string, fn: string): Promise<void> {
  const p = path.join(__dirname, file);
  if (!fs.existsSync(p)) return;
  const mod = await import(p);
  // A TypeScript module loaded through tsx may arrive as a CommonJS namespace (exports on default).
  const run = mod[fn] ?? mod.default?.[fn];
  if (typeof run !== 'function') throw new Error(`${file} does not export ${fn}()`);
  console.log(`\n## ${label}`);
  const result = await run();
  if (result !== undefined) console.log(typeof result === 'string' ? result : JSON.stringify(result, null, 2));
}

async function main(): Promise<void> {
  console.log(`# Activation Lens benchmark — ${new Date().toISOString()}, Node ${process.version}, ${os.cpus().length} cores`);
  await benchOpen();
  benchCliStart();
  await optional('Graph layout', 'bench-layout.ts', 'benchLayout');
  await optional('Running models and capturing activations', 'bench-runtime.ts', 'benchRuntime');
  await optional('Hostile models (bounded work)', 'bench-hostile.ts', 'benchHostile');
  await optional('Model viewer at 100,000 nodes (headless Chromium; baseline: Netron-like eager drawing)', 'bench-viewer.ts', 'benchViewer');
  await optional('Diffing two saved runs', 'bench-diff.ts', 'benchDiff');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
