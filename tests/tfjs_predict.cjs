// Runs a converted TF.js graph model in Node on the WASM backend.
// Usage: node tfjs_predict.cjs WEB_DIR MODEL_DIR PIXELS.f32 BATCH SIZE
// Prints {"backend", "logits": [[...]], "labels": [...]} as JSON.
const fs = require('fs');
const path = require('path');

const [webDir, modelDir, pixelsPath, batch, size] = process.argv.slice(2);
const load = (name) => require(path.join(webDir, 'node_modules', name));
const tf = load('@tensorflow/tfjs-core');
load('@tensorflow/tfjs-backend-wasm');
const { loadGraphModel } = load('@tensorflow/tfjs-converter');

async function main() {
  if (!(await tf.setBackend('wasm'))) throw new Error('the WASM backend did not start');
  const model = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8'));
  const weightSpecs = [];
  const shards = [];
  for (const group of model.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const file of group.paths) shards.push(fs.readFileSync(path.join(modelDir, file)));
  }
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  const graph = await loadGraphModel(tf.io.fromMemory({ ...model, weightSpecs, weightData }));
  const pixels = new Float32Array(new Uint8Array(fs.readFileSync(pixelsPath)).buffer);
  const input = tf.tensor4d(pixels, [Number(batch), Number(size), Number(size), 3]);
  const [logits, labels] = graph.execute(input, ['logits', 'labels']);
  const decoder = new TextDecoder();
  const names = Array.from(await labels.data(), (v) => (typeof v === 'string' ? v : decoder.decode(v)));
  process.stdout.write(JSON.stringify({ backend: tf.getBackend(), logits: await logits.array(), labels: names }));
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
