// Resolves ONNX external-data locations against the model's folder and refuses any that escape it:
// the path-traversal class of ONNX's own CVE-2022-25882 and CVE-2024-27318.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelError } from '../../core/model';

export function resolveExternalPath(modelFile: string, location: string, tensorName: string): string {
  const refuse = (why: string) =>
    new ModelError(`${modelFile}: tensor '${tensorName}' refers to external data '${location}' ${why}; external data must stay inside the model's folder`);
  if (location.includes('\0')) throw refuse('containing a NUL byte');
  if (path.isAbsolute(location) || path.win32.isAbsolute(location) || /^[a-zA-Z]:/.test(location)) throw refuse('by an absolute path');
  const parts = location.split(/[\\/]+/);
  if (parts.includes('..')) throw refuse("with '..'");
  const dir = path.dirname(path.resolve(modelFile));
  // One string, not one argument per segment: a location of 200,000 segments must not be spread
  // into a call (that overflows the stack).
  const target = path.resolve(dir, parts.join('/'));
  if (!isInside(dir, target)) throw refuse('outside the folder');
  // A symlink (the file or a folder on the way) may still lead out: compare real paths.
  if (fs.existsSync(target)) {
    let realDir: string, realTarget: string;
    try {
      realDir = fs.realpathSync(dir);
      realTarget = fs.realpathSync(target);
    } catch {
      throw refuse('whose real path cannot be resolved');
    }
    if (!isInside(realDir, realTarget)) throw refuse('through a symbolic link that leads out of the folder');
  }
  return target;
}

function isInside(dir: string, target: string): boolean {
  const rel = path.relative(dir, target);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
