// The weights manifest: groups of weights stored back to back in shard files. Each weight becomes
// a core Tensor (location 'shard') whose values are read and, if quantized, dequantized on demand.
import { decodeRaw, rawByteLength } from '../../core/dtypes';
import { exactElementCount, ModelError, printable, textOf, type Tensor } from '../../core/model';
import { resolveShardPath } from './paths';
import { ShardGroup } from './shards';

/** TF.js dtype names → core (ONNX) dtype names. The manifest format names the first five;
 *  the rest appear in hand-made manifests and cost nothing to accept. */
export const TFJS_DTYPES: Record<string, string> = {
  float32: 'float',
  int32: 'int32',
  bool: 'bool',
  string: 'string',
  complex64: 'complex64',
  float16: 'float16',
  float64: 'double',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  uint16: 'uint16',
  uint32: 'uint32',
  int64: 'int64',
};

export function coreDtype(tfjsDtype: unknown): string {
  return typeof tfjsDtype === 'string' ? (Object.hasOwn(TFJS_DTYPES, tfjsDtype) ? TFJS_DTYPES[tfjsDtype] : tfjsDtype) : 'float';
}

export interface Quantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  scale: number;
  min: number;
}

export interface WeightEntry {
  name: string;
  shape: number[];
  /** The dtype the manifest declares (TF.js spelling). */
  tfjsDtype: string;
  dtype: string;
  elementCount: number;
  /** Stored bytes per element, undefined for strings (length-prefixed, variable). */
  storedElementBytes?: number;
  quantization?: Quantization;
  /** 'optimizer' for optimizer state saved with the model. */
  group?: string;
}

export interface WeightSet {
  tensors: ShardTensor[];
  warnings: string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseEntry(modelFile: string, raw: unknown, where: string): WeightEntry {
  const bad = (why: string): never => {
    throw new ModelError(`${modelFile}: weights manifest ${where}: ${why}`);
  };
  if (!isObject(raw)) return bad('is not an object');
  const name = raw.name;
  if (typeof name !== 'string') return bad('has no name');
  const shape = raw.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    return bad(`weight '${printable(name)}' has shape ${printable(JSON.stringify(shape) ?? String(shape))}, not a list of non-negative integers`);
  }
  const tfjsDtype = raw.dtype;
  if (typeof tfjsDtype !== 'string' || !Object.hasOwn(TFJS_DTYPES, tfjsDtype)) {
    return bad(`weight '${printable(name)}' has dtype ${printable(JSON.stringify(tfjsDtype) ?? String(tfjsDtype))}, which TensorFlow.js does not store`);
  }
  const dtype = TFJS_DTYPES[tfjsDtype];
  // Exact counts only: a product past 2^53 is not even a precise number of parameters.
  const elementCount = exactElementCount(shape as number[]);
  if (elementCount === undefined) return bad(`weight '${printable(name)}' has shape [${(shape as number[]).slice(0, 8).join(', ')}${shape.length > 8 ? ', …' : ''}], more than 2^53 elements`);
  let quantization: Quantization | undefined;
  let storedElementBytes: number | undefined;
  if (raw.quantization !== undefined && raw.quantization !== null) {
    const q = raw.quantization;
    if (!isObject(q) || (q.dtype !== 'uint8' && q.dtype !== 'uint16' && q.dtype !== 'float16')) {
      return bad(`weight '${name}' has quantization ${JSON.stringify(q)}; the known quantization dtypes are uint8, uint16 and float16`);
    }
    if (q.dtype === 'float16') {
      if (tfjsDtype !== 'float32') bad(`weight '${name}' is float16-quantized but declared ${tfjsDtype}; float16 quantization is for float32 weights`);
    } else {
      if (typeof q.scale !== 'number' || typeof q.min !== 'number') bad(`weight '${name}' is ${q.dtype}-quantized without a numeric scale and min`);
      if (tfjsDtype !== 'float32' && tfjsDtype !== 'int32') bad(`weight '${name}' is ${q.dtype}-quantized but declared ${tfjsDtype}; only float32 and int32 weights are quantized`);
    }
    quantization = { dtype: q.dtype, scale: Number(q.scale ?? 1), min: Number(q.min ?? 0) };
    storedElementBytes = q.dtype === 'uint8' ? 1 : 2;
  } else if (dtype !== 'string') {
    storedElementBytes = (rawByteLength(dtype, 8) as number) / 8;
  }
  return {
    name,
    shape: shape as number[],
    tfjsDtype,
    dtype,
    elementCount,
    storedElementBytes,
    quantization,
    group: typeof raw.group === 'string' ? raw.group : undefined,
  };
}

/** String weights are walked length prefix by length prefix; past this many strings, a manifest
 *  claims more than any model stores (and the walk would take minutes over repeated shards). */
const MAX_STRINGS = 1 << 24;

/** Where each weight of a group starts. Known at open for fixed-size weights; a string weight's
 *  size is known only by walking its length prefixes, so offsets after it are found on demand. */
class GroupLayout {
  private offsets: (number | undefined)[];

  constructor(readonly shards: ShardGroup, readonly entries: WeightEntry[]) {
    this.offsets = new Array(entries.length + 1);
    let off: number | undefined = 0;
    for (let i = 0; i <= entries.length; i++) {
      this.offsets[i] = off;
      if (i < entries.length && off !== undefined) {
        const e = entries[i];
        off = e.storedElementBytes === undefined ? undefined : off + e.elementCount * e.storedElementBytes;
        // Past 2^53 bytes an offset is no longer exact; no shard reaches there, so nothing after it can be read.
        if (off !== undefined && !Number.isSafeInteger(off)) off = Number.MAX_SAFE_INTEGER;
      }
    }
  }

  /** Total bytes the group needs, when no string weight makes it variable. */
  get fixedTotal(): number | undefined {
    return this.offsets[this.entries.length];
  }

  knownOffset(i: number): number | undefined {
    return this.offsets[i];
  }

  async offsetOf(i: number): Promise<number> {
    // Forward from the last known offset, in a loop: 100,000 string weights in a row must not
    // recurse 100,000 calls deep.
    let k = i;
    while (this.offsets[k] === undefined) k--;
    for (; k < i; k++) {
      const start = this.offsets[k] as number;
      this.offsets[k + 1] = start + (await this.sizeOf(k, start));
    }
    return this.offsets[i] as number;
  }

  /** Stored size of entry i starting at `offset`. */
  async sizeOf(i: number, offset: number): Promise<number> {
    const e = this.entries[i];
    if (e.storedElementBytes !== undefined) return e.elementCount * e.storedElementBytes;
    if (e.elementCount > MAX_STRINGS) {
      throw new ModelError(`${this.shards.modelFile}: weight '${printable(e.name)}' declares ${e.elementCount} strings; more than ${MAX_STRINGS} are not read`);
    }
    return (await this.shards.stringsEnd(offset, e.elementCount, e.name)) - offset;
  }
}

export class ShardTensor implements Tensor {
  readonly location = 'shard' as const;
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly elementCount: number;
  readonly byteSize?: number;
  readonly docString?: string;

  constructor(private readonly layout: GroupLayout, private readonly index: number, readonly entry: WeightEntry) {
    this.name = entry.name;
    this.dtype = entry.dtype;
    this.shape = entry.shape;
    this.elementCount = entry.elementCount;
    if (entry.storedElementBytes !== undefined) this.byteSize = entry.elementCount * entry.storedElementBytes;
    if (entry.quantization) {
      const q = entry.quantization;
      this.docString = q.dtype === 'float16' ? 'stored as float16' : `stored as ${q.dtype}, dequantized as value × ${q.scale} + ${q.min}`;
    }
  }

  private get shards(): ShardGroup {
    return this.layout.shards;
  }

  async *values(chunkElements = 1 << 16): AsyncIterable<Float64Array> {
    const e = this.entry;
    if (e.storedElementBytes === undefined) {
      throw new ModelError(`${this.shards.modelFile}: weight '${e.name}' holds strings, which have no numeric values`);
    }
    const per = e.storedElementBytes;
    const offset = await this.layout.offsetOf(this.index);
    // Refuse before reading anything when the shards cannot hold the whole weight.
    this.shards.check(offset, e.elementCount * per, e.name);
    const step = Math.max(1, Math.floor(chunkElements));
    for (let start = 0; start < e.elementCount; start += step) {
      const n = Math.min(step, e.elementCount - start);
      const raw = await this.shards.read(offset + start * per, n * per, e.name);
      yield this.decode(raw, n);
    }
  }

  private decode(raw: Uint8Array, n: number): Float64Array {
    const e = this.entry;
    const q = e.quantization;
    if (!q) return decodeRaw(e.dtype, raw, n);
    if (q.dtype === 'float16') return decodeRaw('float16', raw, n);
    // As tfjs-core's decodeWeight does: value × scale + min, held as float32 (or rounded for int32).
    const stored = decodeRaw(q.dtype, raw, n);
    for (let i = 0; i < n; i++) {
      const v = stored[i] * q.scale + q.min;
      stored[i] = e.tfjsDtype === 'int32' ? Math.round(v) | 0 : Math.fround(v);
    }
    return stored;
  }

  /** The stored bytes; for a quantized weight, its dequantized values in the declared dtype
   *  (float32 or int32, little-endian), so the bytes always match `dtype`. */
  async bytes(): Promise<Uint8Array> {
    const e = this.entry;
    const offset = await this.layout.offsetOf(this.index);
    const size = await this.layout.sizeOf(this.index, offset);
    this.shards.check(offset, size, e.name);
    if (!e.quantization) return this.shards.read(offset, size, e.name);
    const out = new Uint8Array(e.elementCount * 4);
    const dv = new DataView(out.buffer);
    let i = 0;
    for await (const chunk of this.values()) {
      for (const v of chunk) {
        if (e.tfjsDtype === 'int32') dv.setInt32(i * 4, v, true);
        else dv.setFloat32(i * 4, v, true);
        i++;
      }
    }
    return out;
  }
}

/** Reads a weights manifest (the `weightsManifest` of model.json, or a bare manifest file).
 *  Checks every shard path, stats the shards and reports missing or short ones as warnings. */
export function readWeightsManifest(modelFile: string, manifest: unknown): WeightSet {
  if (manifest === undefined || manifest === null) return { tensors: [], warnings: [] };
  if (!Array.isArray(manifest)) throw new ModelError(`${modelFile}: weightsManifest is not a list of weight groups`);
  const tensors: ShardTensor[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  manifest.forEach((group, g) => {
    if (!isObject(group)) throw new ModelError(`${modelFile}: weights manifest group ${g + 1} is not an object`);
    const paths = group.paths ?? [];
    const weights = group.weights ?? [];
    if (!Array.isArray(paths)) throw new ModelError(`${modelFile}: weights manifest group ${g + 1}: paths is not a list`);
    if (!Array.isArray(weights)) throw new ModelError(`${modelFile}: weights manifest group ${g + 1}: weights is not a list`);
    const files = paths.map((p) => ({ name: textOf(p), path: resolveShardPath(modelFile, p) }));
    const shards = ShardGroup.open(modelFile, g, files);
    const entries = weights.map((w, i) => parseEntry(modelFile, w, `group ${g + 1}, weight ${i + 1}`));
    const layout = new GroupLayout(shards, entries);
    entries.forEach((e, i) => {
      if (seen.has(e.name)) warnings.push(`weight '${e.name}' appears more than once in the weights manifest; the first is used`);
      else tensors.push(new ShardTensor(layout, i, e));
      seen.add(e.name);
    });
    warnings.push(...groupWarnings(shards, layout));
  });
  return { tensors, warnings };
}

function groupWarnings(shards: ShardGroup, layout: GroupLayout): string[] {
  const out: string[] = [];
  const label = `weight group ${shards.groupIndex + 1}`;
  for (const s of shards.shards) {
    if (s.size === undefined) out.push(`weights shard '${s.name}' (${label}) is missing: weights stored in it and after it cannot be read`);
  }
  const need = layout.fixedTotal;
  if (shards.shards.length === 0) {
    if (layout.entries.length > 0) out.push(`${label} lists ${layout.entries.length} weight(s) but no shard files; they cannot be read`);
  } else if (shards.firstMissing < 0 && need !== undefined) {
    const have = shards.readableBytes;
    if (have < need) {
      const last = shards.shards[shards.shards.length - 1];
      const cut = layout.entries.filter((e, i) => (layout.knownOffset(i) as number) + e.elementCount * (e.storedElementBytes as number) > have);
      out.push(
        `weights shard '${last?.name ?? '(none)'}' is short: ${label} needs ${need} bytes, its shards hold ${have}; ${cut.length} weight(s) cannot be read (first: '${cut[0]?.name}')`,
      );
    } else if (have > need) {
      out.push(`${label}: its shards hold ${have} bytes but the manifest describes ${need}; the extra bytes are ignored`);
    }
  }
  return out;
}
