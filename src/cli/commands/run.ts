// `activation-lens run MODEL`: runs the model on real or synthetic inputs and measures every
// activation layer (units, dead units, active rates, zero fraction, range, moments, histogram).
import * as path from 'node:path';
import { CliUsageError, dimOptions, intOption, parseCommand, type ParsedArgs, modelArgument } from '../args';
import { RunCancelledError } from '../../runtime/cancel';
import type { RunResult } from '../../runtime/runActivations';
import { runToJson } from '../../runtime/runJson';
import { runSupervised, type SupervisedRunOptions } from '../../runtime/runProcess';
import { printRawOnVerbose, RUNTIME_FLAGS, RUNTIME_HELP, RUNTIME_OPTIONS, runtimeOptions } from '../runtimeArgs';
import type { ImageLayout, ImageOptions } from '../../runtime/inputs/image';

const HELP = `usage: activation-lens run MODEL [--inputs PATH] [--samples N] [--seed S] [--dim name=value]... [--json]

Runs an ONNX model (onnxruntime: native, else wasm) or a TensorFlow.js model.json (TF.js) and
measures the output of every activation layer. The model runs in a separate process: a crash,
a runaway loop or a huge allocation ends that process with one error line (exit 2).
  --inputs PATH         .npy, .npz, ONNX TensorProto .pb, JSON, PNG/JPEG, or a folder of these;
                        the first axis of an array is the sample axis. Default: synthetic inputs.
  --samples N           synthetic samples to run (default 32); with --inputs, at most N samples
  --seed S              seed of the synthetic inputs (default 0)
  --distribution D      synthetic values: normal (mean 0, std 1; default) or uniform [0, 1)
  --dim name=value      size of a symbolic dimension (repeatable); batch-like names default to 1
  --image-size HxW      resize images to H×W (default: the input's size, else 224x224)
  --mean a,b,c          image normalisation: (pixel/255 - mean) / std, per channel
  --std a,b,c
  --layout NCHW|NHWC    image layout (default: from the input's shape)
  --batch-size N        samples per inference call (default: chosen from memory use)
  --every-node          also measure every non-activation node's output
  --bins N              histogram bins (even, default 64)
${RUNTIME_HELP}
  --json                print one JSON object: {model, samples, backend, threads, layers: [...]}`;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(argv, {
    flags: ['json', 'help', 'every-node', ...RUNTIME_FLAGS],
    options: ['inputs', 'samples', 'seed', 'distribution', 'image-size', 'mean', 'std', 'layout', 'batch-size', 'bins', ...RUNTIME_OPTIONS],
    repeated: ['dim'],
    aliases: { h: 'help', i: 'inputs', n: 'samples' },
  }, HELP);
  if (!args) return 0;
  modelArgument(args, HELP);
  const opts = runOptions(args);
  const json = args.flags.has('json');
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\ncancelling… (Ctrl+C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const progress = progressPrinter();
  let result: RunResult;
  try {
    result = await runSupervised(args.positional[0], opts, {
      signal: controller.signal,
      onProgress: (p) => progress(p.samplesDone, p.samplesTotal),
      onNote: (m) => process.stderr.write(`note: ${m}\n`),
    });
  } catch (e) {
    if (e instanceof RunCancelledError) {
      process.stderr.write('activation-lens run: cancelled\n');
      return 130;
    }
    printRawOnVerbose(args, e);
    throw e;
  } finally {
    progress.done();
    process.off('SIGINT', onSigint);
  }
  process.stdout.write(json ? JSON.stringify(runToJson(result), null, 2) + '\n' : formatRun(result));
  return 0;
}

export function runOptions(args: ParsedArgs): SupervisedRunOptions {
  const distribution = args.options.get('distribution') ?? 'normal';
  if (distribution !== 'normal' && distribution !== 'uniform') throw new CliUsageError(`--distribution must be normal or uniform, got '${distribution}'`);
  const image: ImageOptions = {};
  const size = args.options.get('image-size');
  if (size !== undefined) {
    const m = /^(\d+)(?:[x×,](\d+))?$/.exec(size);
    if (!m || Number(m[1]) < 1) throw new CliUsageError(`--image-size expects HxW or N, got '${size}'`);
    image.size = [Number(m[1]), Number(m[2] ?? m[1])];
  }
  for (const key of ['mean', 'std'] as const) {
    const raw = args.options.get(key);
    if (raw === undefined) continue;
    const values = raw.split(',').map(Number);
    if (!values.length || values.some((v) => !Number.isFinite(v)) || (key === 'std' && values.some((v) => v === 0))) throw new CliUsageError(`--${key} expects comma-separated numbers${key === 'std' ? ' (non-zero)' : ''}, got '${raw}'`);
    image[key] = values;
  }
  const layout = args.options.get('layout');
  if (layout !== undefined) {
    if (layout !== 'NCHW' && layout !== 'NHWC') throw new CliUsageError(`--layout must be NCHW or NHWC, got '${layout}'`);
    image.layout = layout as ImageLayout;
  }
  const bins = intOption(args, 'bins', 64, 2);
  if (bins % 2) throw new CliUsageError('--bins must be even');
  return {
    inputs: args.options.get('inputs'),
    samples: args.options.has('samples') ? intOption(args, 'samples', 0, 1) : undefined,
    seed: intOption(args, 'seed', 0, 0),
    distribution,
    dims: dimOptions(args),
    image,
    batchSize: args.options.has('batch-size') ? intOption(args, 'batch-size', 1, 1) : undefined,
    everyNode: args.flags.has('every-node'),
    bins,
    ...runtimeOptions(args),
  };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function num(x: number): string {
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toFixed(3);
}

export function formatRun(r: RunResult): string {
  const rel = path.relative(process.cwd(), r.model);
  const lines = [`${rel && !rel.startsWith('..') ? rel : r.model}: ${r.samples} samples from ${r.inputSource}`];
  const dims = Object.entries(r.dims);
  if (dims.length) lines.push(`  dims: ${dims.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (!r.layers.length) lines.push('  no activation layers');
  const rows = r.layers.map((l) => [l.node, r.activations[l.node] && r.activations[l.node] !== l.op ? `${l.op}(${r.activations[l.node]})` : l.op, String(l.units), `${l.deadUnits.length} (${pct(l.units ? l.deadUnits.length / l.units : 0)})`, pct(l.zeroFraction), num(l.min), num(l.max), num(l.mean), num(l.std)]);
  const head = ['layer', 'op', 'units', 'dead', 'zeros', 'min', 'max', 'mean', 'std'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (cells: string[]): string => '  ' + cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  if (rows.length) {
    lines.push(fmt(head));
    for (const row of rows) lines.push(fmt(row));
  }
  lines.push(`  ${r.runtime}: inference ${r.inferenceMs} ms, total ${r.totalMs} ms`);
  return lines.join('\n') + '\n';
}

/** Progress on stderr for runs that take a while; silent when stderr is not a terminal. */
export function progressPrinter(): ((done: number, total?: number) => void) & { done(): void } {
  const start = Date.now();
  let shown = false;
  let last = 0;
  const tty = process.stderr.isTTY;
  const f = ((done: number, total?: number) => {
    const now = Date.now();
    if (now - start < (tty ? 1000 : 5000) || now - last < (tty ? 250 : 5000)) return;
    last = now;
    shown = true;
    const text = `running: ${done}${total ? `/${total}` : ''} samples`;
    process.stderr.write(tty ? `\r${text}` : text + '\n');
  }) as ((done: number, total?: number) => void) & { done(): void };
  f.done = () => {
    if (shown && tty) process.stderr.write('\r\x1b[K');
  };
  return f;
}
