// The activationLens.run.* settings as run options.
import * as vscode from 'vscode';
import type { SupervisedRunOptions } from '../runtime/runProcess';
import type { ImageOptions } from '../runtime/inputs/image';

export interface RunCommandArgs {
  /** 'synthetic', or a path to an input file or folder (relative paths: from the model's folder). */
  inputs?: string;
  samples?: number;
  seed?: number;
  distribution?: 'normal' | 'uniform';
  dims?: Record<string, number>;
  backend?: 'auto' | 'native' | 'wasm';
}

function numbers(v: unknown): number[] | undefined {
  return Array.isArray(v) && v.length && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (v as number[]) : undefined;
}

/** Options from settings, overridden by command arguments. Invalid setting values fall back to defaults. */
export function runOptionsFromSettings(resource: vscode.Uri | undefined, args: RunCommandArgs = {}): SupervisedRunOptions {
  const c = vscode.workspace.getConfiguration('activationLens.run', resource);
  const samples = args.samples ?? c.get<number>('samples', 32);
  const seed = args.seed ?? c.get<number>('seed', 0);
  const distribution = args.distribution ?? (c.get<string>('distribution', 'normal') === 'uniform' ? 'uniform' : 'normal');
  const dims: Record<string, number> = {};
  for (const [k, v] of Object.entries({ ...c.get<Record<string, unknown>>('dims', {}), ...(args.dims ?? {}) })) {
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) dims[k] = v;
  }
  const image: ImageOptions = {};
  const size = numbers(c.get('imageSize'));
  if (size && size.every((x) => Number.isInteger(x) && x > 0)) image.size = [size[0], size[1] ?? size[0]];
  const mean = numbers(c.get('mean'));
  if (mean) image.mean = mean;
  const std = numbers(c.get('std'));
  if (std && std.every((x) => x !== 0)) image.std = std;
  const layout = c.get<string>('layout', 'auto');
  if (layout === 'NCHW' || layout === 'NHWC') image.layout = layout;
  const backendSetting = args.backend ?? c.get<string>('backend', 'auto');
  const backend = backendSetting === 'native' || backendSetting === 'wasm' ? backendSetting : 'auto';
  const threadsSetting = c.get<number>('threads', 0);
  const timeout = c.get<number>('timeoutSeconds', 300);
  return {
    backend,
    threads: Number.isInteger(threadsSetting) && threadsSetting > 0 ? threadsSetting : undefined,
    // The editor keeps a core: by default the native runtime uses all cores but one.
    spareCores: 1,
    timeoutSeconds: typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0 ? timeout : undefined,
    samples: Number.isInteger(samples) && samples > 0 ? samples : 32,
    seed: Number.isInteger(seed) && seed >= 0 ? seed : 0,
    distribution,
    dims,
    image,
  };
}
