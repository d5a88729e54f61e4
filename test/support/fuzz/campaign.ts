// One fuzz campaign: N seeded cases (mutated ONNX models and TF.js folders) plus the hand-written
// hostile models, each run through the library in a watched child process, a sample also through
// the CLI; the outcome of every case classified as the issue classifies them (clean errors,
// results, timeouts, memory, crashes, internal errors, implausible results) and summarised.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildHostileModels, expectationProblem } from '../hostileModels';
import { loadCorpus, type Corpus } from './corpus';
import { mutateOnnx, type Sidecar } from './onnxMutations';
import { Rng } from './rng';
import { BAD_VERDICTS, DEFAULT_LIMITS, runCli, WorkerPool, type CaseOutcome, type Limits, type Verdict } from './runner';
import { mutateTfjs } from './tfjsMutations';

export interface CampaignOptions {
  seed: number;
  /** Mutated cases. */
  cases: number;
  /** Also run the hand-written hostile models. */
  hostile?: boolean;
  /** Run `inspect --json` and `scan --json` on this many of the cases (spread evenly). */
  cliCases?: number;
  /** Also run the CLI on every hostile model. */
  cliHostile?: boolean;
  /** Library workers running at once. */
  jobs?: number;
  limits?: Limits;
  /** Extra folders of seed models. */
  corpus?: string[];
  /** Where to keep the files of failing cases (default: a temporary folder). */
  saveDir?: string;
  log?: (line: string) => void;
}

export interface CaseRecord {
  id: string;
  kind: 'onnx' | 'tfjs' | 'hostile' | 'cli';
  description: string;
  outcome: CaseOutcome;
  /** A hostile model whose outcome is not what the user must get. */
  expectation?: string;
  /** Where the case's files were kept (bad cases only). */
  saved?: string;
}

export interface CampaignReport {
  counts: Record<Verdict, number>;
  cliCounts: Record<Verdict, number>;
  records: CaseRecord[];
  failures: CaseRecord[];
  text: string;
  ok: boolean;
}

const VERDICT_LABELS: [Verdict, string][] = [
  ['clean-error', 'clean errors'],
  ['result', 'results'],
  ['timeout', 'timeouts'],
  ['memory', 'memory'],
  ['crash', 'crashes'],
  ['internal-error', 'internal errors'],
  ['implausible', 'implausible results'],
];

function zero(): Record<Verdict, number> {
  return { result: 0, 'clean-error': 0, timeout: 0, memory: 0, crash: 0, 'internal-error': 0, implausible: 0 };
}

function writeSidecar(dir: string, s: Sidecar): void {
  const p = path.join(dir, s.name);
  if (!s.name || s.name.includes('\0') || !path.resolve(p).startsWith(dir + path.sep)) return;
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.rmSync(p, { recursive: true, force: true });
  if (s.kind === 'file') fs.writeFileSync(p, s.bytes ?? new Uint8Array());
  else if (s.kind === 'folder') fs.mkdirSync(p, { recursive: true });
  else if (s.kind === 'symlink') fs.symlinkSync(s.target ?? 'missing', p);
  else execFileSync('mkfifo', [p]);
}

interface Generated {
  id: string;
  kind: 'onnx' | 'tfjs';
  file: string;
  dir: string;
  description: string;
}

/** Writes case `index` of campaign `seed` into `root`; the same (seed, index) gives the same files. */
export function generateCase(corpus: Corpus, seed: number, index: number, root: string): Generated {
  const rng = new Rng(seed, index);
  const dir = path.join(root, `case-${index}`);
  fs.mkdirSync(dir, { recursive: true });
  const id = `${seed}:${index}`;
  if (rng.chance(0.7) || corpus.tfjs.length === 0) {
    const s = rng.pick(corpus.onnx);
    const m = mutateOnnx(rng, s.bytes);
    for (const side of [...s.sidecars, ...m.sidecars]) writeSidecar(dir, side);
    const file = path.join(dir, 'model.onnx');
    fs.writeFileSync(file, m.bytes);
    return { id, kind: 'onnx', file, dir, description: `ONNX ${s.name}: ${m.notes.join('; ') || 'unchanged'}` };
  }
  const s = rng.pick(corpus.tfjs);
  const m = mutateTfjs(rng, s);
  for (const side of m.files) writeSidecar(dir, side);
  const file = path.join(dir, 'model.json');
  fs.writeFileSync(file, m.json);
  return { id, kind: 'tfjs', file, dir, description: `TF.js ${s.name}: ${m.notes.join('; ') || 'unchanged'}` };
}

function keep(record: CaseRecord, dir: string, saveDir: string): void {
  const target = path.join(saveDir, record.id.replace(/[^\w.-]+/g, '_'));
  try {
    fs.rmSync(target, { recursive: true, force: true });
    fs.cpSync(dir, target, { recursive: true, verbatimSymlinks: true, filter: (src) => !fs.lstatSync(src).isFIFO() });
    fs.writeFileSync(path.join(target, 'CASE.txt'), `${record.id}\n${record.description}\n${record.outcome.verdict}: ${record.outcome.detail}\n${record.expectation ?? ''}\n`);
    record.saved = target;
  } catch {
    // keeping the files is a convenience; the description reproduces the case anyway
  }
}

/** Runs `tasks` with at most `jobs` at a time. */
async function pool<T>(items: T[], jobs: number, task: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, jobs) }, async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i], i);
    }
  });
  await Promise.all(lanes);
}

export async function runCampaign(opts: CampaignOptions): Promise<CampaignReport> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const log = opts.log ?? (() => {});
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'al-fuzz-'));
  const saveDir = opts.saveDir ?? path.join(root, 'failures');
  fs.mkdirSync(saveDir, { recursive: true });
  const corpus = loadCorpus(opts.corpus ?? []);
  const workers = new WorkerPool(opts.jobs ?? 1, limits);
  const counts = zero();
  const cliCounts = zero();
  const records: CaseRecord[] = [];
  const failures: CaseRecord[] = [];
  const cliEvery = opts.cliCases ? Math.max(1, Math.floor(opts.cases / opts.cliCases)) : 0;
  let done = 0;
  let cliRuns = 0;
  const started = performance.now();

  const note = (r: CaseRecord, dir: string | undefined, cli = false) => {
    records.push(r);
    (cli ? cliCounts : counts)[r.outcome.verdict]++;
    if (BAD_VERDICTS.includes(r.outcome.verdict) || r.expectation) {
      failures.push(r);
      if (dir) keep(r, dir, saveDir);
      log(`FAIL ${r.id} [${r.outcome.verdict}] ${r.description.slice(0, 300)}\n     ${(r.expectation ?? r.outcome.detail).slice(0, 600)}`);
    }
  };

  const cli = async (id: string, description: string, file: string, dir: string) => {
    for (const command of ['inspect', 'scan'] as const) {
      const outcome = await runCli(command, file, limits);
      cliRuns++;
      note({ id: `${id}/${command}`, kind: 'cli', description: `${command}: ${description}`, outcome }, dir, true);
    }
  };

  try {
    if (opts.hostile !== false) {
      const dir = path.join(root, 'hostile');
      fs.mkdirSync(dir);
      const hostile = buildHostileModels(dir);
      await pool(hostile, opts.jobs ?? 1, async (c) => {
        const outcome = await workers.run(c.file);
        const r: CaseRecord = { id: `hostile:${c.name}`, kind: 'hostile', description: `[${c.klass}] ${c.name}`, outcome, expectation: expectationProblem(c, outcome) };
        note(r, undefined);
        if (opts.cliHostile) await cli(`hostile:${c.name}`, `[${c.klass}] ${c.name}`, c.file, path.dirname(c.file));
      });
      log(`hostile models: ${hostile.length} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    const indices = Array.from({ length: opts.cases }, (_, i) => i);
    await pool(indices, opts.jobs ?? 1, async (i) => {
      const g = generateCase(corpus, opts.seed, i, root);
      const outcome = await workers.run(g.file);
      note({ id: g.id, kind: g.kind, description: g.description, outcome }, g.dir);
      if (cliEvery && i % cliEvery === 0) await cli(g.id, g.description, g.file, g.dir);
      fs.rmSync(g.dir, { recursive: true, force: true });
      done++;
      if (done % 250 === 0) log(`${done}/${opts.cases} cases, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    });
  } finally {
    workers.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const lib = records.filter((r) => r.kind !== 'cli');
  const slowest = lib.reduce<CaseRecord | undefined>((a, r) => (!a || r.outcome.ms > a.outcome.ms ? r : a), undefined);
  const peak = lib.reduce((m, r) => Math.max(m, r.outcome.peakRss ?? 0), 0);
  const kinds = { onnx: lib.filter((r) => r.kind === 'onnx').length, tfjs: lib.filter((r) => r.kind === 'tfjs').length, hostile: lib.filter((r) => r.kind === 'hostile').length };
  const lines: string[] = [];
  lines.push(`fuzz: seed ${opts.seed}, ${opts.cases} mutated cases (${kinds.onnx} ONNX, ${kinds.tfjs} TF.js) + ${kinds.hostile} hand-written hostile models, ${corpus.onnx.length + corpus.tfjs.length} seeds; limits ${limits.timeoutMs / 1000} s and ${(limits.memoryBytes / 2 ** 30).toFixed(1)} GiB per case; ${seconds.toFixed(0)} s`);
  for (const [v, label] of VERDICT_LABELS) lines.push(`  ${label.padEnd(20)} ${String(counts[v]).padStart(6)}`);
  const expectationFailures = failures.filter((f) => f.expectation && !BAD_VERDICTS.includes(f.outcome.verdict)).length;
  lines.push(`  ${'hostile expectations'.padEnd(20)} ${String(kinds.hostile - failures.filter((f) => f.kind === 'hostile').length).padStart(6)} met, ${expectationFailures} not met`);
  if (slowest) lines.push(`  slowest case ${slowest.outcome.ms} ms (${slowest.id}); highest resident memory ${(peak / 2 ** 20).toFixed(0)} MiB`);
  if (cliRuns) {
    lines.push(`CLI (inspect --json, scan --json): ${cliRuns} runs`);
    for (const [v, label] of VERDICT_LABELS) lines.push(`  ${label.padEnd(20)} ${String(cliCounts[v]).padStart(6)}`);
  }
  if (failures.length) {
    lines.push(`FAILURES (${failures.length}), files kept in ${saveDir}:`);
    for (const f of failures.slice(0, 30)) lines.push(`  ${f.id} [${f.outcome.verdict}] ${f.description.slice(0, 200)}\n    ${(f.expectation ?? f.outcome.detail).split('\n')[0].slice(0, 300)}`);
  }
  fs.rmSync(path.join(root, 'hostile'), { recursive: true, force: true });
  if (!failures.length && !opts.saveDir) fs.rmSync(root, { recursive: true, force: true });
  return { counts, cliCounts, records, failures, text: lines.join('\n'), ok: failures.length === 0 };
}
