// Baseline for the benchmark: what opening costs with onnx-proto alone (read the whole file, decode).
const fs = require('node:fs');
const { onnx } = require('onnx-proto');
const t0 = performance.now();
const model = onnx.ModelProto.decode(fs.readFileSync(process.argv[2]));
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms, nodes: model.graph.node.length }) + '\n');
