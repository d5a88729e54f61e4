// Cancellation of a run (Ctrl+C in the CLI, the notification's Cancel button in VS Code).
export class RunCancelledError extends Error {
  constructor() {
    super('the run was cancelled');
    this.name = 'RunCancelledError';
  }
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RunCancelledError();
}
