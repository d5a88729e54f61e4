// Reads a JSON file and turns a parse failure into a ModelError that names the file and the
// line and column where parsing stopped.
import * as fs from 'node:fs';
import { ModelError } from '../../core/model';

/** model.json files of real models reach a few MiB (GraphDef with thousands of nodes); a JSON
 *  file beyond this is not a TF.js model description and would only exhaust memory. */
export const MAX_JSON_BYTES = 512 * 1024 * 1024;

export function readJsonFile(file: string): unknown {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw new ModelError(`${file}: no such file`);
  }
  if (size > MAX_JSON_BYTES) {
    throw new ModelError(`${file}: ${size} bytes is too large for a TensorFlow.js model.json (limit ${MAX_JSON_BYTES})`);
  }
  let text = fs.readFileSync(file, 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return parseJsonText(text, file);
}

export function parseJsonText(text: string, file: string): unknown {
  if (text.trim() === '') throw new ModelError(`${file}: malformed JSON: the file is empty`);
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const m = /position (\d+)/.exec(message);
    const pos = m ? Number(m[1]) : /end of JSON input/i.test(message) ? text.length : undefined;
    const where = pos === undefined ? '' : ` at ${lineColumn(text, pos)}`;
    const reason = message.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
    throw new ModelError(`${file}: malformed JSON${where}: ${reason}`);
  }
}

function lineColumn(text: string, pos: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${pos - lineStart + 1}`;
}
