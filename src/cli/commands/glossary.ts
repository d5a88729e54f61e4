// `activation-lens glossary [TERM] [--json]`: list the glossary, or explain one term.
import { parseCommand } from '../args';
import { GLOSSARY, resolveTerm, suggestTerms, type GlossaryEntry } from '../../glossary';

const HELP = `usage: activation-lens glossary [TERM] [--json]

Without TERM, lists every entry (name and one-line summary).
With TERM, prints that entry; aliases from any framework work, case-insensitively:
  activation-lens glossary nn.LeakyReLU     activation-lens glossary leaky relu
  activation-lens glossary LeakyRelu        activation-lens glossary "dying ReLU"
--json prints the entry objects (an array) with every field.
Exit codes: 0 found, 1 unknown term (close matches on stderr), 2 usage error.`;

function wrap(text: string, indent: string, width = 96): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && indent.length + line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l).join('\n');
}

function aliasLines(e: GlossaryEntry): string[] {
  const rows: [string, string[]][] = [
    ['ONNX', e.aliases.onnx],
    ['PyTorch', e.aliases.pytorch],
    ['Keras', e.aliases.keras],
    ['TF.js', e.aliases.tfjs],
    ['TensorFlow', e.aliases.tensorflow],
    ['Also', e.aliases.other],
  ];
  return rows.filter(([, v]) => v.length).map(([k, v]) => `  ${(k + ':').padEnd(12)}${[...new Set(v)].join(', ')}`);
}

function defaultLines(e: GlossaryEntry): string[] {
  const fws = ['onnx', 'pytorch', 'keras', 'tfjs'] as const;
  const values = new Set(fws.map((f) => e.defaults[f]));
  if (values.size === 1) return [`Defaults     ${e.defaults.onnx}`];
  return ['Defaults', ...fws.map((f) => `  ${(f + ':').padEnd(12)}${e.defaults[f]}`)];
}

export function formatEntry(e: GlossaryEntry): string {
  const section = (title: string, body: string) => `${title}\n${wrap(body, '  ')}`;
  const list = (title: string, items: string[]) => `${title}\n${items.map((i) => wrap(i, '    ').replace(/^ {4}/, '  • ')).join('\n')}`;
  const opset = e.onnxOpset.ops.length
    ? e.onnxOpset.ops.map((o) => `${o.domain ? o.domain + '.' : ''}${o.op} (since opset ${o.since}, latest ${o.latest})`).join('; ')
    : '—';
  const parts = [
    `${e.name} — ${e.summary}`,
    '',
    section('Definition', e.definition),
    '',
    `Formula      ${e.formula}`,
    `Derivative   ${e.derivative}`,
    `Range        ${e.range}`,
    '',
    list('Advantages', e.advantages),
    list('Drawbacks', e.drawbacks),
    '',
    section('Dying ReLU', e.dyingRelu),
    section('When to use', e.whenToUse),
    section('Compute cost', e.computeCost),
    '',
    `ONNX         ${opset}`,
    wrap(e.onnxOpset.note, '             ').replace(/^ +/, '             '),
    ...defaultLines(e),
    'Names',
    ...aliasLines(e),
    '',
    `Related      ${e.related.join(', ') || '—'}`,
    `Sources      ${[...e.sources.study.map((s) => `study: ${s}`), ...e.sources.docs].join('\n             ') || '—'}`,
  ];
  return parts.join('\n');
}

/** `glossary --json | head` closes the pipe early: that is the reader's choice, not an error. */
function quietOnClosedPipe(): void {
  if (process.stdout.listenerCount('error') > 0) return;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

export async function run(argv: string[]): Promise<number> {
  quietOnClosedPipe();
  const args = parseCommand(argv, { flags: ['json', 'help'], aliases: { h: 'help' } }, HELP);
  if (!args) return 0;
  const json = args.flags.has('json');
  const term = args.positional.join(' ').trim();
  if (!term) {
    if (json) process.stdout.write(JSON.stringify(GLOSSARY, null, 2) + '\n');
    else {
      const width = Math.max(...GLOSSARY.map((e) => e.name.length)) + 2;
      process.stdout.write(GLOSSARY.map((e) => `${e.name.padEnd(width)}${e.summary}`).join('\n') + '\n');
    }
    return 0;
  }
  const entry = resolveTerm(term);
  if (!entry) {
    const near = suggestTerms(term);
    process.stderr.write(
      `activation-lens glossary: no entry for '${term}'` + (near.length ? `; did you mean: ${near.map((e) => e.name).join(', ')}?` : '') + '\n',
    );
    return 1;
  }
  process.stdout.write((json ? JSON.stringify([entry], null, 2) : formatEntry(entry)) + '\n');
  return 0;
}
