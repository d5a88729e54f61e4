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
  const target = path.resolve(dir, ...parts);
  if (!isInside(dir, target)) throw refuse('outside the folder');
  // A symlink (the file or a folder on the way) may still lead out: compare real paths.
  if (fs.existsSync(target)) {
    const realDir = fs.realpathSync(dir);
    const realTarget = fs.realpathSync(target);
    if (!isInside(realDir, realTarget)) throw refuse('through a symbolic link that leads out of the folder');
  }
  return target;
}

function isInside(dir: string, target: string): boolean {
  const rel = path.relative(dir, target);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
