// Types for scripts/cleanEnv.mjs (so the unit tests type-check).
export declare function isOuterNpmVariable(name: string): boolean;
export declare function withoutOuterNpmPath(path: string | undefined, env: NodeJS.ProcessEnv): string | undefined;
export declare function cleanEnv(env?: NodeJS.ProcessEnv, extra?: Record<string, string | undefined>): Record<string, string>;
