// `activation-lens rewrite MODEL --to VARIANT [--nodes a,b] -o OUT [--force]`: writes a copy of the
// model with its ReLUs replaced. The input is never modified; OUT must be a new file unless --force.
import * as path from 'node:path';
import { parseVariant, VARIANTS } from '../../analysis/suggestions';
import { ModelError } from '../../core/model';
import { CliUsageError, parseCommand, modelArgument } from '../args';

const HELP = `usage: activation-lens rewrite MODEL --to VARIANT [--nodes a,b] -o OUT [--force] [--json]

Writes a copy of an ONNX model or a TensorFlow.js layers-model with ReLU activations replaced.
  --to VARIANT    ${VARIANTS.join(' | ')}; leaky-relu, elu and celu take :alpha
                  (leaky-relu:0.1), prelu takes :init (the initial slope, default 0.25)
  --nodes a,b     only these ReLU nodes / layers (default: every ReLU)
  -o, --output    the new file (model.json for TF.js: its weight file is written beside it)
  --force         replace OUT if it exists (never the input)
  --json          print what was written as JSON

ONNX: only the replaced nodes change; every other byte is copied. Variants newer than the model's
opset are written as equivalent decompositions (SiLU = x·Sigmoid(x), GELU = 0.5·x·(1+Erf(x/√2))).`;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(argv, {
    flags: ['force', 'json', 'help'],
    options: ['to', 'nodes', 'output'],
    aliases: { h: 'help', o: 'output', f: 'force' },
  }, HELP);
  if (!args) return 0;
  modelArgument(args, HELP);
  const to = args.options.get('to');
  if (!to) throw new CliUsageError(`--to VARIANT is required (${VARIANTS.join(', ')})`);
  const output = args.options.get('output');
  if (!output) throw new CliUsageError('-o OUT is required: a rewrite always writes a new file');
  let variant;
  try {
    variant = parseVariant(to);
  } catch (e) {
    throw new CliUsageError(`--to: ${(e as Error).message}`);
  }
  const nodes = args.options.get('nodes')?.split(',').map((s) => s.trim()).filter(Boolean);
  const input = args.positional[0];
  const result = await rewriteModel(input, output, { variant: variant.id, params: variant.params, nodes, force: args.flags.has('force') });
  if (args.flags.has('json')) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } else {
    process.stdout.write(`wrote ${result.output}: ${result.replaced.length} ReLU${result.replaced.length === 1 ? '' : 's'} → ${result.written}\n`);
    for (const n of result.notes) process.stderr.write(`note: ${n}\n`);
  }
  return 0;
}

export interface ModelRewriteResult {
  input: string;
  output: string;
  variant: string;
  params: Record<string, number>;
  replaced: string[];
  written: string;
  notes: string[];
}

/** Dispatches on the model format: ONNX byte patching or a TF.js layers-model rewrite. */
export async function rewriteModel(
  input: string,
  output: string,
  req: { variant: ReturnType<typeof parseVariant>['id']; params: Record<string, number>; nodes?: string[]; force?: boolean },
): Promise<ModelRewriteResult> {
  const lower = input.toLowerCase();
  if (lower.endsWith('.json')) {
    const { rewriteTfjsLayersModel } = await import('../../formats/tfjs/rewrite');
    const r = await rewriteTfjsLayersModel(input, output, req);
    return { input: r.input, output: r.output, variant: r.variant, params: r.params, replaced: r.replaced, written: r.written, notes: r.notes };
  }
  if (!lower.endsWith('.onnx') && !lower.endsWith('.ort') && path.extname(lower) !== '') {
    // Not fatal: ONNX files come with other extensions too; the reader names the problem if not ONNX.
  }
  const { rewriteOnnx } = await import('../../formats/onnx/rewrite');
  try {
    const r = rewriteOnnx(input, output, req);
    return { input: r.input, output: r.output, variant: r.variant, params: r.params, replaced: r.replaced, written: r.written, notes: r.notes };
  } catch (e) {
    if (e instanceof ModelError && !e.message.includes(input) && !e.message.includes(output)) throw new ModelError(`${input}: ${e.message}`);
    throw e;
  }
}
