// Internal errors are bugs, not properties of a model: they are reported as such ("rule X failed on
// node Y (internal error; please report)"), once, and never dressed as a finding or a model warning.
// Tests and the fuzzer set ACTIVATION_LENS_STRICT=1, which makes every report throw, so a bug that
// a hostile model exposes fails the test suite instead of hiding behind a polite message.

export const STRICT_ENV = 'ACTIVATION_LENS_STRICT';

export function strictInternalErrors(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.[STRICT_ENV] === '1';
}

/** A JavaScript stack overflow (V8: "Maximum call stack size exceeded"). */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

/** Collects internal errors of one piece of work, one report per component. */
export class InternalErrorLog {
  private readonly first = new Map<string, { where: string; count: number }>();

  /** Records that `component` failed on `where` with `error`; throws the error in strict mode. */
  report(component: string, where: string, error: unknown): void {
    if (strictInternalErrors()) throw error;
    const seen = this.first.get(component);
    if (seen) seen.count++;
    else this.first.set(component, { where, count: 1 });
  }

  /** "rule X failed on node Y (internal error; please report)", one line per component. */
  messages(): string[] {
    return [...this.first].map(([component, { where, count }]) =>
      `${component} failed on ${where}${count > 1 ? ` and ${count - 1} more` : ''} (internal error; please report)`);
  }
}
