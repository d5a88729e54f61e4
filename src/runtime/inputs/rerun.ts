// Run options that give a model the inputs another run recorded (its InputIdentity). Kept apart
// from identity.ts (which reads input folders through the input readers) so the extension host
// can use it without bundling the image decoders.
import * as fs from 'node:fs';
import type { InputIdentity, RunForCompare } from '../../analysis/compare/types';
import { ModelError } from '../../core/model';
import { defaultDimSize } from './dims';
import type { ImageOptions } from './image';
import type { Distribution } from './synthetic';

/** Run options (a subset of RunOptions) that give another model the inputs a run recorded. */
export interface RerunOptions {
  inputs?: string;
  samples: number;
  seed?: number;
  distribution?: Distribution;
  dims: Record<string, number>;
  image?: ImageOptions;
}

/** Finds recorded input files that are no longer at their recorded path (identity.ts movedInputs). */
export type MovedInputsLocator = (id: Extract<InputIdentity, { path: string }>, runFile: string | undefined) => string | undefined;

/** The options that run a model on the same inputs as `run`: its seed and generator, or its input
 *  file (at its recorded path, else where `locate` finds it), and its sample count. */
export function rerunOptions(run: Pick<RunForCompare, 'inputIdentity' | 'inputSource' | 'samples' | 'dims' | 'model' | 'runFile'>, locate?: MovedInputsLocator): RerunOptions {
  const id = run.inputIdentity;
  const where = run.runFile ?? run.model;
  // Sizes of 1 that the names default to anyway are left out: a batch axis given a size becomes
  // the samples per inference call (1), which would only slow the run down.
  const dims = Object.fromEntries(Object.entries(run.dims).filter(([name, size]) => !(size === 1 && defaultDimSize(name, 1, 2) === 1)));
  const base = { samples: run.samples, dims };
  if (id?.kind === 'synthetic') return { ...base, seed: id.seed, distribution: id.distribution === 'uniform' ? 'uniform' : 'normal' };
  if (id) {
    const found = fs.existsSync(id.path) ? id.path : locate?.(id, run.runFile);
    if (!found) throw new ModelError(`${where} ran on ${id.path}, which does not exist here: give the inputs explicitly`);
    const image = id.image ? ({ ...id.image } as ImageOptions) : undefined;
    return { ...base, inputs: found, ...(image ? { image } : {}) };
  }
  // Runs saved before runs recorded their inputs: the input source names them.
  const m = /^synthetic (normal|uniform) seed (\d+)$/.exec(run.inputSource);
  if (m) return { ...base, seed: Number(m[2]), distribution: m[1] as Distribution };
  if (run.inputSource && fs.existsSync(run.inputSource)) return { ...base, inputs: run.inputSource };
  throw new ModelError(`${where} does not say which inputs it ran on in a form that can be run again: give the inputs explicitly`);
}
