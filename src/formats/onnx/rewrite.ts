// Writes a copy of an ONNX model with its ReLU nodes replaced by another activation.
//
// The copy is made by patching the serialized bytes, not by decoding and re-encoding the model:
// only the replaced NodeProto fields are re-encoded (with onnx-proto) and spliced in place, new
// initializers are appended to the GraphProto, and the graph field's length prefix is rewritten.
// Every other byte — including fields newer than onnx-proto knows — is copied unchanged.
// Variants the model's opset lacks are written as equivalent decompositions (SiLU = x·Sigmoid(x),
// GELU = 0.5·x·(1 + Erf(x/√2)), CELU = α·Elu(x/α)), so the opset import never has to change.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { ModelError, type Graph, type Node, type Tensor } from '../../core/model';
import { VARIANT_INFO, type VariantId } from '../../analysis/suggestions';
import { numberToFloat16 } from '../../runtime/hostTensor';
import { readOnnxModelSync, type OnnxModel } from './reader';
import type { Range } from './skeleton';

export interface RewriteRequest {
  variant: VariantId;
  /** alpha for leaky-relu/elu/celu, init for prelu. */
  params?: Record<string, number>;
  /** Names of the ReLU nodes to replace; all main-graph ReLU nodes when absent. */
  nodes?: string[];
  /** Replace an existing output file. */
  force?: boolean;
}

/** A byte range of the input copied unchanged to the output. */
export interface CopiedSegment {
  inputStart: number;
  inputEnd: number;
  outputStart: number;
}

export interface RewriteResult {
  input: string;
  output: string;
  variant: VariantId;
  params: Record<string, number>;
  replaced: string[];
  /** How each node was written: "LeakyRelu", "Sigmoid+Mul" … */
  written: string;
  addedInitializers: string[];
  opsetChanged: boolean;
  /** Byte ranges of the input copied verbatim, and where they land in the output. */
  copied: CopiedSegment[];
  /** The replaced NodeProto fields of the input. */
  replacedRanges: Range[];
  notes: string[];
}

// ---------------------------------------------------------------------------- wire helpers

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function field(fieldNo: number, payload: Uint8Array): Uint8Array {
  const head = [...varint(fieldNo * 8 + 2), ...varint(payload.length)];
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

function readVarintAt(fd: number, pos: number): { value: number; next: number } {
  const buf = Buffer.alloc(10);
  const n = fs.readSync(fd, buf, 0, 10, pos);
  let value = 0, mul = 1;
  for (let i = 0; i < n; i++) {
    value += (buf[i] & 0x7f) * mul;
    if (!(buf[i] & 0x80)) return { value, next: pos + i + 1 };
    mul *= 128;
  }
  throw new ModelError(`corrupt length at byte ${pos}`);
}

// ---------------------------------------------------------------------------- graph facts

const FLOAT_TYPES: Record<string, { code: number; bytes: number }> = {
  float: { code: 1, bytes: 4 },
  double: { code: 11, bytes: 8 },
  float16: { code: 10, bytes: 2 },
};

function rawScalars(dtype: string, values: number[]): Uint8Array {
  const t = FLOAT_TYPES[dtype];
  const out = new Uint8Array(values.length * t.bytes);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (dtype === 'float') dv.setFloat32(i * 4, v, true);
    else if (dtype === 'double') dv.setFloat64(i * 8, v, true);
    else dv.setUint16(i * 2, numberToFloat16(v), true);
  });
  return out;
}

class Facts {
  readonly producer = new Map<string, Node>();
  readonly init = new Map<string, Tensor>();
  readonly names = new Set<string>();
  readonly valueInfo = new Map<string, { dtype: string; shape?: (number | string | null)[] }>();

  constructor(readonly graph: Graph) {
    for (const t of graph.initializers) {
      this.init.set(t.name, t);
      this.names.add(t.name);
    }
    for (const v of [...graph.inputs, ...graph.outputs, ...graph.valueInfo]) {
      this.valueInfo.set(v.name, { dtype: v.dtype, shape: v.shape });
      this.names.add(v.name);
    }
    for (const n of graph.nodes) {
      for (const o of n.outputs) {
        this.producer.set(o, n);
        this.names.add(o);
      }
      for (const i of n.inputs) this.names.add(i);
      if (n.name) this.names.add(n.name);
    }
  }

  unique(base: string): string {
    let name = base;
    for (let k = 1; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }

  /** Element type of a value: declared, else the graph's float type (PyTorch exports rarely
   *  declare intermediate types; a model computes in one float type almost always). */
  dtypeOf(value: string): string {
    const declared = this.valueInfo.get(value)?.dtype;
    if (declared && declared !== '?') return declared;
    for (const v of this.graph.inputs) if (FLOAT_TYPES[v.dtype]) return v.dtype;
    for (const t of this.graph.initializers) if (FLOAT_TYPES[t.dtype]) return t.dtype;
    return 'float';
  }

  /** Rank and channel count (axis 1, or the last axis for rank 2) of a value, when knowable. */
  channels(value: string): { rank?: number; channels?: number } {
    const vi = this.valueInfo.get(value);
    if (vi?.shape && vi.shape.length >= 2 && typeof vi.shape[1] === 'number') return { rank: vi.shape.length, channels: vi.shape[1] };
    let v = value;
    for (let step = 0; step < 16; step++) {
      const p = this.producer.get(v);
      if (!p) return {};
      const w = (i: number) => this.init.get(p.inputs[i] ?? '') ?? this.identityInit(p.inputs[i]);
      if (p.opType === 'Conv') {
        const t = w(1);
        return t ? { rank: t.shape.length, channels: t.shape[0] } : {};
      }
      if (p.opType === 'Gemm') {
        const t = w(1);
        const transB = p.attributes.find((a) => a.name === 'transB');
        const tb = transB && transB.value.type === 'int' ? Number(transB.value.value) : 0;
        return t && t.shape.length === 2 ? { rank: 2, channels: tb ? t.shape[0] : t.shape[1] } : {};
      }
      if (p.opType === 'MatMul') {
        const t = w(1);
        const xi = this.valueInfo.get(p.inputs[0]);
        const rank = xi?.shape?.length;
        return t && t.shape.length === 2 && rank === 2 ? { rank: 2, channels: t.shape[1] } : {};
      }
      if (['BatchNormalization', 'Identity', 'Dropout', 'Relu', 'Add', 'Clip', 'LeakyRelu', 'Elu'].includes(p.opType)) {
        v = p.inputs[0];
        continue;
      }
      return {};
    }
    return {};
  }

  private identityInit(name: string | undefined): Tensor | undefined {
    const p = name ? this.producer.get(name) : undefined;
    return p?.opType === 'Identity' ? this.init.get(p.inputs[0]) : undefined;
  }
}

// ---------------------------------------------------------------------------- node building

interface Plan {
  nodes: onnx.INodeProto[];
  initializers: onnx.ITensorProto[];
  written: string;
}

function floatAttr(name: string, f: number): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f };
}

class Builder {
  private constants = new Map<string, string>();
  readonly initializers: onnx.ITensorProto[] = [];
  readonly notes: string[] = [];

  constructor(private facts: Facts) {}

  constant(dtype: string, value: number): string {
    const key = `${dtype}:${value}`;
    const have = this.constants.get(key);
    if (have) return have;
    const name = this.facts.unique(`activation_lens_const_${dtype}_${String(value).replace(/[^0-9a-z]/gi, '_')}`);
    this.initializers.push({ name, dataType: FLOAT_TYPES[dtype].code, dims: [], rawData: rawScalars(dtype, [value]) });
    this.constants.set(key, name);
    return name;
  }

  tensor(name: string, dtype: string, dims: number[], values: number[]): string {
    const unique = this.facts.unique(name);
    this.initializers.push({ name: unique, dataType: FLOAT_TYPES[dtype].code, dims, rawData: rawScalars(dtype, values) });
    return unique;
  }

  replace(node: Node, variant: VariantId, params: Record<string, number>, opset: number): Plan {
    const x = node.inputs[0];
    const y = node.outputs[0];
    const name = node.name;
    const dtype = this.facts.dtypeOf(x);
    if (!FLOAT_TYPES[dtype]) throw new ModelError(`ReLU '${name}' computes in ${dtype}; rewrites support float, float16 and double`);
    const base: onnx.INodeProto = { name, input: [x], output: [y], docString: node.docString ?? undefined };
    const tmp = (suffix: string) => this.facts.unique(`${y}/${suffix}`);
    const sub = (suffix: string) => this.facts.unique(`${name || y}/${suffix}`);
    switch (variant) {
      case 'leaky-relu':
        return { nodes: [{ ...base, opType: 'LeakyRelu', attribute: [floatAttr('alpha', params.alpha)] }], initializers: [], written: 'LeakyRelu' };
      case 'elu':
        return { nodes: [{ ...base, opType: 'Elu', attribute: [floatAttr('alpha', params.alpha)] }], initializers: [], written: 'Elu' };
      case 'selu':
        return { nodes: [{ ...base, opType: 'Selu' }], initializers: [], written: 'Selu' };
      case 'celu': {
        const alpha = params.alpha;
        if (opset >= 12) return { nodes: [{ ...base, opType: 'Celu', attribute: [floatAttr('alpha', alpha)] }], initializers: [], written: 'Celu' };
        const scaled = tmp('celu_scaled'), elu = tmp('celu_elu');
        const a = this.constant(dtype, alpha);
        return {
          nodes: [
            { name: sub('celu_div'), opType: 'Div', input: [x, a], output: [scaled] },
            { name: sub('celu_elu'), opType: 'Elu', input: [scaled], output: [elu], attribute: [floatAttr('alpha', 1)] },
            { ...base, opType: 'Mul', input: [elu, a] },
          ],
          initializers: [],
          written: 'Div+Elu+Mul (CELU before opset 12)',
        };
      }
      case 'silu': {
        if (opset >= 24) return { nodes: [{ ...base, opType: 'Swish' }], initializers: [], written: 'Swish' };
        const s = tmp('silu_sigmoid');
        return {
          nodes: [
            { name: sub('silu_sigmoid'), opType: 'Sigmoid', input: [x], output: [s] },
            { ...base, opType: 'Mul', input: [x, s] },
          ],
          initializers: [],
          written: 'Sigmoid+Mul (x·Sigmoid(x))',
        };
      }
      case 'gelu': {
        if (opset >= 20) return { nodes: [{ ...base, opType: 'Gelu' }], initializers: [], written: 'Gelu' };
        if (opset < 9) throw new ModelError(`GELU needs Erf (opset 9); this model imports opset ${opset}`);
        const d = tmp('gelu_div'), e = tmp('gelu_erf'), p = tmp('gelu_add'), m = tmp('gelu_mul');
        return {
          nodes: [
            { name: sub('gelu_div'), opType: 'Div', input: [x, this.constant(dtype, Math.SQRT2)], output: [d] },
            { name: sub('gelu_erf'), opType: 'Erf', input: [d], output: [e] },
            { name: sub('gelu_add'), opType: 'Add', input: [e, this.constant(dtype, 1)], output: [p] },
            { name: sub('gelu_mul'), opType: 'Mul', input: [x, p], output: [m] },
            { ...base, opType: 'Mul', input: [m, this.constant(dtype, 0.5)] },
          ],
          initializers: [],
          written: 'Div+Erf+Add+Mul+Mul (0.5·x·(1+Erf(x/√2)))',
        };
      }
      case 'prelu': {
        const init = params.init;
        const { rank, channels } = this.facts.channels(x);
        let dims: number[] = [1];
        let count = 1;
        if (opset >= 7 && rank !== undefined && channels !== undefined && rank >= 2) {
          dims = rank === 2 ? [channels] : [channels, ...new Array(rank - 2).fill(1)];
          count = channels;
        } else {
          this.notes.push(`PReLU '${name}': channel count unknown, one shared slope written`);
        }
        const slope = this.tensor(`${name || y}.prelu_slope`, dtype, dims, new Array(count).fill(init));
        return { nodes: [{ ...base, opType: 'PRelu', input: [x, slope] }], initializers: [], written: 'PRelu' };
      }
    }
  }
}

// ---------------------------------------------------------------------------- output file

export function checkOutputPath(input: string, output: string, force: boolean | undefined): void {
  const inAbs = path.resolve(input);
  const outAbs = path.resolve(output);
  if (inAbs === outAbs) throw new ModelError(`${output}: is the input model; a rewrite always writes a new file`);
  let outStat: fs.Stats | undefined;
  try {
    outStat = fs.statSync(outAbs);
  } catch {
    outStat = undefined;
  }
  if (outStat) {
    const inStat = fs.statSync(inAbs);
    if (outStat.ino === inStat.ino && outStat.dev === inStat.dev) throw new ModelError(`${output}: is the input model (same file); a rewrite always writes a new file`);
    if (outStat.isDirectory()) throw new ModelError(`${output}: is a folder`);
    if (!force) throw new ModelError(`${output}: already exists (use --force to replace it)`);
  }
  if (!fs.existsSync(path.dirname(outAbs))) throw new ModelError(`${output}: folder ${path.dirname(outAbs)} does not exist`);
}

type Piece = { kind: 'copy'; start: number; end: number } | { kind: 'bytes'; data: Uint8Array };

/** Writes pieces (input ranges and new bytes) to a temporary file beside `output`, then renames it
 *  into place, so a reader never sees a half-written model. */
export function writePiecesAtomically(inputFd: number, pieces: Piece[], output: string): void {
  const dir = path.dirname(path.resolve(output));
  const tmp = path.join(dir, `.${path.basename(output)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const fd = fs.openSync(tmp, 'wx');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (const p of pieces) {
      if (p.kind === 'bytes') {
        fs.writeSync(fd, p.data);
        continue;
      }
      for (let pos = p.start; pos < p.end; ) {
        const n = fs.readSync(inputFd, buf, 0, Math.min(buf.length, p.end - pos), pos);
        if (n <= 0) throw new ModelError(`the input ended early at byte ${pos}`);
        fs.writeSync(fd, buf, 0, n);
        pos += n;
      }
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, output);
  } catch (e) {
    try { fs.closeSync(fd); } catch { /* already closed */ }
    try { fs.unlinkSync(tmp); } catch { /* not created */ }
    throw e;
  }
}

// ---------------------------------------------------------------------------- entry point

export function reluNodesOf(model: OnnxModel): Node[] {
  return model.graph.nodes.filter((n) => n.opType === 'Relu' && (n.domain === '' || n.domain === 'ai.onnx'));
}

export function rewriteOnnx(input: string, output: string, req: RewriteRequest): RewriteResult {
  const model = readOnnxModelSync(input);
  checkOutputPath(input, output, req.force);
  const layout = model.layout;
  const g = layout.graphField;
  if (!g) throw new ModelError(`${input}: has no graph to rewrite`);
  if (layout.nodeFields.length !== model.graph.nodes.length) throw new ModelError(`${input}: the graph's nodes could not be located in the file (${layout.nodeFields.length} fields for ${model.graph.nodes.length} nodes)`);
  if (model.graph.initializers.some((t) => t.location === 'external') && path.dirname(path.resolve(input)) !== path.dirname(path.resolve(output))) {
    throw new ModelError(`${input}: keeps weights in external files; write the copy into the same folder (${path.dirname(path.resolve(input))}) so it finds them`);
  }
  const opset = model.opsets[''] ?? model.opsets['ai.onnx'] ?? 1;
  const info = VARIANT_INFO[req.variant];
  const params = { ...info.params, ...(req.params ?? {}) };
  if (req.variant === 'selu') Object.assign(params, VARIANT_INFO.selu.params);

  const relus = reluNodesOf(model);
  let targets = relus;
  if (req.nodes && req.nodes.length) {
    const byName = new Map(model.graph.nodes.map((n) => [n.name, n]));
    targets = [];
    for (const name of req.nodes) {
      const n = byName.get(name);
      if (!n) throw new ModelError(`${input}: no node named '${name}' in the main graph`);
      if (!relus.includes(n)) throw new ModelError(`${input}: node '${name}' is a ${n.opType}, not a Relu`);
      if (!targets.includes(n)) targets.push(n);
    }
  }
  if (!targets.length) throw new ModelError(`${input}: has no Relu node in its main graph to replace`);

  const facts = new Facts(model.graph);
  const builder = new Builder(facts);
  const patches: { range: Range; bytes: Uint8Array }[] = [];
  let written = '';
  for (const node of targets) {
    const i = model.graph.nodes.indexOf(node);
    const plan = builder.replace(node, req.variant, params, opset);
    written = plan.written;
    const bytes = plan.nodes.map((n) => field(1, onnx.NodeProto.encode(n).finish()));
    const total = bytes.reduce((s, b) => s + b.length, 0);
    const joined = new Uint8Array(total);
    let o = 0;
    for (const b of bytes) {
      joined.set(b, o);
      o += b.length;
    }
    patches.push({ range: layout.nodeFields[i], bytes: joined });
  }
  patches.sort((a, b) => a.range.start - b.range.start);
  // New initializers go at the end of the GraphProto; IR < 4 also lists them as graph inputs.
  const appended: Uint8Array[] = [];
  for (const t of builder.initializers) appended.push(field(5, onnx.TensorProto.encode(t).finish()));
  if ((model.irVersion ?? 0) < 4) {
    for (const t of builder.initializers) {
      const vi: onnx.IValueInfoProto = { name: t.name, type: { tensorType: { elemType: t.dataType, shape: { dim: (t.dims as number[]).map((d) => ({ dimValue: d })) } } } };
      appended.push(field(11, onnx.ValueInfoProto.encode(vi).finish()));
    }
  }

  const fd = fs.openSync(path.resolve(input), 'r');
  try {
    const tag = readVarintAt(fd, g.start);
    const len = readVarintAt(fd, tag.next);
    const contentStart = len.next;
    if (contentStart + len.value !== g.end) throw new ModelError(`${input}: the graph field's length does not match its extent`);
    for (const p of patches) {
      if (p.range.start < contentStart || p.range.end > g.end) throw new ModelError(`${input}: a node lies outside the graph field`);
    }
    const pieces: Piece[] = [];
    const copied: CopiedSegment[] = [];
    let outPos = 0;
    const copy = (start: number, end: number) => {
      if (end <= start) return;
      pieces.push({ kind: 'copy', start, end });
      copied.push({ inputStart: start, inputEnd: end, outputStart: outPos });
      outPos += end - start;
    };
    const add = (data: Uint8Array) => {
      pieces.push({ kind: 'bytes', data });
      outPos += data.length;
    };
    let newContentLength = len.value;
    for (const p of patches) newContentLength += p.bytes.length - (p.range.end - p.range.start);
    for (const a of appended) newContentLength += a.length;
    copy(0, tag.next); // everything before the graph, and the graph's tag
    add(Uint8Array.from(varint(newContentLength)));
    let pos = contentStart;
    for (const p of patches) {
      copy(pos, p.range.start);
      add(p.bytes);
      pos = p.range.end;
    }
    copy(pos, g.end);
    for (const a of appended) add(a);
    const size = fs.fstatSync(fd).size;
    copy(g.end, size);
    writePiecesAtomically(fd, pieces, output);
    return {
      input: path.resolve(input),
      output: path.resolve(output),
      variant: req.variant,
      params,
      replaced: targets.map((n) => n.name),
      written,
      addedInitializers: builder.initializers.map((t) => t.name ?? ''),
      opsetChanged: false,
      copied,
      replacedRanges: patches.map((p) => p.range),
      notes: builder.notes,
    };
  } finally {
    fs.closeSync(fd);
  }
}
