// Plain onnxruntime-node inference, as a user would write it: load the model by path, feed the
// given float32 samples in batches, read the outputs. The baseline `npm run bench` compares
// `activation-lens run --json` against, as a whole process and by its inference time.
// usage: node scripts/bench/plainOrt.cjs MODEL INPUTS.f32 SAMPLES BATCH THREADS
const fs = require('node:fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, inputsFile, samplesText, batchText, threadsText] = process.argv.slice(2);
  const samples = Number(samplesText), batch = Number(batchText), threads = Number(threadsText);
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: threads });
  const loadMs = performance.now() - t0;
  const name = session.inputNames[0];
  const shape = session.inputMetadata[0].shape.slice(1);
  const per = shape.reduce((a, b) => a * b, 1);
  const all = new Float32Array(fs.readFileSync(inputsFile).buffer.slice(0));
  const t1 = performance.now();
  for (let i = 0; i < samples; i += batch) {
    const n = Math.min(batch, samples - i);
    const x = new ort.Tensor('float32', all.subarray(i * per, (i + n) * per), [n, ...shape]);
    await session.run({ [name]: x });
  }
  process.stdout.write(JSON.stringify({ loadMs, inferenceMs: performance.now() - t1 }) + '\n');
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
