// Opens a model file of any supported format and returns the core model.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelError, type Model } from '../core/model';
import { readOnnxModel } from './onnx/reader';
import { readTfjsModel } from './tfjs/reader';

export async function loadModel(file: string): Promise<Model> {
  const abs = path.resolve(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new ModelError(`${file}: no such file`);
  }
  if (stat.isDirectory()) throw new ModelError(`${file}: is a folder, not a model file`);
  if (looksLikeJson(abs)) return readTfjsModel(abs);
  return readOnnxModel(abs);
}

function looksLikeJson(file: string): boolean {
  if (file.toLowerCase().endsWith('.json')) return true;
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(64);
    const n = fs.readSync(fd, head, 0, 64, 0);
    const text = head.subarray(0, n).toString('latin1').trimStart();
    return text.startsWith('{');
  } finally {
    fs.closeSync(fd);
  }
}
