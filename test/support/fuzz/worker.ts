// A fuzz worker: a child process that runs the library pipeline on the model files its parent
// sends, one at a time, and reports each result. The parent watches the clock and this process's
// memory, and kills it when a case hangs or blows up; a crash ends the process, which the parent
// sees too. Internal errors are strict here: a rule that throws fails the case, not a warning.
import { runPipeline } from './pipeline';

process.env.ACTIVATION_LENS_STRICT = '1';

interface Job {
  id: number;
  file: string;
}

let current: number | undefined;

function send(message: unknown): void {
  process.send?.(message);
}

function crash(what: string, e: unknown): void {
  const err = e as Error;
  send({ type: 'crash', id: current, message: `${what}: ${err?.stack ?? String(e)}` });
  process.exit(70);
}

process.on('uncaughtException', (e) => crash('uncaught exception', e));
process.on('unhandledRejection', (e) => crash('unhandled rejection', e));

process.on('message', (job: Job | { type: 'exit' }) => {
  if ('type' in job) {
    process.exit(0);
    return;
  }
  current = job.id;
  runPipeline(job.file).then(
    (result) => {
      current = undefined;
      // Collect this case's garbage now, so the next case's memory is its own.
      (globalThis as { gc?: () => void }).gc?.();
      // maxRSS is the process's peak: it rises only when a case goes past every earlier one, so
      // a spike between the parent's polls is still seen (the parent replaces this worker then).
      send({ type: 'result', id: job.id, result, maxRss: process.resourceUsage().maxRSS * 1024 });
    },
    (e) => crash('pipeline', e),
  );
});

send({ type: 'ready' });
