// Inputs from files: .npy, .npz, ONNX TensorProto .pb, JSON, PNG/JPEG, or a folder of any of
// these (sorted by name; a folder of input_<i>.pb files, like the ONNX backend test data sets, is
// one set of inputs by index).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelError } from '../../core/model';
import type { HostTensor } from '../hostTensor';
import type { ResolvedInput } from './dims';
import { IMAGE_EXTENSIONS, readImage, type ImageOptions } from './image';
import { readJsonTensors } from './json';
import { readNpy, readNpz } from './npy';
import { asSamples, rows, type SampleChunk, type SampleSource } from './samples';
import { readTensorProtoFile } from './tensorProto';

export const INPUT_EXTENSIONS = ['.npy', '.npz', '.pb', '.json', ...IMAGE_EXTENSIONS];
const MAX_FOLDER_FILES = 100000;

export interface FileSourceOptions {
  /** Stop after this many samples (all when undefined). */
  samples?: number;
  image?: ImageOptions;
}

export function fileSource(target: string, inputs: readonly ResolvedInput[], opts: FileSourceOptions): SampleSource {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new ModelError(`${target}: no such file or folder`);
  }
  const groups = stat.isDirectory() ? folderGroups(target) : [[target]];
  if (!groups.length) throw new ModelError(`${target}: holds no input files (${INPUT_EXTENSIONS.join(', ')})`);
  return {
    description: target,
    async *chunks(): AsyncIterable<SampleChunk> {
      let left = opts.samples ?? Infinity;
      for (const g of groups) {
        if (left <= 0) return;
        const chunk = readGroup(g, inputs, opts);
        const n = Object.values(chunk)[0]?.dims[0] ?? 0;
        if (n > left) {
          for (const k of Object.keys(chunk)) chunk[k] = rows(chunk[k], 0, left);
          left = 0;
        } else left -= n;
        yield chunk;
      }
    },
  };
}

function naturalSort(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

/** Files read together: one file per group, except input_<i>.pb sets, whose files form one group. */
export function folderGroups(dir: string): string[][] {
  const groups: string[][] = [];
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => naturalSort(a.name, b.name));
  if (entries.length > MAX_FOLDER_FILES) throw new ModelError(`${dir}: more than ${MAX_FOLDER_FILES} entries`);
  const pbSet = entries.filter((e) => e.isFile() && /^input_\d+\.pb$/.test(e.name)).map((e) => path.join(dir, e.name));
  if (pbSet.length) groups.push(pbSet);
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      // test_data_set_<n> folders of the backend test layout
      const sub = fs.readdirSync(full).filter((f) => /^input_\d+\.pb$/.test(f)).sort(naturalSort);
      if (sub.length) groups.push(sub.map((f) => path.join(full, f)));
      continue;
    }
    if (!e.isFile() || pbSet.includes(full) || /^output_\d+\.pb$/.test(e.name)) continue;
    if (INPUT_EXTENSIONS.includes(path.extname(e.name).toLowerCase())) groups.push([full]);
  }
  return groups;
}

function readGroup(files: string[], inputs: readonly ResolvedInput[], opts: FileSourceOptions): SampleChunk {
  const where = files.length === 1 ? files[0] : path.dirname(files[0]);
  if (files.length === 1 && IMAGE_EXTENSIONS.includes(path.extname(files[0]).toLowerCase())) {
    if (inputs.length !== 1) throw new ModelError(`${files[0]}: the model has ${inputs.length} inputs; images can feed only a single-input model`);
    return { [inputs[0].name]: readImage(files[0], inputs[0], opts.image ?? {}) };
  }
  const named: { name: string; tensor: HostTensor }[] = [];
  for (const f of files) {
    const ext = path.extname(f).toLowerCase();
    if (ext === '.npy') named.push({ name: '', tensor: readNpy(f) });
    else if (ext === '.npz') named.push(...readNpz(f));
    else if (ext === '.pb') named.push(readTensorProtoFile(f));
    else if (ext === '.json') named.push(...readJsonTensors(f));
    else throw new ModelError(`${f}: unsupported input file type '${ext}' (use ${INPUT_EXTENSIONS.join(', ')})`);
  }
  const mapped = mapToInputs(named, inputs, where);
  const chunk: SampleChunk = {};
  let count = -1;
  for (const inp of inputs) {
    const t = asSamples(mapped.get(inp.name)!, inp, `${where} (input '${inp.name}')`);
    if (count >= 0 && t.dims[0] !== count) throw new ModelError(`${where}: inputs hold different sample counts (${count} and ${t.dims[0]})`);
    count = t.dims[0];
    chunk[inp.name] = t;
  }
  return chunk;
}

/** Matches tensors to model inputs: by name when every input is named, else by order. */
function mapToInputs(named: { name: string; tensor: HostTensor }[], inputs: readonly ResolvedInput[], where: string): Map<string, HostTensor> {
  const byName = new Map(named.map((n) => [n.name, n.tensor]));
  const out = new Map<string, HostTensor>();
  if (inputs.every((i) => byName.has(i.name))) {
    for (const i of inputs) out.set(i.name, byName.get(i.name)!);
    return out;
  }
  if (named.length === inputs.length) {
    inputs.forEach((inp, k) => out.set(inp.name, named[k].tensor));
    return out;
  }
  const missing = inputs.filter((i) => !byName.has(i.name)).map((i) => i.name);
  throw new ModelError(`${where}: holds ${named.length} array(s) but the model needs ${inputs.length} input(s); missing ${missing.map((m) => `'${m}'`).join(', ')}`);
}
