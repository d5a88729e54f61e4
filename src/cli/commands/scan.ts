// `activation-lens scan MODEL`: dying-ReLU findings. Static rules (weights only) always run; with
// --inputs or --samples the model is also run and the dynamic rules judge the measured activations.
import { loadModel } from '../../formats/load';
import { ModelError, printable } from '../../core/model';
import type { ActivationRun } from '../../analysis/activationStats';
import { severityAtLeast, type Severity } from '../../analysis/findings';
import { toJson, toMarkdown, toSarif, toText } from '../../analysis/findingsReport';
import { analyzeModel } from '../../analysis/rules/index';
import { CliUsageError, dimOptions, intOption, parseCommand, modelArgument } from '../args';
import { printRawOnVerbose, RUNTIME_FLAGS, RUNTIME_HELP, RUNTIME_OPTIONS, runtimeOptions } from '../runtimeArgs';
import type { SupervisedRunOptions } from '../../runtime/runProcess';

const HELP = `usage: activation-lens scan MODEL [--inputs PATH] [--samples N] [--seed S] [--dim name=value]...
                            [--json | --sarif | --markdown] [--fail-on error|warning|info]

Finds dead and dying ReLU units. Without --inputs/--samples only the static rules run (weights
only, no data); with them the model is run and the measured activations are judged too.
  --inputs PATH          inputs to run (.npy, .npz, .pb, JSON, images or a folder; see 'run --help')
  --samples N            synthetic samples to run (or at most N samples of --inputs)
  --seed S               seed of the synthetic inputs (default 0)
  --dim name=value       size of a symbolic dimension (repeatable)
  --dying-rate R         units active on fewer than R of positions are dying (default 0.01)
  --active-probability P BatchNorm/bias rules flag channels with P(active) below P (default 0.001)
Running (with --inputs or --samples; the model runs in a separate process):
${RUNTIME_HELP}
  --json                 {model, samples, findings: [{rule, severity, confidence, node, units, message, suggestions}]}
  --sarif                SARIF 2.1.0 for code-scanning tools
  --markdown             a Markdown table
  --fail-on LEVEL        exit 1 when a finding reaches LEVEL (error, warning or info)

Exit codes: 0 no finding at --fail-on, 1 a finding at --fail-on, 2 bad arguments or model.`;

/** Runs the model in the supervised runtime process and returns its measured activation
 *  statistics (src/runtime). Kept behind this one function so the scan does not load the
 *  runtime unless dynamic rules were asked for. */
export async function measureActivations(model: string, opts: SupervisedRunOptions): Promise<ActivationRun> {
  const { runSupervised } = await import('../../runtime/runProcess');
  return runSupervised(model, opts, { onNote: (m) => process.stderr.write(`note: ${m}\n`) });
}

function numberOption(raw: string | undefined, name: string, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= min || v >= max) throw new CliUsageError(`--${name} must be a number in (${min}, ${max}), got '${raw}'`);
  return v;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(argv, {
    flags: ['json', 'sarif', 'markdown', 'help', ...RUNTIME_FLAGS],
    options: ['inputs', 'samples', 'seed', 'fail-on', 'dying-rate', 'active-probability', ...RUNTIME_OPTIONS],
    repeated: ['dim'],
    aliases: { h: 'help', i: 'inputs', n: 'samples' },
  }, HELP);
  if (!args) return 0;
  modelArgument(args, HELP);
  const formats = ['json', 'sarif', 'markdown'].filter((f) => args.flags.has(f));
  if (formats.length > 1) throw new CliUsageError(`choose one of --json, --sarif, --markdown (got ${formats.map((f) => `--${f}`).join(', ')})`);
  const failOn = args.options.get('fail-on') as Severity | undefined;
  if (failOn !== undefined && !['error', 'warning', 'info'].includes(failOn)) throw new CliUsageError(`--fail-on must be error, warning or info, got '${failOn}'`);
  const dims = dimOptions(args);
  const inputs = args.options.get('inputs');
  const samples = args.options.has('samples') ? intOption(args, 'samples', 0, 1) : undefined;
  const seed = args.options.has('seed') ? intOption(args, 'seed', 0) : undefined;
  const dyingRate = numberOption(args.options.get('dying-rate'), 'dying-rate', 0, 1);
  const activeProbability = numberOption(args.options.get('active-probability'), 'active-probability', 0, 1);
  const runtime = runtimeOptions(args);

  const file = args.positional[0];
  const model = await loadModel(file);
  let run: ActivationRun | undefined;
  if (inputs !== undefined || samples !== undefined) {
    try {
      run = await measureActivations(file, { inputs, samples, seed, dims, ...runtime });
    } catch (e) {
      printRawOnVerbose(args, e);
      if (e instanceof ModelError || e instanceof CliUsageError) throw e;
      throw new ModelError(`${file}: running the model failed: ${(e as Error).message}`);
    }
  }
  const analysis = await analyzeModel(model, run, { dyingRate, activeProbability });
  for (const w of model.warnings) process.stderr.write(`warning: ${printable(w, 2000)}\n`);
  // Our bugs, not the model's: said as such, never as a warning; the other rules' findings stand.
  for (const m of analysis.internalErrors) process.stderr.write(`internal error: ${m}\n`);
  let out: string;
  if (args.flags.has('json')) out = JSON.stringify(toJson(analysis), null, 2) + '\n';
  else if (args.flags.has('sarif')) out = JSON.stringify(toSarif(analysis), null, 2) + '\n';
  else if (args.flags.has('markdown')) out = toMarkdown(analysis);
  else out = toText(analysis);
  process.stdout.write(out);
  if (failOn && analysis.findings.some((f) => severityAtLeast(f.severity, failOn))) return 1;
  return 0;
}
