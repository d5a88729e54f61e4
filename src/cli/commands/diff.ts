// `activation-lens diff A B`: what changed between two models run on the same inputs, or between
// two saved runs (`run --json`): layers matched by name, then by structure; per layer both values,
// the changes, and the units that died or revived. `--fail-on new-dead` makes it a CI gate.
import { compareRuns } from '../../analysis/compare/compare';
import { formatComparisonMarkdown, formatComparisonText, newDeadLines } from '../../analysis/compare/render';
import { readRunFile } from '../../analysis/compare/runFile';
import type { RunForCompare } from '../../analysis/compare/types';
import { loadModel } from '../../formats/load';
import { RunCancelledError } from '../../runtime/cancel';
import { runSupervised, type SupervisedRunOptions } from '../../runtime/runProcess';
import { runToJson } from '../../runtime/runJson';
import { movedInputs } from '../../runtime/inputs/identity';
import { rerunOptions } from '../../runtime/inputs/rerun';
import { CliUsageError, parseCommand, type ParsedArgs } from '../args';
import { printRawOnVerbose, RUNTIME_FLAGS, RUNTIME_HELP, RUNTIME_OPTIONS } from '../runtimeArgs';
import { progressPrinter, runOptions } from './run';

const HELP = `usage: activation-lens diff A B [--inputs PATH] [--samples N] [--seed S] [--dim name=value]...
                          [--json | --markdown] [--fail-on new-dead]

Compares the measured activations of A and B: two models (ONNX or TF.js model.json), run here on
the same inputs, or runs saved with \`activation-lens run --json\` (read as they are, nothing runs),
or one of each (the model runs on the inputs the run file records). Layers are matched by node
name, then by position and kind for renamed exports; unmatched layers are listed, not guessed.
  --inputs PATH         inputs for the models, as for \`run\` (.npy, .npz, .pb, JSON, PNG/JPEG, folder);
                        default: synthetic inputs
  --samples N, --seed S, --distribution D, --dim name=value, --image-size HxW, --mean, --std,
  --layout, --batch-size N, --bins N, --every-node
                        as for \`run\`, applied to both models
${RUNTIME_HELP}
  --dying-rate R        units active on fewer than this share of positions are dying (default 0.01)
  --json                print the comparison as one JSON object:
                        {a, b, samples, inputs, comparable, warnings, matched: [{a, b, how}],
                         unmatched: {a, b}, layers: [{a, b, deadA, deadB, died, revived,
                         deltaZeroFraction, …}], newDead, totals}
  --markdown            print it as Markdown, for a pull-request comment
  --fail-on new-dead    exit 1 when B has dead units that A did not (a regression gate)

Warnings (runs on different inputs, sample counts or seeds) go to stderr and into the output.
Exit status: 0 compared, 1 the --fail-on condition holds, 2 a bad model, run file or argument.`;

const INPUT_OPTIONS = ['inputs', 'samples', 'seed', 'distribution', 'image-size', 'mean', 'std', 'layout', 'dim'];
const FAIL_ON = ['new-dead'] as const;

type Side = { kind: 'run'; run: RunForCompare } | { kind: 'model'; path: string };

function side(file: string): Side {
  const run = readRunFile(file);
  return run ? { kind: 'run', run } : { kind: 'model', path: file };
}

function failOn(args: ParsedArgs): Set<string> {
  const raw = args.options.get('fail-on');
  if (raw === undefined) return new Set();
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const i of items) if (!(FAIL_ON as readonly string[]).includes(i)) throw new CliUsageError(`--fail-on must be ${FAIL_ON.join(' or ')}, got '${i}'`);
  if (!items.length) throw new CliUsageError(`--fail-on must be ${FAIL_ON.join(' or ')}`);
  return new Set(items);
}

function dyingRate(args: ParsedArgs): number {
  const raw = args.options.get('dying-rate');
  if (raw === undefined) return 0.01;
  const r = Number(raw);
  if (!Number.isFinite(r) || r < 0 || r > 1) throw new CliUsageError(`--dying-rate must be a number from 0 to 1, got '${raw}'`);
  return r;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(argv, {
    flags: ['json', 'markdown', 'help', 'every-node', ...RUNTIME_FLAGS],
    options: ['inputs', 'samples', 'seed', 'distribution', 'image-size', 'mean', 'std', 'layout', 'batch-size', 'bins', 'fail-on', 'dying-rate', ...RUNTIME_OPTIONS],
    repeated: ['dim'],
    aliases: { h: 'help', i: 'inputs', n: 'samples' },
  }, HELP);
  if (!args) return 0;
  if (args.positional.length !== 2) throw new CliUsageError(`expected two paths, A and B\n\n${HELP}`);
  if (args.flags.has('json') && args.flags.has('markdown')) throw new CliUsageError('--json and --markdown exclude each other');
  const gates = failOn(args);
  const rate = dyingRate(args);
  const baseOptions = runOptions(args);
  const inputsGiven = INPUT_OPTIONS.some((o) => args.options.has(o) || args.repeated.has(o));
  const [a, b] = args.positional.map(side);
  // Read both models before running either: a broken B must not cost a whole run of A first.
  for (const s of [a, b]) if (s.kind === 'model') await loadModel(s.path);
  if (a.kind === 'run' && b.kind === 'run' && inputsGiven) {
    throw new CliUsageError('A and B are both run files, which are compared as they are: input options (--inputs, --samples, --seed …) apply only to models');
  }
  // A model compared with a run file runs on that run's inputs, unless inputs are given.
  const recorded = a.kind === 'run' ? a.run : b.kind === 'run' ? b.run : undefined;
  const options: SupervisedRunOptions = recorded && !inputsGiven ? { ...baseOptions, ...rerunOptions(recorded, movedInputs) } : baseOptions;

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\ncancelling… (Ctrl+C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const runs: RunForCompare[] = [];
  try {
    for (const [label, s] of [['A', a], ['B', b]] as const) {
      if (s.kind === 'run') {
        runs.push(s.run);
        continue;
      }
      const progress = progressPrinter();
      try {
        // The same supervised child process as `run`: a crash or a runaway model ends with one line.
        const result = await runSupervised(s.path, options, {
          signal: controller.signal,
          onProgress: (p) => progress(p.samplesDone, p.samplesTotal),
          onNote: (m) => process.stderr.write(`note: ${label}: ${m}\n`),
        });
        runs.push(runToJson(result));
      } finally {
        progress.done();
      }
    }
  } catch (e) {
    if (e instanceof RunCancelledError) {
      process.stderr.write('activation-lens diff: cancelled\n');
      return 130;
    }
    printRawOnVerbose(args, e);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }

  const comparison = compareRuns(runs[0], runs[1], { dyingRate: rate });
  for (const w of comparison.warnings) process.stderr.write(`warning: ${w}\n`);
  if (args.flags.has('json')) process.stdout.write(JSON.stringify(comparison, null, 2) + '\n');
  else if (args.flags.has('markdown')) process.stdout.write(formatComparisonMarkdown(comparison));
  else process.stdout.write(formatComparisonText(comparison));

  if (gates.has('new-dead') && comparison.newDead.length) {
    process.stderr.write(`activation-lens diff: B has ${comparison.totals.newDead} dead unit${comparison.totals.newDead === 1 ? '' : 's'} that A did not:\n`);
    for (const l of newDeadLines(comparison)) process.stderr.write(`  ${l}\n`);
    return 1;
  }
  return 0;
}
