// Reads a run JSON (`activation-lens run --json`, or "Export Activation Results as JSON") back for
// a comparison. The file is untrusted: every field is checked, and a bad one gives one error that
// names the file and the field.
import * as fs from 'node:fs';
import { ModelError } from '../../core/model';
import type { CompareLayerStats, InputIdentity, RunForCompare } from './types';

/** Run files larger than this are not read: a run of 1,000 layers of 4,096 units is about 80 MB. */
const MAX_RUN_FILE_BYTES = 256 * 2 ** 20;

/** Units per layer a run file may claim (a larger claim is a broken or hostile file). */
const MAX_UNITS = 1 << 26;

class Bad extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Record<string, unknown>, key: string, where: string, optional = false): string {
  const v = o[key];
  if (v === undefined && optional) return '';
  if (typeof v !== 'string') throw new Bad(`${where}${key} must be a string`);
  return v;
}

function int(o: Record<string, unknown>, key: string, where: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new Bad(`${where}${key} must be an integer from 0 to ${max}`);
  return v;
}

/** A statistic; null stands for a value JSON cannot hold (±Infinity, NaN of an empty layer). */
function stat(o: Record<string, unknown>, key: string, where: string): number {
  const v = o[key];
  if (v === null) return NaN;
  if (typeof v !== 'number') throw new Bad(`${where}${key} must be a number`);
  return v;
}

function numbers(v: unknown, what: string, length?: number): number[] {
  if (!Array.isArray(v)) throw new Bad(`${what} must be an array of numbers`);
  if (length !== undefined && v.length !== length) throw new Bad(`${what} has ${v.length} entries, expected ${length}`);
  for (const x of v) if (typeof x !== 'number') throw new Bad(`${what} must hold only numbers`);
  return v as number[];
}

function identity(v: unknown, where: string): InputIdentity | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new Bad(`${where} must be an object`);
  const w = `${where}.`;
  if (v.kind === 'synthetic') {
    const id: InputIdentity = { kind: 'synthetic', distribution: str(v, 'distribution', w), seed: int(v, 'seed', w) };
    if (v.sampleShapes !== undefined) {
      if (!Array.isArray(v.sampleShapes) || !v.sampleShapes.every((x) => typeof x === 'string')) throw new Bad(`${w}sampleShapes must be an array of strings`);
      id.sampleShapes = v.sampleShapes as string[];
    }
    if (v.generator !== undefined) id.generator = str(v, 'generator', w);
    return id;
  }
  if (v.kind === 'file' || v.kind === 'folder') {
    const sha256 = str(v, 'sha256', w);
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Bad(`${w}sha256 must be 64 hex digits`);
    const id: InputIdentity = { kind: v.kind, path: str(v, 'path', w), sha256, files: int(v, 'files', w), bytes: int(v, 'bytes', w) };
    if (v.image !== undefined) {
      if (!isObject(v.image)) throw new Bad(`${w}image must be an object`);
      // Kept as recorded (only compared for equality), but only its known keys.
      const img = v.image;
      id.image = {};
      if (img.size !== undefined) id.image.size = numbers(img.size, `${w}image.size`, 2) as [number, number];
      if (img.mean !== undefined) id.image.mean = numbers(img.mean, `${w}image.mean`);
      if (img.std !== undefined) id.image.std = numbers(img.std, `${w}image.std`);
      if (img.layout !== undefined) id.image.layout = str(img, 'layout', `${w}image.`);
    }
    return id;
  }
  throw new Bad(`${w}kind must be "synthetic", "file" or "folder"`);
}

function layer(v: unknown, k: number): CompareLayerStats {
  const where = `layers[${k}].`;
  if (!isObject(v)) throw new Bad(`layers[${k}] must be an object`);
  const units = int(v, 'units', where, MAX_UNITS);
  const activeRate = numbers(v.activeRate, `${where}activeRate`, units);
  const deadUnits = numbers(v.deadUnits, `${where}deadUnits`);
  if (deadUnits.length > units) throw new Bad(`${where}deadUnits lists more units than the layer has`);
  for (const u of deadUnits) if (!Number.isInteger(u) || u < 0 || u >= units) throw new Bad(`${where}deadUnits holds ${u}, not a unit of ${units}`);
  if (new Set(deadUnits).size !== deadUnits.length) throw new Bad(`${where}deadUnits lists a unit twice`);
  const h = v.histogram;
  let histogram = { edges: [] as number[], counts: [] as number[] };
  if (h !== undefined) {
    if (!isObject(h)) throw new Bad(`${where}histogram must be an object`);
    const counts = numbers(h.counts, `${where}histogram.counts`);
    histogram = { edges: numbers(h.edges, `${where}histogram.edges`, counts.length + 1), counts };
  }
  const activation = v.activation === undefined ? undefined : str(v, 'activation', where);
  const out: CompareLayerStats = {
    node: str(v, 'node', where),
    op: str(v, 'op', where),
    output: str(v, 'output', where, true),
    units,
    unitAxis: typeof v.unitAxis === 'number' ? v.unitAxis : -1,
    activeRate,
    deadUnits,
    zeroFraction: stat(v, 'zeroFraction', where),
    min: stat(v, 'min', where),
    max: stat(v, 'max', where),
    mean: stat(v, 'mean', where),
    std: stat(v, 'std', where),
    histogram,
    samples: int(v, 'samples', where),
    timeMs: typeof v.timeMs === 'number' ? v.timeMs : 0,
  };
  if (activation) out.activation = activation;
  return out;
}

/** Whether parsed JSON looks like a run file rather than a model.json. */
export function looksLikeRunJson(v: unknown): boolean {
  return isObject(v) && Array.isArray(v.layers) && typeof v.samples === 'number' && !('modelTopology' in v) && !('weightsManifest' in v);
}

/** Checks parsed run JSON and returns it as a run to compare. `file` names it in errors. */
export function runFromJson(v: unknown, file: string): RunForCompare {
  try {
    if (!isObject(v)) throw new Bad('not a JSON object');
    if (!Array.isArray(v.layers)) throw new Bad('has no "layers" array (is it the output of `activation-lens run --json`?)');
    let dims: Record<string, number> = {};
    if (v.dims !== undefined) {
      if (!isObject(v.dims)) throw new Bad('dims must be an object');
      for (const [k, d] of Object.entries(v.dims)) if (typeof d !== 'number') throw new Bad(`dims.${k} must be a number`);
      // fromEntries defines own properties: a "__proto__" key stays a plain key.
      dims = Object.fromEntries(Object.entries(v.dims)) as Record<string, number>;
    }
    const run: RunForCompare = {
      model: str(v, 'model', ''),
      samples: int(v, 'samples', ''),
      inputSource: str(v, 'inputSource', '', true),
      dims,
      layers: v.layers.map(layer),
      runFile: file,
    };
    const id = identity(v.inputIdentity, 'inputIdentity');
    if (id) run.inputIdentity = id;
    return run;
  } catch (e) {
    if (e instanceof Bad) throw new ModelError(`${file}: not a valid run file: ${e.message}`);
    throw e;
  }
}

/** Parses the text of a run file. */
export function parseRunJson(text: string, file: string): RunForCompare {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ModelError(`${file}: not a valid run file: invalid JSON (${(e as Error).message})`);
  }
  return runFromJson(v, file);
}

/** A run file, or undefined when `file` is a model (an ONNX file, a TF.js model.json). */
export function readRunFile(file: string): RunForCompare | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new ModelError(`${file}: no such file`);
  }
  if (stat.isDirectory()) throw new ModelError(`${file}: is a folder, not a model or run file`);
  if (!file.toLowerCase().endsWith('.json')) return undefined;
  if (stat.size > MAX_RUN_FILE_BYTES) {
    // A model.json this large (inline topology) goes to the model reader; anything else is refused
    // before it is read whole.
    const head = Buffer.alloc(64 * 1024);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, head, 0, head.length, 0);
    } finally {
      fs.closeSync(fd);
    }
    if (/"(modelTopology|weightsManifest)"/.test(head.toString('latin1'))) return undefined;
    throw new ModelError(`${file}: ${Math.round(stat.size / 2 ** 20)} MB is larger than a run file can be (${MAX_RUN_FILE_BYTES / 2 ** 20} MB)`);
  }
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ModelError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return looksLikeRunJson(value) ? runFromJson(value, file) : undefined;
}
