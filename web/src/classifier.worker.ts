// The worker owns the model: loading it on a runtime, warm-up, decoding, batching.
import type {
  ImageInput,
  ImageResult,
  LoadOptions,
  ModelInfo,
  PageMessage,
  Prediction,
  RuntimeName,
  WorkerMessage,
} from './protocol';
import { describe } from './errors';
import { decodeImage, luma, pixelsOf, resample } from './resample';
import type { Runtime, Start } from './runtimes/runtime';

const TOP_K = 3;

// Each runtime is a chunk of its own, fetched by the worker as it starts: the worker's own
// script stays small (it starts in tens of milliseconds, not 200 while it compiled TF.js
// inlined), and a page never downloads the runtime it does not run.
const RUNTIMES: Record<RuntimeName, Start> = {
  tfjs: async (options, onProgress) =>
    (await import(/* webpackChunkName: "runtime-tfjs" */ './runtimes/tfjs')).start(options, onProgress),
  litert: async (options, onProgress) =>
    (await import(/* webpackChunkName: "runtime-litert" */ './runtimes/litert')).start(options, onProgress),
};

// The DOM typings describe a window; this is the part of the worker scope used here.
interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<PageMessage>) => void): void;
}
const scope = self as unknown as WorkerScope;

let loaded: Promise<Runtime> | undefined;
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

async function load(id: number, options: LoadOptions): Promise<Runtime> {
  // Chunks load from beside the page's script: this worker runs from a blob: URL, against
  // which no relative URL resolves.
  __webpack_public_path__ = options.publicPath;
  const onProgress = (fraction: number) => scope.postMessage({ kind: 'progress', id, fraction });
  return RUNTIMES[options.runtime](options, onProgress);
}

async function classify(id: number, images: ImageInput[], runtime: Runtime): Promise<void> {
  const { info } = runtime;
  const { batchSize, inputHeight, inputWidth, channels, labels } = info;
  const pixelsPerImage = inputHeight * inputWidth * channels;
  // A lone image (a camera frame, say) runs as a batch of one, not padded to the full batch;
  // more are cut into batches of the full size, zero-padded: one shape, set up once (and the
  // one LiteRT.js's model is compiled for).
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
    const { scores, threads } = await runtime.scores(buffer, rows);
    const results = decoded.map((outcome, index): ImageResult =>
      outcome.status === 'fulfilled'
        ? { predictions: topK(scores.subarray(index * labels.length, (index + 1) * labels.length), labels) }
        : { error: describe(outcome.reason) },
    );
    scope.postMessage({
      kind: 'batch',
      id,
      batch: { offset, results, milliseconds: performance.now() - started, threads },
    });
  }
  scope.postMessage({ kind: 'done', id, tensors: runtime.liveTensors() });
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

function topK(scores: Float32Array, labels: string[]): Prediction[] {
  return Array.from(scores, (score, index) => ({ label: labels[index], score: Number(score) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, TOP_K);
}
