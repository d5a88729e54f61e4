// Writes the viewer benchmark's 100,000-node ONNX models (scripts/bench-viewer.ts):
//
// - transformerGraph: a BERT-shaped encoder as torch.onnx exports it, with deep name scopes
//   (/bert/encoder/layer.17/attention/self/query/MatMul), the exporter's Identity copies of
//   shared weights and Constant nodes outside every scope, and the Shape → Gather → Unsqueeze →
//   Concat → Reshape arithmetic of each attention head split: ~100 nodes per layer.
// - flatGraph: a residual chain without any name scope (block17_conv1 …), the case that needs
//   automatic grouping.
// Weights are tiny (the viewer's cost is the graph, not the weights).
import * as fs from 'node:fs';
import { onnx } from 'onnx-proto';

const FLOAT = 1, INT64 = 7;

function tensorType(elemType: number, dims: (number | string)[]): onnx.ITypeProto {
  return { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } };
}

function floats(name: string, dims: number[]): onnx.ITensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(new Float32Array(n).fill(0.01).buffer) };
}

function ints(name: string, values: number[]): onnx.ITensorProto {
  return { name, dims: [values.length], dataType: INT64, int64Data: values };
}

function save(file: string, graph: onnx.IGraphProto): void {
  const model: onnx.IModelProto = { irVersion: 8, producerName: 'pytorch', producerVersion: '2.1.0', opsetImport: [{ domain: '', version: 14 }], graph };
  fs.writeFileSync(file, onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish());
}

/** A BERT-shaped encoder of `target` nodes (whole layers, so slightly more). */
export function transformerGraph(file: string, target = 100_000): number {
  const H = 8; // hidden size: tiny weights
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  // one initializer per distinct value; every later layer reads Identity copies (torch's dedup)
  for (const w of ['q', 'k', 'v', 'o', 'i', 'out']) inits.push(floats(`shared.${w}.weight`, [H, H]));
  for (const w of ['q', 'k', 'v', 'o', 'i', 'out', 'ln_w', 'ln_b']) inits.push(floats(`shared.${w}.bias`, [H]));
  let constants = 0, identities = 0;
  const constant = (value: number[]): string => {
    const out = `onnx::Constant_${constants}`;
    nodes.push({ name: `Constant_${constants++}`, opType: 'Constant', output: [out], attribute: [{ name: 'value', type: 4, t: ints('', value) }] });
    return out;
  };
  const copy = (src: string, as: string): string => {
    nodes.push({ name: `Identity_${identities++}`, opType: 'Identity', input: [src], output: [as] });
    return as;
  };
  const node = (scope: string, op: string, inputs: string[], attrs: onnx.IAttributeProto[] = [], suffix = ''): string => {
    const name = `${scope}/${op}${suffix}`;
    const out = `${name}_output_0`;
    nodes.push({ name, opType: op, input: inputs, output: [out], attribute: attrs });
    return out;
  };
  const linear = (scope: string, x: string, w: string, b: string) => node(scope, 'Add', [node(scope, 'MatMul', [x, w]), b]);
  const layerNorm = (scope: string, x: string, w: string, b: string) => {
    const mean = node(scope, 'ReduceMean', [x], [{ name: 'axes', type: 7, ints: [-1] }]);
    const d = node(scope, 'Sub', [x, mean]);
    const varr = node(scope, 'ReduceMean', [node(scope, 'Pow', [d, constant([2])])], [{ name: 'axes', type: 7, ints: [-1] }], '_1');
    const std = node(scope, 'Sqrt', [node(scope, 'Add', [varr, constant([0])])]);
    return node(scope, 'Add', [node(scope, 'Mul', [node(scope, 'Div', [d, std]), w]), b], [], '_1');
  };
  /** x reshaped to [batch, seq, heads, H/heads] from its own runtime shape, as torch exports view(). */
  const splitHeads = (scope: string, x: string, k: number) => {
    const shape = node(scope, 'Shape', [x], [], `_${k}`);
    const batch = node(scope, 'Gather', [shape, constant([0])], [{ name: 'axis', type: 2, i: 0 }], `_${2 * k}`);
    const seq = node(scope, 'Gather', [shape, constant([1])], [{ name: 'axis', type: 2, i: 0 }], `_${2 * k + 1}`);
    const dims = [node(scope, 'Unsqueeze', [batch, constant([0])], [], `_${2 * k}`), node(scope, 'Unsqueeze', [seq, constant([0])], [], `_${2 * k + 1}`), constant([2]), constant([H / 2])];
    const target = node(scope, 'Concat', dims, [{ name: 'axis', type: 2, i: 0 }], `_${k}`);
    return node(scope, 'Transpose', [node(scope, 'Reshape', [x, target], [], `_${k}`)], [{ name: 'perm', type: 7, ints: [0, 2, 1, 3] }], `_${k}`);
  };
  let x = node('/bert/embeddings/word_embeddings', 'Gather', ['input_ids', 'shared.i.weight']);
  x = layerNorm('/bert/embeddings/LayerNorm', x, copy('shared.ln_w.bias', 'bert.embeddings.LayerNorm.weight'), copy('shared.ln_b.bias', 'bert.embeddings.LayerNorm.bias'));
  for (let l = 0; nodes.length < target; l++) {
    const p = `/bert/encoder/layer.${l}`;
    const w = (n: string, kind: 'weight' | 'bias') => copy(`shared.${n}.${kind}`, `bert.encoder.layer.${l}.${n}.${kind}`);
    const self = `${p}/attention/self`;
    const q = splitHeads(self, linear(`${self}/query`, x, w('q', 'weight'), w('q', 'bias')), 0);
    const k = splitHeads(self, linear(`${self}/key`, x, w('k', 'weight'), w('k', 'bias')), 1);
    const v = splitHeads(self, linear(`${self}/value`, x, w('v', 'weight'), w('v', 'bias')), 2);
    const scores = node(self, 'Div', [node(self, 'MatMul', [q, node(self, 'Transpose', [k], [{ name: 'perm', type: 7, ints: [0, 1, 3, 2] }], '_k')]), constant([2])]);
    const probs = node(self, 'Softmax', [node(self, 'Add', [scores, 'attention_mask'])], [{ name: 'axis', type: 2, i: -1 }]);
    const ctx = node(self, 'Transpose', [node(self, 'MatMul', [probs, v], [], '_1')], [{ name: 'perm', type: 7, ints: [0, 2, 1, 3] }], '_ctx');
    const merged = node(self, 'Reshape', [ctx, node(self, 'Concat', [constant([0]), constant([0]), constant([H])], [{ name: 'axis', type: 2, i: 0 }], '_ctx')], [], '_ctx');
    const out = `${p}/attention/output`;
    const attn = layerNorm(`${out}/LayerNorm`, node(out, 'Add', [linear(`${out}/dense`, merged, w('o', 'weight'), w('o', 'bias')), x]), w('ln_w', 'bias'), w('ln_b', 'bias'));
    const inter = linear(`${p}/intermediate/dense`, attn, w('i', 'weight'), w('i', 'bias'));
    const act = `${p}/intermediate/intermediate_act_fn`;
    const gelu = node(act, 'Mul', [node(act, 'Mul', [inter, node(act, 'Add', [node(act, 'Erf', [node(act, 'Div', [inter, constant([1])])]), constant([1])])]), constant([0])], [], '_1');
    const o = `${p}/output`;
    x = layerNorm(`${o}/LayerNorm`, node(o, 'Add', [linear(`${o}/dense`, gelu, w('out', 'weight'), w('out', 'bias')), attn]), copy('shared.ln_w.bias', `bert.encoder.layer.${l}.output.LayerNorm.weight`), copy('shared.ln_b.bias', `bert.encoder.layer.${l}.output.LayerNorm.bias`));
  }
  const pooled = node('/bert/pooler/activation', 'Tanh', [linear('/bert/pooler/dense', x, 'shared.o.weight', 'shared.o.bias')]);
  save(file, {
    name: 'main_graph',
    node: nodes,
    initializer: inits,
    input: [{ name: 'input_ids', type: tensorType(INT64, ['batch', 'sequence']) }, { name: 'attention_mask', type: tensorType(FLOAT, ['batch', 1, 1, 'sequence']) }],
    output: [{ name: pooled, type: tensorType(FLOAT, ['batch', 'sequence', H]) }],
  });
  return nodes.length;
}

/** A residual chain of `target` nodes with no name scopes: block17_conv1 → relu1 → conv2 → add → relu2. */
export function flatGraph(file: string, target = 100_000): number {
  const nodes: onnx.INodeProto[] = [];
  let prev = 'input';
  for (let i = 0; nodes.length < target; i++) {
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((k) => `b${i}_${k}`);
    nodes.push({ name: `block${i}_conv1`, opType: 'Conv', input: [prev, 'w'], output: [a] });
    nodes.push({ name: `block${i}_relu1`, opType: 'Relu', input: [a], output: [b] });
    nodes.push({ name: `block${i}_conv2`, opType: 'Conv', input: [b, 'w'], output: [c] });
    nodes.push({ name: `block${i}_add`, opType: 'Add', input: [c, prev], output: [d] });
    nodes.push({ name: `block${i}_relu2`, opType: 'Relu', input: [d], output: [e] });
    prev = e;
  }
  save(file, {
    name: 'flat_chain',
    node: nodes,
    initializer: [floats('w', [4, 4, 1, 1])],
    input: [{ name: 'input', type: tensorType(FLOAT, ['N', 4, 8, 8]) }],
    output: [{ name: prev, type: tensorType(FLOAT, ['N', 4, 8, 8]) }],
  });
  return nodes.length;
}

if (require.main === module) {
  const [kind, out, n] = process.argv.slice(2);
  const count = (kind === 'flat' ? flatGraph : transformerGraph)(out, n ? Number(n) : undefined);
  console.log(`${out}: ${count} nodes`);
}
