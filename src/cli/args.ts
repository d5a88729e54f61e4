// A small argument parser shared by the CLI commands: flags, options with values, repeated options.

export interface CommandModule {
  run(argv: string[]): Promise<number>;
}

export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

export interface ArgSpec {
  /** Options without a value: --json */
  flags?: string[];
  /** Options with a value: --samples 10 or --samples=10 */
  options?: string[];
  /** Options that may repeat: --dim a=1 --dim b=2 */
  repeated?: string[];
  /** Short aliases: { o: 'output' } */
  aliases?: Record<string, string>;
}

export interface ParsedArgs {
  positional: string[];
  flags: Set<string>;
  options: Map<string, string>;
  repeated: Map<string, string[]>;
}

export function parseArgs(argv: string[], spec: ArgSpec): ParsedArgs {
  const flags = new Set<string>();
  const options = new Map<string, string>();
  const repeated = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    let name = arg.replace(/^--?/, '');
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    name = spec.aliases?.[name] ?? name;
    if (spec.flags?.includes(name)) {
      if (value !== undefined) throw new CliUsageError(`--${name} takes no value`);
      flags.add(name);
    } else if (spec.options?.includes(name) || spec.repeated?.includes(name)) {
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new CliUsageError(`--${name} needs a value`);
        value = argv[++i];
      }
      if (spec.repeated?.includes(name)) repeated.set(name, [...(repeated.get(name) ?? []), value]);
      else options.set(name, value);
    } else {
      throw new CliUsageError(`unknown option ${arg}`);
    }
  }
  return { positional, flags, options, repeated };
}

export function intOption(args: ParsedArgs, name: string, fallback: number, min = 0): number {
  const raw = args.options.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new CliUsageError(`--${name} must be an integer ≥ ${min}, got '${raw}'`);
  return n;
}

/** --dim name=value pairs → a map of symbolic dimension sizes. */
export function dimOptions(args: ParsedArgs): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const d of args.repeated.get('dim') ?? []) {
    const m = /^([^=]+)=(\d+)$/.exec(d);
    if (!m) throw new CliUsageError(`--dim expects name=value with a positive integer, got '${d}'`);
    dims[m[1]] = Number(m[2]);
  }
  return dims;
}

/** Parses a command's arguments with --help/-h added; prints `help` and returns undefined when
 *  asked for it, so every command answers --help the same way. */
export function parseCommand(argv: string[], spec: ArgSpec, help: string): ParsedArgs | undefined {
  const args = parseArgs(argv, {
    ...spec,
    flags: [...(spec.flags ?? []).filter((f) => f !== 'help'), 'help'],
    aliases: { h: 'help', ...spec.aliases },
  });
  if (args.flags.has('help')) {
    process.stdout.write(help + '\n');
    return undefined;
  }
  return args;
}

/** The one MODEL path a command takes, or a usage error that shows the command's help. */
export function modelArgument(args: ParsedArgs, help: string): string {
  if (args.positional.length !== 1) throw new CliUsageError(`expected one MODEL path\n\n${help}`);
  return args.positional[0];
}
