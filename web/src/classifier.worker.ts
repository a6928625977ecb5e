// The worker owns TF.js and the model: loading, backend choice, warm-up, batching.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
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

const TOP_K = 3;
const INPUT_OUTPUT = 'probabilities';
const LABELS_OUTPUT = 'labels';

interface Loaded {
  model: GraphModel;
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
  setWasmPaths(options.wasmPath);
  // The backend's default leaves a core idle on small machines; inference wants them all.
  setThreadsCount(navigator.hardwareConcurrency || 1);
  const backend = await startBackend(options.backend);
  const model = await loadGraphModel(options.modelUrl, {
    onProgress: (fraction) => scope.postMessage({ kind: 'progress', id, fraction }),
  });
  const [, height, width] = model.inputs[0].shape ?? [];
  const inputSize = height && height > 0 ? height : (width ?? 0);
  if (!(inputSize > 0)) throw new Error(`${options.modelUrl}: the model's input has no fixed size`);
  const loadMs = performance.now() - started;

  // Warm-up with the one batch shape every request will use, so none pays for first-run setup.
  const warmupStarted = performance.now();
  const batch = tf.zeros([options.batchSize, inputSize, inputSize, 3]);
  const outputs = model.execute(batch, [INPUT_OUTPUT, LABELS_OUTPUT]) as tf.Tensor[];
  const [probabilities, labelTensor] = outputs;
  await probabilities.data();
  const labels = decodeLabels(await labelTensor.data());
  tf.dispose([batch, ...outputs]);
  const warmupMs = performance.now() - warmupStarted;
  if (labels.length !== probabilities.shape[1]) {
    throw new Error(`${options.modelUrl}: ${labels.length} labels for ${probabilities.shape[1]} classes`);
  }

  const info: ModelInfo = {
    backend,
    features: await backendFeatures(backend),
    labels,
    inputSize,
    batchSize: options.batchSize,
    loadMs,
    warmupMs,
    baselineTensors: tf.memory().numTensors,
  };
  return { model, info };
}

async function startBackend(requested?: BackendName): Promise<BackendName> {
  const candidates: BackendName[] = requested ? [requested] : ['wasm', 'cpu'];
  for (const name of candidates) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // not available in this browser: try the next one
    }
  }
  throw new Error(`no TF.js backend could start (tried ${candidates.join(', ')})`);
}

async function backendFeatures(backend: BackendName): Promise<string> {
  if (backend !== 'wasm') return '';
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = getThreadsCount();
  return [simd ? 'SIMD' : 'no SIMD', threads > 1 ? `${threads} threads` : 'one thread'].join(', ');
}

function decodeLabels(values: ArrayLike<unknown>): string[] {
  const decoder = new TextDecoder();
  return Array.from(values, (value) =>
    typeof value === 'string' ? value : decoder.decode(value as Uint8Array),
  );
}

async function classify(id: number, images: ImageInput[], { model, info }: Loaded): Promise<void> {
  const { batchSize, inputSize, labels } = info;
  const pixelsPerImage = inputSize * inputSize * 3;
  for (let offset = 0; offset < images.length; offset += batchSize) {
    const started = performance.now();
    const chunk = images.slice(offset, offset + batchSize);
    // Always the full batch shape, zero-padded: one shape means no recompiling or re-planning.
    const buffer = new Float32Array(batchSize * pixelsPerImage);
    // One image that cannot be decoded fails alone; its slot stays zeros.
    const decoded = await Promise.allSettled(chunk.map((image) => toRgba(image, inputSize)));
    decoded.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') copyRgb(outcome.value, buffer, index * pixelsPerImage);
    });
    const input = tf.tensor4d(buffer, [batchSize, inputSize, inputSize, 3]);
    const output = model.execute(input, INPUT_OUTPUT) as tf.Tensor;
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

async function toRgba(image: ImageInput, size: number): Promise<Uint8ClampedArray> {
  if (!(image instanceof Blob) && image.width === size && image.height === size) return image.data;
  const source = image instanceof Blob ? image : new ImageData(image.data, image.width, image.height);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(source, {
      resizeWidth: size,
      resizeHeight: size,
      resizeQuality: 'high',
    });
  } catch {
    const name = image instanceof File ? image.name : 'the image';
    throw new Error(`${name} is not an image this browser can decode`);
  }
  const canvas = new OffscreenCanvas(size, size);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas in this worker');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return context.getImageData(0, 0, size, size).data;
}

function copyRgb(rgba: Uint8ClampedArray, target: Float32Array, start: number): void {
  for (let source = 0, index = start; source < rgba.length; source += 4) {
    target[index++] = rgba[source];
    target[index++] = rgba[source + 1];
    target[index++] = rgba[source + 2];
  }
}

function topK(scores: Float32Array | Int32Array | Uint8Array, labels: string[]): Prediction[] {
  return Array.from(scores, (score, index) => ({ label: labels[index], score: Number(score) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, TOP_K);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
