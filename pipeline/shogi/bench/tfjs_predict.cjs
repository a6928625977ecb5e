// Runs a converted TF.js graph model in Node on the WASM backend.
// Usage: node tfjs_predict.cjs WEB_DIR MODEL_DIR PIXELS.f32 COUNT SIZE
// Prints {"backend", "logits": [[...]], "labels": [...]} as JSON.
const fs = require('fs');
const path = require('path');

// Images per run: a few thousand at once would not fit in WASM memory.
const CHUNK = 64;

const [webDir, modelDir, pixelsPath, count, size] = process.argv.slice(2);
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
  const side = Number(size);
  const perImage = side * side * 3;
  const logits = [];
  let names = [];
  for (let start = 0; start < Number(count); start += CHUNK) {
    const images = Math.min(CHUNK, Number(count) - start);
    const chunk = pixels.subarray(start * perImage, (start + images) * perImage);
    const input = tf.tensor4d(chunk, [images, side, side, 3]);
    // executeAsync: a model read both ways picks its doubtful images at run time (tf.where)
    const [output, labels] = await graph.executeAsync(input, ['logits', 'labels']);
    logits.push(...(await output.array()));
    const decoder = new TextDecoder();
    names = Array.from(await labels.data(), (v) => (typeof v === 'string' ? v : decoder.decode(v)));
    tf.dispose([input, output, labels]);
  }
  process.stdout.write(JSON.stringify({ backend: tf.getBackend(), logits, labels: names }));
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
