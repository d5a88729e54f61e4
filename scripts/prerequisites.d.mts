// Types for scripts/prerequisites.mjs (so the unit tests type-check).
export declare const GSSAPI_HEADER_VARIABLE: string;
export declare const INSTALL_ADVICE: string[];
export declare class PrerequisiteError extends Error {}
export declare function findExecutable(names: (string | undefined)[], env?: NodeJS.ProcessEnv): string | undefined;
export declare function missingPrerequisites(options?: { env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform }): string[];
export declare function prerequisiteAdvice(missing: string[]): string;
export declare function checkPrerequisites(options?: { env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform }): void;
