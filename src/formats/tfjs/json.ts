// Reads a JSON file and turns a parse failure into a ModelError that names the file and the
// line and column where parsing stopped.
import * as fs from 'node:fs';
import { ModelError } from '../../core/model';
import { FileRefused, openRegularFileSync } from '../files';

/** model.json files of real models reach a few MiB (GraphDef with thousands of nodes); a JSON
 *  file beyond this is not a TF.js model description and would only exhaust memory. */
export const MAX_JSON_BYTES = 512 * 1024 * 1024;

/** V8's longest string (2^29 − 24 characters): longer text cannot even be decoded. */
const MAX_STRING_BYTES = 0x1fffffe8;

export function readJsonFile(file: string): unknown {
  let opened: { fd: number; size: number };
  try {
    opened = openRegularFileSync(file);
  } catch (e) {
    throw new ModelError(`${file}: ${e instanceof FileRefused ? e.message : String(e)}`);
  }
  let text: string;
  try {
    const { fd, size } = opened;
    if (size > MAX_JSON_BYTES || size > MAX_STRING_BYTES) {
      throw new ModelError(`${file}: ${size} bytes is too large for a TensorFlow.js model.json (limit ${MAX_JSON_BYTES})`);
    }
    // Read what stat promised and no more: the file may grow while it is read.
    const buf = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const n = fs.readSync(fd, buf, done, size - done, done);
      if (n === 0) break;
      done += n;
    }
    text = buf.subarray(0, done).toString('utf8');
  } finally {
    fs.closeSync(opened.fd);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return parseJsonText(text, file);
}

export function parseJsonText(text: string, file: string): unknown {
  if (text.trim() === '') throw new ModelError(`${file}: malformed JSON: the file is empty`);
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // V8 names the position for some errors only ("Unexpected token '}', ..." has none), so the
    // position is found by a syntax scan of our own, run only after JSON.parse has failed.
    const m = /position (\d+)/.exec(message);
    const pos = m ? Number(m[1]) : jsonErrorPosition(text);
    const where = pos === undefined ? '' : ` at ${lineColumn(text, pos)}`;
    const reason = message
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/, (?:\.\.\.)?"[\s\S]*" is not valid JSON$/, '')
      .replace(/^JSON\.parse: /, '');
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

class SyntaxAt {
  constructor(readonly pos: number) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function scanString(t: string, i: number): number {
  let j = i + 1;
  while (j < t.length) {
    const c = t.charCodeAt(j);
    if (c === 34) return j + 1; // "
    if (c === 92) {
      const e = t[j + 1];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(t.slice(j + 2, j + 6))) throw new SyntaxAt(j);
        j += 6;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) j += 2;
      else throw new SyntaxAt(j);
    } else if (c < 0x20) throw new SyntaxAt(j);
    else j++;
  }
  throw new SyntaxAt(t.length);
}

function scanScalar(t: string, i: number): number {
  const c = t[i];
  if (c === '"') return scanString(t, i);
  for (const lit of ['true', 'false', 'null']) if (t.startsWith(lit, i)) return i + lit.length;
  NUMBER.lastIndex = i;
  if (NUMBER.test(t)) return NUMBER.lastIndex;
  throw new SyntaxAt(i);
}

/** Index of the first character where `text` stops being JSON (iterative: no recursion depth). */
export function jsonErrorPosition(text: string): number | undefined {
  const stack: string[] = [];
  type Expect = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'comma-or-close' | 'done';
  let expect: Expect = 'value';
  let i = 0;
  const after = (): Expect => (stack.length ? 'comma-or-close' : 'done');
  try {
    for (;;) {
      while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
      if (i >= text.length) return expect === 'done' ? undefined : i;
      const c = text[i];
      switch (expect) {
        case 'value':
        case 'value-or-close':
          if (c === ']' && expect === 'value-or-close') {
            stack.pop();
            i++;
            expect = after();
          } else if (c === '{' || c === '[') {
            stack.push(c);
            i++;
            expect = c === '{' ? 'key-or-close' : 'value-or-close';
          } else {
            i = scanScalar(text, i);
            expect = after();
          }
          break;
        case 'key-or-close':
        case 'key':
          if (c === '}' && expect === 'key-or-close') {
            stack.pop();
            i++;
            expect = after();
            break;
          }
          if (c !== '"') return i;
          i = scanString(text, i);
          expect = 'colon';
          break;
        case 'colon':
          if (c !== ':') return i;
          i++;
          expect = 'value';
          break;
        case 'comma-or-close': {
          const top = stack[stack.length - 1];
          if (c === ',') {
            i++;
            expect = top === '{' ? 'key' : 'value';
          } else if ((c === '}' && top === '{') || (c === ']' && top === '[')) {
            stack.pop();
            i++;
            expect = after();
          } else return i;
          break;
        }
        case 'done':
          return i;
      }
    }
  } catch (e) {
    if (e instanceof SyntaxAt) return e.pos;
    throw e;
  }
}
