// Opens a model file of any supported format and returns the core model.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelError, type Model } from '../core/model';
import { isStackOverflow, strictInternalErrors } from '../core/internalErrors';
import { FileRefused, fsErrorText, notRegularReason, openRegularFileSync } from './files';
import { readOnnxModel } from './onnx/reader';
import { readTfjsModel } from './tfjs/reader';

export async function loadModel(file: string): Promise<Model> {
  const abs = path.resolve(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch (e) {
    throw new ModelError(`${file}: ${fsErrorText(e)}`);
  }
  if (stat.isDirectory()) throw new ModelError(`${file}: is a folder, not a model file`);
  if (!stat.isFile()) throw new ModelError(`${file}: ${notRegularReason(stat)}; a model must be a regular file`);
  try {
    if (looksLikeJson(abs)) return await readTfjsModel(abs);
    return await readOnnxModel(abs);
  } catch (e) {
    throw readingError(file, e);
  }
}

/** Every failure of reading as one ModelError naming the file. A stack overflow comes from the
 *  file's nesting; anything else unexpected is our bug and says so (and throws as is in strict mode). */
function readingError(file: string, e: unknown): unknown {
  if (e instanceof ModelError) return e.message.includes(file) || e.message.includes(path.resolve(file)) ? e : new ModelError(`${file}: ${e.message}`);
  if (e instanceof FileRefused) return new ModelError(`${file}: ${e.message}`);
  if (isStackOverflow(e)) return new ModelError(`${file}: the model's structure is nested too deeply to read`);
  if (strictInternalErrors()) return e;
  return new ModelError(`${file}: reading the model failed with an internal error (${(e as Error)?.name ?? 'error'}); please report it`);
}

function looksLikeJson(file: string): boolean {
  if (file.toLowerCase().endsWith('.json')) return true;
  const { fd } = openRegularFileSync(file);
  try {
    const head = Buffer.alloc(64);
    const n = fs.readSync(fd, head, 0, 64, 0);
    const text = head.subarray(0, n).toString('latin1').trimStart();
    return text.startsWith('{');
  } finally {
    fs.closeSync(fd);
  }
}
