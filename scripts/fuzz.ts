// `npm run fuzz -- --cases N --seed S`: a seeded, structure-aware fuzz campaign against the library
// and the CLI (see test/support/fuzz). Prints a summary in the classes of the hostile-models issue
// and exits 1 when any case timed out, ran out of memory, crashed, hit an internal error or gave an
// implausible result. The same seed and case count reproduce the same cases.
import { runCampaign } from '../test/support/fuzz/campaign';
import { ensureBuilt } from '../test/support/cli';

const HELP = `usage: npm run fuzz -- [--cases N] [--seed S] [--cli N] [--jobs J] [--timeout SECONDS]
                       [--memory MIB] [--corpus DIR]... [--save DIR] [--no-hostile]

  --cases N      mutated models to try (default 1000)
  --seed S       campaign seed (default: from the clock; printed, so a run can be repeated)
  --cli N        also run 'inspect --json' and 'scan --json' on N of the cases (default 50)
  --cli-hostile  also run the CLI on every hand-written hostile model
  --jobs J       cases run at once (default 1; the machine is shared)
  --timeout S    seconds a case may take (default 10)
  --memory MIB   resident memory a case may use (default 1024)
  --corpus DIR   more seed models (.onnx files, model.json folders), e.g. /usr/share/libonnx-testdata
  --save DIR     keep the files of failing cases here
  --no-hostile   skip the hand-written hostile models`;

function main(argv: string[]): Promise<number> | number {
  const opts = { cases: 1000, seed: Date.now() % 2 ** 31, cli: 50, jobs: 1, timeout: 10, memory: 1024, corpus: [] as string[], save: undefined as string | undefined, hostile: true, cliHostile: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const num = () => {
      const v = Number(value());
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a non-negative number`);
      return v;
    };
    if (a === '--cases') opts.cases = Math.floor(num());
    else if (a === '--seed') opts.seed = Math.floor(num());
    else if (a === '--cli') opts.cli = Math.floor(num());
    else if (a === '--jobs') opts.jobs = Math.max(1, Math.floor(num()));
    else if (a === '--timeout') opts.timeout = num();
    else if (a === '--memory') opts.memory = num();
    else if (a === '--corpus') opts.corpus.push(value());
    else if (a === '--save') opts.save = value();
    else if (a === '--no-hostile') opts.hostile = false;
    else if (a === '--cli-hostile') opts.cliHostile = true;
    else if (a === '--help' || a === '-h') {
      console.log(HELP);
      return 0;
    } else throw new Error(`unknown option ${a}\n\n${HELP}`);
  }
  if (opts.cli > 0 || opts.cliHostile) ensureBuilt();
  console.log(`fuzz: seed ${opts.seed}, ${opts.cases} cases (repeat with: npm run fuzz -- --cases ${opts.cases} --seed ${opts.seed})`);
  return runCampaign({
    seed: opts.seed,
    cases: opts.cases,
    cliCases: opts.cli,
    cliHostile: opts.cliHostile,
    hostile: opts.hostile,
    jobs: opts.jobs,
    limits: { timeoutMs: opts.timeout * 1000, memoryBytes: opts.memory * 2 ** 20 },
    corpus: opts.corpus,
    saveDir: opts.save,
    log: (line) => console.log(line),
  }).then((report) => {
    console.log(report.text);
    return report.ok ? 0 : 1;
  });
}

Promise.resolve()
  .then(() => main(process.argv.slice(2)))
  .then(
    (code) => process.exit(code),
    (e) => {
      console.error(`fuzz: ${(e as Error).message}`);
      process.exit(2);
    },
  );
