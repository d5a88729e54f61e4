// Runs fuzz cases in child processes with a time and a memory limit, so a hang or a blow-up is
// detected and reported instead of suffered: the library pipeline in long-lived workers (one
// case at a time each, killed and replaced when a case overruns), and the CLI as a user runs it.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { implausibilities, RAW_ERROR_TEXT, type PipelineResult } from './pipeline';

export type Verdict = 'result' | 'clean-error' | 'timeout' | 'memory' | 'crash' | 'internal-error' | 'implausible';

export const BAD_VERDICTS: Verdict[] = ['timeout', 'memory', 'crash', 'internal-error', 'implausible'];

export interface Limits {
  timeoutMs: number;
  memoryBytes: number;
}

export const DEFAULT_LIMITS: Limits = { timeoutMs: 10_000, memoryBytes: 1 << 30 };

export interface CaseOutcome {
  verdict: Verdict;
  /** Why the verdict is bad, or the error message of a clean error. */
  detail: string;
  ms: number;
  peakRss?: number;
  result?: PipelineResult;
}

const ROOT = path.resolve(__dirname, '..', '..', '..');
const WORKER = path.join(__dirname, 'worker.ts');

function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Whether an error message names the model file (as given or absolute). */
export function namesFile(message: string, file: string): boolean {
  return message.includes(file) || message.includes(path.resolve(file));
}

/** The verdict on a library pipeline result for `file`. */
export function judge(file: string, r: PipelineResult): Pick<CaseOutcome, 'verdict' | 'detail'> {
  if (r.outcome === 'error') {
    const e = r.error!;
    if (!e.isModelError) return { verdict: 'internal-error', detail: `${e.name}: ${e.message}${e.stack ? `\n${e.stack.split('\n').slice(1, 6).join('\n')}` : ''}` };
    if (!namesFile(e.message, file)) return { verdict: 'internal-error', detail: `ModelError not naming the file: ${e.message}` };
    if (/\n/.test(e.message.trim())) return { verdict: 'internal-error', detail: `ModelError of several lines: ${e.message}` };
    if (RAW_ERROR_TEXT.test(e.message)) return { verdict: 'implausible', detail: `raw error text in the error: ${e.message.slice(0, 300)}` };
    return { verdict: 'clean-error', detail: e.message };
  }
  if (r.internalErrors.length) return { verdict: 'internal-error', detail: r.internalErrors.join('; ') };
  const internalStats = (r.stats ?? []).filter((s) => s.internal);
  if (internalStats.length) return { verdict: 'internal-error', detail: `weight statistics of '${internalStats[0].name}' threw: ${internalStats[0].error}` };
  const bad = implausibilities(r);
  if (bad.length) return { verdict: 'implausible', detail: bad.slice(0, 3).join('; ') };
  return { verdict: 'result', detail: '' };
}

/** Polls a child's resident memory; calls `over` once when it passes the limit. */
function watchMemory(child: ChildProcess, limit: number, over: (rss: number) => void): { stop: () => number } {
  let peak = 0;
  let fired = false;
  const timer = setInterval(() => {
    const rss = child.pid ? rssOf(child.pid) : undefined;
    if (rss === undefined) return;
    if (rss > peak) peak = rss;
    if (rss > limit && !fired) {
      fired = true;
      over(rss);
    }
  }, 25);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

interface Pending {
  id: number;
  file: string;
  resolve: (o: CaseOutcome) => void;
  start: number;
  timer: NodeJS.Timeout;
  memory: { stop: () => number };
  settled: boolean;
}

/** One worker process running library pipelines, replaced whenever a case kills it. */
class LibraryWorker {
  private child?: ChildProcess;
  private ready?: Promise<void>;
  private pending?: Pending;
  private nextId = 0;

  constructor(private readonly limits: Limits) {}

  private start(): Promise<void> {
    const child = fork(WORKER, [], {
      cwd: ROOT,
      execArgv: ['--require', 'tsx/cjs', '--max-old-space-size=3072', '--expose-gc'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, ACTIVATION_LENS_STRICT: '1' },
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    this.child = child;
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: { type: string }) => {
        if (m.type === 'ready') {
          child.off('message', onMessage);
          resolve();
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`fuzz worker exited (${code}) before it was ready: ${stderr}`)));
    });
    child.on('message', (m: { type: string; id?: number; result?: PipelineResult; message?: string; maxRss?: number }) => {
      const p = this.pending;
      if (!p || m.id !== p.id) return;
      if (m.type === 'result' && (m.maxRss ?? 0) > this.limits.memoryBytes) {
        this.settle(p, { verdict: 'memory', detail: `peak resident memory ${((m.maxRss ?? 0) / 2 ** 20).toFixed(0)} MiB` });
      } else if (m.type === 'result') this.settle(p, undefined, m.result);
      else if (m.type === 'crash') this.settle(p, { verdict: 'crash', detail: m.message ?? 'crash' });
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const p = this.pending;
      if (p && !p.settled) this.settle(p, { verdict: 'crash', detail: `the worker died (exit ${code}, signal ${signal}): ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
    });
    return this.ready;
  }

  private settle(p: Pending, bad?: Pick<CaseOutcome, 'verdict' | 'detail'>, result?: PipelineResult): void {
    if (p.settled) return;
    p.settled = true;
    clearTimeout(p.timer);
    const peakRss = p.memory.stop();
    this.pending = undefined;
    const ms = Math.round(performance.now() - p.start);
    if (bad) {
      this.kill();
      p.resolve({ ...bad, ms, peakRss });
      return;
    }
    const j = judge(p.file, result!);
    p.resolve({ ...j, ms, peakRss, result });
  }

  kill(): void {
    const c = this.child;
    this.child = undefined;
    this.ready = undefined;
    if (c && c.exitCode === null) c.kill('SIGKILL');
  }

  async run(file: string): Promise<CaseOutcome> {
    if (!this.child || !this.ready) await this.start();
    else await this.ready;
    const child = this.child!;
    const id = ++this.nextId;
    return new Promise<CaseOutcome>((resolve) => {
      const p: Pending = {
        id,
        file,
        resolve,
        start: performance.now(),
        settled: false,
        timer: setTimeout(() => this.settle(p, { verdict: 'timeout', detail: `no answer within ${this.limits.timeoutMs / 1000} s` }), this.limits.timeoutMs),
        memory: watchMemory(child, this.limits.memoryBytes, (rss) => this.settle(p, { verdict: 'memory', detail: `resident memory reached ${(rss / 2 ** 20).toFixed(0)} MiB` })),
      };
      this.pending = p;
      child.send({ id, file });
    });
  }

  close(): void {
    if (this.child) {
      this.child.send({ type: 'exit' });
      const c = this.child;
      setTimeout(() => c.exitCode === null && c.kill('SIGKILL'), 2000).unref();
    }
    this.child = undefined;
  }
}

/** A fixed number of library workers taking cases in turn. */
export class WorkerPool {
  private readonly workers: LibraryWorker[];
  private readonly idle: LibraryWorker[];
  private readonly waiting: ((w: LibraryWorker) => void)[] = [];

  constructor(size: number, readonly limits: Limits = DEFAULT_LIMITS) {
    this.workers = Array.from({ length: Math.max(1, size) }, () => new LibraryWorker(limits));
    this.idle = [...this.workers];
  }

  async run(file: string): Promise<CaseOutcome> {
    const w = this.idle.pop() ?? (await new Promise<LibraryWorker>((r) => this.waiting.push(r)));
    try {
      return await w.run(file);
    } finally {
      const next = this.waiting.shift();
      if (next) next(w);
      else this.idle.push(w);
    }
  }

  close(): void {
    for (const w of this.workers) w.close();
  }
}

const CLI = path.join(ROOT, 'dist', 'cli.js');

/** Runs `activation-lens <command> --json FILE` under the same limits and judges what a user sees:
 *  exit 0, 1 or 2 (never 3 or a signal), no stack trace, one line naming the file on exit 2, no
 *  raw error text or internal error among the warnings, a plausible summary. */
export function runCli(command: 'inspect' | 'scan', file: string, limits: Limits = DEFAULT_LIMITS): Promise<CaseOutcome> {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(process.execPath, [CLI, command, '--json', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      if (stdout.length < 64 << 20) stdout += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 1 << 20) stderr += d.toString();
    });
    let forced: Pick<CaseOutcome, 'verdict' | 'detail'> | undefined;
    const timer = setTimeout(() => {
      forced = { verdict: 'timeout', detail: `${command} gave no answer within ${limits.timeoutMs / 1000} s` };
      child.kill('SIGKILL');
    }, limits.timeoutMs);
    const memory = watchMemory(child, limits.memoryBytes, (rss) => {
      forced = { verdict: 'memory', detail: `${command} reached ${(rss / 2 ** 20).toFixed(0)} MiB` };
      child.kill('SIGKILL');
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const peakRss = memory.stop();
      const ms = Math.round(performance.now() - start);
      const done = (o: Pick<CaseOutcome, 'verdict' | 'detail'>) => resolve({ ...o, ms, peakRss });
      if (forced) return done(forced);
      const tail = stderr.trim().slice(-600);
      if (code === null || code > 2) return done({ verdict: 'crash', detail: `${command} exited ${code ?? signal}: ${tail}` });
      if (/\n\s+at .+\(.*:\d+:\d+\)|\n\s+at .+:\d+:\d+/.test(stderr)) return done({ verdict: 'internal-error', detail: `${command} printed a stack trace: ${tail}` });
      const lines = stderr.split('\n').filter((l) => l.trim());
      const internal = lines.find((l) => /internal error/i.test(l));
      if (internal) return done({ verdict: 'internal-error', detail: `${command}: ${internal}` });
      const raw = lines.find((l) => RAW_ERROR_TEXT.test(l));
      if (raw) return done({ verdict: 'implausible', detail: `${command} printed raw error text: ${raw.slice(0, 300)}` });
      if (code === 2) {
        const errors = lines.filter((l) => !l.startsWith('warning: ') && !l.startsWith('note: '));
        if (errors.length !== 1) return done({ verdict: 'internal-error', detail: `${command} exit 2 with ${errors.length} error lines: ${tail}` });
        if (!namesFile(errors[0], file)) return done({ verdict: 'internal-error', detail: `${command} error does not name the file: ${errors[0]}` });
        return done({ verdict: 'clean-error', detail: errors[0] });
      }
      if (command === 'inspect') {
        try {
          const summary = JSON.parse(stdout);
          const bad = implausibilities({ outcome: 'result', summary, warnings: summary.warnings ?? [], internalErrors: [], timings: { loadMs: 0, summaryMs: 0, analyzeMs: 0, viewerMs: 0, statsMs: 0 } });
          if (bad.length) return done({ verdict: 'implausible', detail: `inspect: ${bad.slice(0, 3).join('; ')}` });
        } catch (e) {
          return done({ verdict: 'implausible', detail: `inspect --json printed no JSON: ${(e as Error).message}` });
        }
      } else {
        try {
          const out = JSON.parse(stdout) as { findings: { message: string }[] };
          const nan = out.findings.find((f) => /\bNaN\b|Infinity/.test(f.message));
          if (nan) return done({ verdict: 'implausible', detail: `scan finding with NaN/Infinity: ${nan.message}` });
        } catch (e) {
          return done({ verdict: 'implausible', detail: `scan --json printed no JSON: ${(e as Error).message}` });
        }
      }
      return done({ verdict: 'result', detail: '' });
    });
  });
}

export function cliAvailable(): boolean {
  return fs.existsSync(CLI);
}
