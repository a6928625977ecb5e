// The worker owns TF.js and the model: loading, backend choice, warm-up, batching.
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';

import type {
  BackendName,
  ImageInput,
  ImageResult,
  LoadOptions,
  ModelInfo,
  PageMessage,
  Prediction,
  WorkerMessage,
} from './protocol';
import { describe } from './errors';
import { decodeImage, luma, pixelsOf, resample } from './resample';

const TOP_K = 3;
const INPUT_OUTPUT = 'probabilities';
const LABELS_OUTPUT = 'labels';

// The other backends are chunks of their own, fetched only when asked for or when WASM cannot
// start: a page on WASM never downloads them.
const OTHER_BACKENDS: Record<Exclude<BackendName, 'wasm'>, () => Promise<unknown>> = {
  cpu: () => import(/* webpackChunkName: "backend-cpu" */ '@tensorflow/tfjs-backend-cpu'),
  webgl: () => import(/* webpackChunkName: "backend-webgl" */ '@tensorflow/tfjs-backend-webgl'),
};

// A model read both ways picks its doubtful images as it runs (a dynamic shape), which TF.js
// runs only asynchronously; any other model runs synchronously, without that path's overhead.
type Run = (batch: tf.Tensor, outputs: string[]) => Promise<tf.Tensor[]>;

interface Loaded {
  run: Run;
  info: ModelInfo;
}

// The DOM typings describe a window; this is the part of the worker scope used here.
interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<PageMessage>) => void): void;
}
const scope = self as unknown as WorkerScope;

let loaded: Promise<Loaded> | undefined;
// Requests run one at a time, in order, so batches never compete for the backend.
let queue: Promise<unknown> = Promise.resolve();

scope.addEventListener('message', (event) => {
  const message = event.data;
  queue = queue.then(() => handle(message)).catch((error: unknown) => {
    scope.postMessage({ kind: 'failed', id: message.id, message: describe(error) });
  });
});

async function handle(message: PageMessage): Promise<void> {
  switch (message.kind) {
    case 'load': {
      loaded = load(message.id, message.options);
      const { info } = await loaded;
      scope.postMessage({ kind: 'loaded', id: message.id, info });
      return;
    }
    case 'classify': {
      if (!loaded) throw new Error('the model is not loaded yet');
      await classify(message.id, message.images, await loaded);
      return;
    }
  }
}

async function load(id: number, options: LoadOptions): Promise<Loaded> {
  const started = performance.now();
  // Chunks load from beside the page's script: this worker runs from a blob: URL, against
  // which no relative URL resolves.
  __webpack_public_path__ = options.publicPath;
  // The model downloads while the backend starts; only the weights' upload needs both.
  const [backend, artifacts] = await Promise.all([
    startBackend(options),
    download(options.modelUrl, (fraction) => scope.postMessage({ kind: 'progress', id, fraction })),
  ]);
  const model = await loadGraphModel(tf.io.fromMemory(artifacts));
  const [, inputHeight = 0, inputWidth = 0, channels = 0] = model.inputs[0].shape ?? [];
  if (!(inputHeight > 0 && inputWidth > 0)) throw new Error(`${options.modelUrl}: the model's input has no fixed size`);
  if (channels !== 1 && channels !== 3) {
    throw new Error(`${options.modelUrl}: the model takes ${channels} channels; the page gives 1 (grey) or 3 (RGB)`);
  }
  const loadMs = performance.now() - started;

  // Warm-up with the batch shape requests of many images use, so none pays for first-run
  // setup. A lone image's batch of one is left to its first request (a camera's first frame):
  // warming it too would add half the warm-up to every page load.
  const warmupStarted = performance.now();
  const batch = tf.zeros([options.batchSize, inputHeight, inputWidth, channels]);
  const { run, outputs } = await firstRun(model, batch, [INPUT_OUTPUT, LABELS_OUTPUT]);
  const [probabilities, labelTensor] = outputs;
  await probabilities.data();
  const labels = decodeLabels(await labelTensor.data());
  tf.dispose([batch, ...outputs]);
  const warmupMs = performance.now() - warmupStarted;
  if (labels.length !== probabilities.shape[1]) {
    throw new Error(`${options.modelUrl}: ${labels.length} labels for ${probabilities.shape[1]} classes`);
  }

  const threads = backend === 'wasm' ? Math.max(1, getThreadsCount()) : 1;
  const info: ModelInfo = {
    backend,
    features: backend === 'wasm' ? await wasmFeatures(threads) : '',
    threads,
    labels,
    inputHeight,
    inputWidth,
    channels,
    batchSize: options.batchSize,
    loadMs,
    warmupMs,
    baselineTensors: tf.memory().numTensors,
  };
  return { run, info };
}

/** Runs `model` once, synchronously if its graph allows; returns how to run it from then on. */
async function firstRun(
  model: GraphModel,
  batch: tf.Tensor,
  names: string[],
): Promise<{ run: Run; outputs: tf.Tensor[] }> {
  try {
    const outputs = listed(model.execute(batch, names));
    return { run: async (input, wanted) => listed(model.execute(input, wanted)), outputs };
  } catch {
    // A graph that cannot run synchronously; any other failure recurs here, and is reported.
    const outputs = listed(await model.executeAsync(batch, names));
    const run: Run = async (input, wanted) => listed(await model.executeAsync(input, wanted));
    return { run, outputs };
  }
}

/** TF.js answers a request for one output with the tensor itself. */
function listed(outputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(outputs) ? outputs : [outputs];
}

/** model.json and its weight shards, not yet on any backend. */
function download(url: string, onProgress: (fraction: number) => void): Promise<tf.io.ModelArtifacts> {
  const handler = tf.io.http(url, { onProgress });
  if (!handler.load) throw new Error(`${url}: TF.js cannot load from this URL`);
  return handler.load();
}

async function startBackend(options: LoadOptions): Promise<BackendName> {
  const candidates: BackendName[] = options.backend ? [options.backend] : ['wasm', 'cpu'];
  for (const name of candidates) {
    try {
      const started = name === 'wasm' ? await startWasm(options) : await startOther(name);
      if (started) {
        await tf.ready();
        return name;
      }
    } catch {
      // not available in this browser: try the next one
    }
  }
  throw new Error(`no TF.js backend could start (tried ${candidates.join(', ')})`);
}

async function startOther(name: Exclude<BackendName, 'wasm'>): Promise<boolean> {
  await OTHER_BACKENDS[name]();
  return tf.setBackend(name);
}

/** Half the cores, as tfjs-backend-wasm would take, but no threads at all below 2 of them.
 * Measured on 2 cores (`doit bench`): 2 threads read a board 10-30 % faster, but the model is
 * ready 150 ms later (8 thread workers to start), and with a core busy elsewhere they read it
 * two to three times slower than one thread; tfjs would start the workers for one thread. */
function defaultThreads(): number {
  return Math.max(1, Math.floor((navigator.hardwareConcurrency || 1) / 2));
}

async function startWasm(options: LoadOptions): Promise<boolean> {
  setWasmPaths(options.wasmPath);
  const threads = Math.max(1, Math.floor(options.threads ?? defaultThreads()));
  if (threads === 1) {
    // The backend then loads its SIMD binary without threads (and spawns no thread workers).
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return tf.setBackend('wasm');
  }
  setThreadsCount(threads);
  // tfjs-backend-wasm caps its thread pool at half of navigator.hardwareConcurrency (it counts
  // on two hyperthreads a core), read once as its module starts: asked for all cores it would
  // give half. While it starts, the worker reports twice the threads it wants.
  Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  try {
    return await tf.setBackend('wasm');
  } finally {
    Reflect.deleteProperty(navigator, 'hardwareConcurrency');
  }
}

async function wasmFeatures(threads: number): Promise<string> {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return [simd ? 'SIMD' : 'no SIMD', threads > 1 ? `${threads} threads` : 'one thread'].join(', ');
}

function decodeLabels(values: ArrayLike<unknown>): string[] {
  const decoder = new TextDecoder();
  return Array.from(values, (value) =>
    typeof value === 'string' ? value : decoder.decode(value as Uint8Array),
  );
}

async function classify(id: number, images: ImageInput[], { run, info }: Loaded): Promise<void> {
  const { batchSize, inputHeight, inputWidth, channels, labels } = info;
  const pixelsPerImage = inputHeight * inputWidth * channels;
  // A lone image (a camera frame, say) runs as a batch of one, not padded to the full batch;
  // more are cut into batches of the full size, zero-padded, the shape warmed up.
  const rows = images.length === 1 ? 1 : batchSize;
  for (let offset = 0; offset < images.length; offset += rows) {
    const started = performance.now();
    const chunk = images.slice(offset, offset + rows);
    const buffer = new Float32Array(rows * pixelsPerImage);
    // One image that cannot be decoded fails alone; its slot stays zeros.
    const decoded = await Promise.allSettled(chunk.map((image) => toInput(image, info)));
    decoded.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') buffer.set(outcome.value, index * pixelsPerImage);
    });
    const input = tf.tensor4d(buffer, [rows, inputHeight, inputWidth, channels]);
    const [output] = await run(input, [INPUT_OUTPUT]);
    const scores = await output.data();
    tf.dispose([input, output]);
    const results = decoded.map((outcome, index): ImageResult =>
      outcome.status === 'fulfilled'
        ? { predictions: topK(scores.subarray(index * labels.length, (index + 1) * labels.length), labels) }
        : { error: describe(outcome.reason) },
    );
    scope.postMessage({
      kind: 'batch',
      id,
      batch: { offset, results, milliseconds: performance.now() - started },
    });
  }
  scope.postMessage({ kind: 'done', id, tensors: tf.memory().numTensors });
}

/** An image as the model's input: floats 0-255 at its height and width, resampled as board
 * squares are (web/src/resample.ts), so an image reads the same here and in Python; grey
 * for a one-channel model. */
async function toInput(image: ImageInput, { inputHeight, inputWidth, channels }: ModelInfo): Promise<Float32Array> {
  const rgb = await toRgb(image, inputWidth, inputHeight);
  return channels === 1 ? luma(rgb) : rgb;
}

async function toRgb(image: ImageInput, width: number, height: number): Promise<Float32Array> {
  if (image instanceof ImageBitmap) return resampleBitmap(image, width, height);
  if (image instanceof Blob) return resampleBitmap(await decode(image), width, height);
  if (image.width !== width || image.height !== height) {
    throw new Error(`pixels of ${image.width}x${image.height}; the model takes ${width}x${height}`);
  }
  return image.rgb;
}

async function decode(file: Blob): Promise<ImageBitmap> {
  try {
    return await decodeImage(file);
  } catch {
    const name = file instanceof File ? file.name : 'the image';
    throw new Error(`${name} is not an image this browser can decode`);
  }
}

/** The whole of `bitmap` at `width` x `height`; the bitmap is closed, its memory freed at once. */
function resampleBitmap(bitmap: ImageBitmap, width: number, height: number): Float32Array {
  try {
    const pixels = pixelsOf(bitmap);
    return resample(pixels, [0, 0, pixels.width, pixels.height], width, height);
  } finally {
    bitmap.close();
  }
}

function topK(scores: Float32Array | Int32Array | Uint8Array, labels: string[]): Prediction[] {
  return Array.from(scores, (score, index) => ({ label: labels[index], score: Number(score) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, TOP_K);
}
