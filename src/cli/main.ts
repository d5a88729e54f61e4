// The command-line face: `activation-lens inspect|run|scan|rewrite|glossary|diff`.
// Each command lives in src/cli/commands/<name>.ts and returns its exit code.
import { ModelError } from '../core/model';
import { CliUsageError, type CommandModule } from './args';

const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  inspect: () => import('./commands/inspect'),
  run: () => import('./commands/run'),
  scan: () => import('./commands/scan'),
  rewrite: () => import('./commands/rewrite'),
  glossary: () => import('./commands/glossary'),
  diff: () => import('./commands/diff'),
};

const USAGE = `usage: activation-lens <command> [options]

commands:
  inspect MODEL [--json]                 summarise a model (ONNX or TF.js model.json)
  run MODEL [--inputs PATH] [--samples N] [--seed S] [--dim name=value]... [--json]
                                         run the model and measure every activation layer
  scan MODEL [--inputs PATH] [--samples N] [--json|--sarif|--markdown] [--fail-on error|warning]
                                         find dead and dying ReLU units
  rewrite MODEL --to VARIANT [--nodes a,b] -o OUT [--force]
                                         write a copy with another activation
  glossary [TERM] [--json]               explain activation terms
  diff A B [--inputs PATH] [--json|--markdown] [--fail-on new-dead]
                                         compare two models (run on the same inputs) or two runs

Run 'activation-lens <command> --help' for a command's options.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? process.stdout : process.stderr).write(USAGE + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`activation-lens: unknown command '${name}'\n\n${USAGE}\n`);
    return 2;
  }
  try {
    const mod = await load();
    return await mod.run(rest);
  } catch (e) {
    if (isExpectedError(e)) {
      process.stderr.write(`activation-lens ${name}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** A bad model or bad arguments: one line, exit 2. Checked by name, not `instanceof`: each
 *  command is its own bundle (scripts/build.mjs), with its own copy of the error classes. */
function isExpectedError(e: unknown): e is Error {
  return e instanceof Error && (e.name === new ModelError('').name || e.name === new CliUsageError('').name);
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.1.0';

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`activation-lens: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 3;
    },
  );
}
