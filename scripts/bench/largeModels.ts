// Writes large ONNX models for the benchmark without holding their weights in memory: a
// torchvision-style vgg16 (553 MB, almost all weights) and graph-heavy chains (many nodes).
import * as fs from 'node:fs';
import { onnx } from 'onnx-proto';

function varint(v: number): Buffer {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

function field(fieldNo: number, payloadLength: number): Buffer {
  return Buffer.concat([varint(fieldNo * 8 + 2), varint(payloadLength)]);
}

export interface WeightSpec {
  name: string;
  dims: number[];
}

/** Writes a model whose initializers carry random float32 raw data, streamed to disk in the
 *  order protobuf serializers use (nodes, name, initializers, inputs, outputs). */
export function writeModelStreaming(file: string, graph: onnx.IGraphProto, weights: WeightSpec[], opset = 17): void {
  const nodes = (graph.node ?? []).map((n) => Buffer.from(onnx.NodeProto.encode(n).finish()));
  const ios = [
    ...(graph.input ?? []).map((v) => ({ no: 11, bytes: Buffer.from(onnx.ValueInfoProto.encode(v).finish()) })),
    ...(graph.output ?? []).map((v) => ({ no: 12, bytes: Buffer.from(onnx.ValueInfoProto.encode(v).finish()) })),
  ];
  const tensors = weights.map((w) => {
    const head = Buffer.from(onnx.TensorProto.encode({ name: w.name, dims: w.dims, dataType: 1 }).finish());
    const dataLength = w.dims.reduce((a, b) => a * b, 1) * 4;
    const rawHead = field(9, dataLength);
    const length = head.length + rawHead.length + dataLength;
    return { head, rawHead, dataLength, length };
  });
  const nameField = Buffer.concat([field(2, Buffer.byteLength(graph.name ?? 'g')), Buffer.from(graph.name ?? 'g')]);
  let graphLength = nameField.length;
  for (const n of nodes) graphLength += field(1, n.length).length + n.length;
  for (const t of tensors) graphLength += field(5, t.length).length + t.length;
  for (const io of ios) graphLength += field(io.no, io.bytes.length).length + io.bytes.length;
  const top = Buffer.from(
    onnx.ModelProto.encode({ irVersion: 8, producerName: 'pytorch', producerVersion: '2.1.0', opsetImport: [{ domain: '', version: opset }] }).finish(),
  );

  const fd = fs.openSync(file, 'w');
  const write = (b: Buffer) => fs.writeSync(fd, b);
  try {
    write(top);
    write(field(7, graphLength));
    for (const n of nodes) {
      write(field(1, n.length));
      write(n);
    }
    write(nameField);
    const noise = Buffer.from(new Float32Array(1 << 18).map(() => (Math.random() - 0.5) * 0.02).buffer);
    for (const t of tensors) {
      write(field(5, t.length));
      write(t.head);
      write(t.rawHead);
      for (let done = 0; done < t.dataLength; done += noise.length) write(noise.subarray(0, Math.min(noise.length, t.dataLength - done)));
    }
    for (const io of ios) {
      write(field(io.no, io.bytes.length));
      write(io.bytes);
    }
  } finally {
    fs.closeSync(fd);
  }
}

const tensorType = (dims: (number | string)[]): onnx.ITypeProto => ({
  tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } },
});

/** torchvision vgg16 as `torch.onnx.export` writes it: 13 convolutions, 3 linear layers, 138 M parameters. */
export function writeVgg16(file: string): void {
  const nodes: onnx.INodeProto[] = [];
  const weights: WeightSpec[] = [];
  const cfg = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'] as const;
  let x = 'input';
  let channels = 3;
  let i = 0;
  for (const c of cfg) {
    if (c === 'M') {
      nodes.push({ name: `/features/${i}/MaxPool`, opType: 'MaxPool', input: [x], output: [`/features/${i}/MaxPool_output_0`], attribute: [{ name: 'kernel_shape', type: 7, ints: [2, 2] }, { name: 'strides', type: 7, ints: [2, 2] }] });
      x = `/features/${i}/MaxPool_output_0`;
      i++;
      continue;
    }
    weights.push({ name: `features.${i}.weight`, dims: [c, channels, 3, 3] }, { name: `features.${i}.bias`, dims: [c] });
    nodes.push({ name: `/features/${i}/Conv`, opType: 'Conv', input: [x, `features.${i}.weight`, `features.${i}.bias`], output: [`/features/${i}/Conv_output_0`], attribute: [{ name: 'kernel_shape', type: 7, ints: [3, 3] }, { name: 'pads', type: 7, ints: [1, 1, 1, 1] }] });
    nodes.push({ name: `/features/${i + 1}/Relu`, opType: 'Relu', input: [`/features/${i}/Conv_output_0`], output: [`/features/${i + 1}/Relu_output_0`] });
    x = `/features/${i + 1}/Relu_output_0`;
    channels = c;
    i += 2;
  }
  nodes.push({ name: '/avgpool/GlobalAveragePool', opType: 'AveragePool', input: [x], output: ['/avgpool/out'], attribute: [{ name: 'kernel_shape', type: 7, ints: [1, 1] }] });
  nodes.push({ name: '/Flatten', opType: 'Flatten', input: ['/avgpool/out'], output: ['/Flatten_output_0'], attribute: [{ name: 'axis', type: 2, i: 1 }] });
  x = '/Flatten_output_0';
  const fcs: [number, number][] = [[25088, 4096], [4096, 4096], [4096, 1000]];
  fcs.forEach(([inF, outF], k) => {
    const idx = k * 3;
    weights.push({ name: `classifier.${idx}.weight`, dims: [outF, inF] }, { name: `classifier.${idx}.bias`, dims: [outF] });
    nodes.push({ name: `/classifier/classifier.${idx}/Gemm`, opType: 'Gemm', input: [x, `classifier.${idx}.weight`, `classifier.${idx}.bias`], output: [`/classifier/${idx}/Gemm_output_0`], attribute: [{ name: 'transB', type: 2, i: 1 }] });
    x = `/classifier/${idx}/Gemm_output_0`;
    if (k < 2) {
      nodes.push({ name: `/classifier/classifier.${idx + 1}/Relu`, opType: 'Relu', input: [x], output: [`/classifier/${idx + 1}/Relu_output_0`] });
      x = `/classifier/${idx + 1}/Relu_output_0`;
    }
  });
  writeModelStreaming(file, { name: 'main_graph', node: nodes, input: [{ name: 'input', type: tensorType(['batch_size', 3, 224, 224]) }], output: [{ name: x, type: tensorType(['batch_size', 1000]) }] }, weights);
}

/** A residual-style chain of `n` nodes (Conv → Relu → Add blocks) with small weights: a graph-heavy model. */
export function writeChain(file: string, n: number): void {
  const nodes: onnx.INodeProto[] = [];
  const weights: WeightSpec[] = [];
  let x = 'input';
  let k = 0;
  while (nodes.length < n) {
    const p = `/layer${Math.floor(k / 10)}/${k % 10}`;
    weights.push({ name: `${p}.weight`, dims: [8, 8, 1, 1] });
    nodes.push({ name: `${p}/conv/Conv`, opType: 'Conv', input: [x, `${p}.weight`], output: [`${p}/conv/out`] });
    nodes.push({ name: `${p}/relu/Relu`, opType: 'Relu', input: [`${p}/conv/out`], output: [`${p}/relu/out`] });
    nodes.push({ name: `${p}/add/Add`, opType: 'Add', input: [`${p}/relu/out`, x], output: [`${p}/add/out`] });
    x = `${p}/add/out`;
    k++;
  }
  writeModelStreaming(file, { name: 'chain', node: nodes, input: [{ name: 'input', type: tensorType(['N', 8, 16, 16]) }], output: [{ name: x, type: tensorType(['N', 8, 16, 16]) }] }, weights);
}
