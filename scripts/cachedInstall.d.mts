// Types for scripts/cachedInstall.mjs (so the unit tests type-check).
export declare function log(msg: string): void;
export declare function staleLockReason(lock: string, now?: number): string | undefined;
export declare function withLock<T>(target: string, fn: (touch: () => void) => Promise<T>): Promise<T>;
export declare function isInstalled(dir: string, spec: string): boolean;
export declare function installOnce(dir: string, spec: string, build: (tmp: string, touch: () => void) => Promise<void>): Promise<void>;
export declare function describeOutputLine(line: string): string | undefined;
export declare function runStep(
  what: string,
  cmd: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string; t0?: number; touch?: () => void; heartbeatMs?: number },
): Promise<void>;
