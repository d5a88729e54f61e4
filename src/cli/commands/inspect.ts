// `activation-lens inspect MODEL [--json]`: what a model holds, without reading its weights.
import { loadModel } from '../../formats/load';
import { summarize, type ModelSummary } from '../../analysis/summary';
import { modelArgument, parseCommand } from '../args';

const HELP = `usage: activation-lens inspect MODEL [--json]

Summarises an ONNX model or a TensorFlow.js model.json: format, producer, opsets, inputs and
outputs, node and parameter counts, the op histogram and every activation-function node.
  --json   print one JSON object instead of the readable summary`;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(argv, { flags: ['json'] }, HELP);
  if (!args) return 0;
  const model = await loadModel(modelArgument(args, HELP));
  const summary = summarize(model);
  process.stdout.write(args.flags.has('json') ? JSON.stringify(summary, null, 2) + '\n' : formatSummary(summary));
  return 0;
}

function shapeText(shape: (number | string | null)[] | null): string {
  return shape ? `[${shape.map((d) => d ?? '?').join(', ')}]` : '[?]';
}

export function formatSummary(s: ModelSummary): string {
  const lines: string[] = [];
  lines.push(`${s.file}`);
  lines.push(`  format      ${s.format}${s.irVersion ? ` (IR ${s.irVersion})` : ''}`);
  if (s.producer) lines.push(`  producer    ${s.producer} ${s.producerVersion}`.trimEnd());
  const opsets = Object.entries(s.opsets).map(([d, v]) => `${d || 'ai.onnx'} ${v}`);
  if (opsets.length) lines.push(`  opsets      ${opsets.join(', ')}`);
  lines.push(`  nodes       ${s.nodeCount}${s.nodeCountAll !== s.nodeCount ? ` (${s.nodeCountAll} with subgraphs and functions)` : ''}`);
  lines.push(`  parameters  ${s.parameters.toLocaleString('en-US')} in ${s.initializers} weight tensors`);
  lines.push('  inputs');
  for (const v of s.inputs) lines.push(`    ${v.name}  ${v.dtype} ${shapeText(v.shape)}`);
  lines.push('  outputs');
  for (const v of s.outputs) lines.push(`    ${v.name}  ${v.dtype} ${shapeText(v.shape)}`);
  lines.push('  ops');
  for (const [op, n] of Object.entries(s.ops).sort((a, b) => b[1] - a[1])) lines.push(`    ${String(n).padStart(5)}  ${op}`);
  lines.push(`  activations (${s.activations.length})`);
  const byKind = new Map<string, number>();
  for (const a of s.activations) byKind.set(a.activation, (byKind.get(a.activation) ?? 0) + 1);
  for (const [k, n] of byKind) lines.push(`    ${String(n).padStart(5)}  ${k}`);
  for (const w of s.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n') + '\n';
}
