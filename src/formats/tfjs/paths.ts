// Resolves the weight-shard paths a manifest names, refusing any that would leave the model's
// folder: absolute paths, URLs, `..` that climbs out, and symbolic links that point outside.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelError } from '../../core/model';
import { notRegularReason } from '../files';

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The absolute path of a shard named in the manifest of `modelFile`. Throws ModelError when the
 *  name escapes the model's folder. The file need not exist (a missing shard is reported later). */
export function resolveShardPath(modelFile: string, shardPath: unknown): string {
  if (typeof shardPath !== 'string' || shardPath === '') {
    throw new ModelError(`${modelFile}: weights manifest has a shard path that is not a non-empty string: ${JSON.stringify(shardPath)}`);
  }
  const refuse = (why: string): never => {
    throw new ModelError(`${modelFile}: weights manifest path ${JSON.stringify(shardPath)} is refused: ${why}`);
  };
  if (shardPath.includes('\0')) refuse('it contains a NUL character');
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(shardPath) && !/^[a-zA-Z]:[\\/]/.test(shardPath)) refuse('it is a URL, not a file next to the model');
  const dir = path.dirname(path.resolve(modelFile));
  const candidates = [shardPath];
  // Converter output names files plainly, but paths are URL paths to tfjs: a name with %xx
  // escapes may stand for the decoded file name. Both spellings must stay inside the folder.
  if (shardPath.includes('%')) {
    try {
      candidates.push(decodeURIComponent(shardPath));
    } catch {
      /* not an escape sequence: the literal name is the only candidate */
    }
  }
  let chosen: string | undefined;
  for (const c of candidates) {
    if (path.isAbsolute(c) || path.win32.isAbsolute(c) || c.startsWith('/') || c.startsWith('\\')) refuse('it is an absolute path');
    const resolved = path.resolve(dir, c.replace(/\\/g, '/'));
    if (!isInside(dir, resolved)) refuse(`it leads outside the model's folder ${dir}`);
    if (chosen === undefined || (!fs.existsSync(chosen) && fs.existsSync(resolved))) chosen = resolved;
  }
  const file = chosen as string;
  const link = lstatOrUndefined(file);
  if (link?.isSymbolicLink() && !fs.existsSync(file)) {
    const target = path.resolve(path.dirname(file), fs.readlinkSync(file));
    if (!isInside(dir, target)) refuse(`it is a link to ${target}, outside the model's folder`);
  }
  // A symbolic link (the shard itself or a folder on the way) must not lead out either.
  if (fs.existsSync(file)) {
    let realDir: string;
    let realFile: string;
    try {
      realDir = fs.realpathSync(dir);
      realFile = fs.realpathSync(file);
    } catch {
      return refuse('its real path cannot be resolved');
    }
    if (!isInside(realDir, realFile)) refuse(`it is a link to ${realFile}, outside the model's folder`);
    let st: fs.Stats;
    try {
      st = fs.statSync(realFile);
    } catch {
      return refuse('it cannot be examined');
    }
    if (st.isDirectory()) refuse('it is a folder, not a file');
    // A named pipe would block the first read, a device might never end.
    if (!st.isFile()) refuse(`it ${notRegularReason(st)}`);
  }
  return file;
}

function lstatOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch {
    return undefined;
  }
}
