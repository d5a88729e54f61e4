// A model with more than 4 GiB of weights in an external data file, written streamed to disk
// (never held in memory), and an independent computation of its dead units.
//
// Shape: x [batch, 16384] → four Gemm(16384→16384)+Relu → Gemm(16384→4096)+Relu, PyTorch Linear
// layout (weight [out, in], transB=1). 4.25 GiB of float32 weights in '<name>.data'.
// Weights are uniform in ±2⁻²⁰ and every bias is +1 or −1 (a hash of layer and unit picks the
// sign). For any input with |x| ≤ 8 the weighted sum of a unit stays within ±0.14 of its bias, so
// a unit is dead exactly when its bias is −1 — whatever the float rounding — and the reference
// below proves it per unit by bounding the weighted sums from the actual weights and inputs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';

export const BIG_WIDTH = 16384;
const LAYERS: [number, number][] = [
  [BIG_WIDTH, BIG_WIDTH],
  [BIG_WIDTH, BIG_WIDTH],
  [BIG_WIDTH, BIG_WIDTH],
  [BIG_WIDTH, BIG_WIDTH],
  [BIG_WIDTH, 4096],
];
const WEIGHT_SCALE = 2 ** -20;

/** −1 (a planted dead unit) or +1, from a hash of layer and unit: about one unit in five is dead. */
export function plantedBias(layer: number, unit: number): number {
  let h = Math.imul(layer + 1, 0x9e3779b1) ^ Math.imul(unit + 1, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % 5 === 0 ? -1 : 1;
}

/** Fills `out` with uniform weights in ±WEIGHT_SCALE from a xorshift32 state; returns the new state. */
function fillWeights(out: Float32Array, state: number): number {
  let s = state;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296 - 0.5) * 2 * WEIGHT_SCALE;
  }
  return s;
}

export interface BigModelFiles {
  model: string;
  data: string;
  dataBytes: number;
}

/** Writes `<file>` (the graph, a few KB) and `<file>.data` (the weights) unless both exist with the
 *  expected size. Written under temporary names and renamed, so an interrupted or concurrent
 *  write never leaves a half model behind. */
export function writeBigExternalModel(file: string, log: (m: string) => void = () => undefined): BigModelFiles {
  const dataName = `${path.basename(file)}.data`;
  const dataFile = path.join(path.dirname(file), dataName);
  const tensors: { name: string; dims: number[]; offset: number; length: number }[] = [];
  let offset = 0;
  LAYERS.forEach(([inF, outF], k) => {
    tensors.push({ name: `fc${k}.weight`, dims: [outF, inF], offset, length: outF * inF * 4 });
    offset += outF * inF * 4;
    tensors.push({ name: `fc${k}.bias`, dims: [outF], offset, length: outF * 4 });
    offset += outF * 4;
  });
  const dataBytes = offset;
  if (fs.existsSync(file) && fs.existsSync(dataFile) && fs.statSync(dataFile).size === dataBytes) return { model: file, data: dataFile, dataBytes };

  log(`writing ${dataFile} (${(dataBytes / 2 ** 30).toFixed(2)} GiB) …`);
  const tmpData = `${dataFile}.${process.pid}.tmp`;
  const fd = fs.openSync(tmpData, 'w');
  try {
    let state = 0x1234567;
    const chunk = new Float32Array(1 << 22);
    LAYERS.forEach(([inF, outF], k) => {
      let left = outF * inF;
      while (left > 0) {
        const part = chunk.subarray(0, Math.min(chunk.length, left));
        state = fillWeights(part, state);
        fs.writeSync(fd, part);
        left -= part.length;
      }
      const bias = new Float32Array(outF);
      for (let u = 0; u < outF; u++) bias[u] = plantedBias(k, u);
      fs.writeSync(fd, bias);
    });
  } finally {
    fs.closeSync(fd);
  }

  const nodes: onnx.INodeProto[] = [];
  let x = 'input';
  LAYERS.forEach((_, k) => {
    nodes.push({ name: `/fc${k}/Gemm`, opType: 'Gemm', input: [x, `fc${k}.weight`, `fc${k}.bias`], output: [`/fc${k}/Gemm_output_0`], attribute: [{ name: 'transB', type: 2, i: 1 }] });
    nodes.push({ name: `/relu${k}/Relu`, opType: 'Relu', input: [`/fc${k}/Gemm_output_0`], output: [`/relu${k}/Relu_output_0`] });
    x = `/relu${k}/Relu_output_0`;
  });
  const dim = (d: number | string): onnx.TensorShapeProto.IDimension => (typeof d === 'string' ? { dimParam: d } : { dimValue: d });
  const type = (dims: (number | string)[]): onnx.ITypeProto => ({ tensorType: { elemType: 1, shape: { dim: dims.map(dim) } } });
  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: 'activation-lens-bench',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'big_mlp',
      node: nodes,
      initializer: tensors.map((t) => ({
        name: t.name,
        dims: t.dims,
        dataType: 1,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: dataName },
          { key: 'offset', value: String(t.offset) },
          { key: 'length', value: String(t.length) },
        ],
      })),
      input: [{ name: 'input', type: type(['batch', BIG_WIDTH]) }],
      output: [{ name: x, type: type(['batch', LAYERS[LAYERS.length - 1][1]]) }],
    },
  };
  const tmpModel = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmpModel, onnx.ModelProto.encode(model).finish());
  fs.renameSync(tmpData, dataFile);
  fs.renameSync(tmpModel, file);
  return { model: file, data: dataFile, dataBytes };
}

/** Dead units per Relu layer for the given input rows, computed from the weights on disk without
 *  onnxruntime: a float64 forward pass streamed over the weight rows (64 MiB at a time), with each
 *  unit's weighted sum also bounded by Σ|w|·|h|. A unit is counted dead when its upper bound
 *  stays ≤ 0 for every row, alive when its exact sum is > 0 for some row; a unit that is neither
 *  (a sum within rounding of 0) would make the comparison meaningless, so it throws. */
export function referenceDeadUnits(files: BigModelFiles, rows: Float64Array[]): number[][] {
  const fd = fs.openSync(files.data, 'r');
  try {
    let h = rows.map((r) => Float64Array.from(r));
    let offset = 0;
    const dead: number[][] = [];
    LAYERS.forEach(([inF, outF]) => {
      const next = h.map(() => new Float64Array(outF));
      const bound = h.map(() => new Float64Array(outF));
      const rowsPerRead = Math.max(1, Math.floor((64 << 20) / (inF * 4)));
      const buf = new Float32Array(rowsPerRead * inF);
      for (let u0 = 0; u0 < outF; u0 += rowsPerRead) {
        const n = Math.min(rowsPerRead, outF - u0);
        const bytes = n * inF * 4;
        const got = fs.readSync(fd, new Uint8Array(buf.buffer, 0, bytes), 0, bytes, offset + u0 * inF * 4);
        if (got !== bytes) throw new Error(`${files.data}: short read`);
        for (let j = 0; j < n; j++) {
          const w = buf.subarray(j * inF, (j + 1) * inF);
          h.forEach((x, r) => {
            let s = 0, b = 0;
            for (let i = 0; i < inF; i++) {
              s += w[i] * x[i];
              b += Math.abs(w[i] * x[i]);
            }
            next[r][u0 + j] = s;
            bound[r][u0 + j] = b;
          });
        }
      }
      offset += outF * inF * 4;
      const bias = new Float32Array(outF);
      fs.readSync(fd, new Uint8Array(bias.buffer), 0, outF * 4, offset);
      offset += outF * 4;
      const layerDead: number[] = [];
      for (let u = 0; u < outF; u++) {
        let alive = false, maybe = false;
        h.forEach((_, r) => {
          const pre = next[r][u] + bias[u];
          if (pre > 0) alive = true;
          if (next[r][u] + bound[r][u] * 1e-6 + bias[u] > 0 || Math.abs(pre) < 1e-3) maybe = true;
          next[r][u] = Math.max(0, pre);
        });
        if (!alive && maybe) throw new Error(`unit ${u}: weighted sum within rounding of 0; dead or alive depends on the arithmetic`);
        if (!alive) layerDead.push(u);
      }
      dead.push(layerDead);
      h = next;
    });
    return dead;
  } finally {
    fs.closeSync(fd);
  }
}
