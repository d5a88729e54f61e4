// The identity of a run's inputs (src/analysis/compare/types.ts InputIdentity): the generator and
// seed of synthetic inputs, or the input file or folder with a SHA-256 of the files read, so two
// runs can be checked to have seen the same inputs and another model can be run on them again.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { InputIdentity } from '../../analysis/compare/types';
import { folderGroups } from './fileSource';
import type { ImageOptions } from './image';
import { NORMAL_GENERATOR } from './random';
import type { Distribution } from './synthetic';

const CHUNK = 1 << 20;

/** SHA-256 of a file, read in 1 MiB pieces (bounded memory for any size). */
function hashFile(file: string): { sha256: string; bytes: number } {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  const fd = fs.openSync(file, 'r');
  let bytes = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK, null);
      if (n <= 0) break;
      hash.update(buf.subarray(0, n));
      bytes += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { sha256: hash.digest('hex'), bytes };
}

export interface InputIdentityOptions {
  inputs?: string;
  /** The model's inputs as fed: their per-sample dtype and shape go into a synthetic identity. */
  fed?: readonly { dtype: string; sampleShape: readonly number[] }[];
  seed?: number;
  distribution?: Distribution;
  image?: ImageOptions;
}

/** What the inputs of a run with these options are. Files: the same files the run reads. */
export function inputIdentity(opts: InputIdentityOptions): InputIdentity {
  if (!opts.inputs) {
    const distribution = opts.distribution ?? 'normal';
    const id: InputIdentity = { kind: 'synthetic', distribution, seed: opts.seed ?? 0 };
    if (distribution === 'normal') id.generator = NORMAL_GENERATOR;
    if (opts.fed) id.sampleShapes = opts.fed.map((i) => `${i.dtype}[${i.sampleShape.join(',')}]`);
    return id;
  }
  const target = path.resolve(opts.inputs);
  const image = opts.image && Object.values(opts.image).some((v) => v !== undefined) ? { ...opts.image } : undefined;
  if (fs.statSync(target).isDirectory()) {
    // A folder: over the input files in reading order, their names (relative) and hashes, so a
    // renamed, added or edited file changes the identity.
    const files = folderGroups(target).flat();
    const hash = createHash('sha256');
    let bytes = 0;
    for (const f of files) {
      const h = hashFile(f);
      bytes += h.bytes;
      hash.update(`${path.relative(target, f).split(path.sep).join('/')}\0${h.sha256}\n`);
    }
    return { kind: 'folder', path: target, sha256: hash.digest('hex'), files: files.length, bytes, ...(image ? { image } : {}) };
  }
  const h = hashFile(target);
  return { kind: 'file', path: target, sha256: h.sha256, files: 1, bytes: h.bytes, ...(image ? { image } : {}) };
}

/**
 * The recorded inputs in another checkout: the recorded path's tails (data/probe.npy, probe.npy)
 * under the run file's folder and the working folder, taken only when the contents hash the same.
 */
export function movedInputs(id: Extract<InputIdentity, { path: string }>, runFile: string | undefined): string | undefined {
  const parts = id.path.split(/[\\/]+/).filter(Boolean);
  const roots = [...new Set([runFile ? path.dirname(path.resolve(runFile)) : undefined, process.cwd()].filter((r): r is string => !!r))];
  for (let k = 0; k < parts.length; k++) {
    for (const root of roots) {
      const candidate = path.join(root, ...parts.slice(k));
      let stat: fs.Stats;
      try {
        stat = fs.statSync(candidate);
      } catch {
        continue;
      }
      if (stat.isDirectory() !== (id.kind === 'folder')) continue;
      const here = inputIdentity({ inputs: candidate });
      if (here.kind !== 'synthetic' && here.sha256 === id.sha256) return candidate;
    }
  }
  return undefined;
}
