// TF.js: the graph model (model.json and weight shards) on its WASM backend, or on CPU or
// WebGL when asked for or when WASM cannot start.
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';

import type { BackendName, LoadOptions } from '../protocol';
import { inputOf, type Runtime } from './runtime';

const SCORES_OUTPUT = 'probabilities';
const LABELS_OUTPUT = 'labels';
const WARMUP_IMAGES = 1;

// The other backends are chunks of their own, fetched only when asked for or when WASM cannot
// start: a page on WASM never downloads them.
const OTHER_BACKENDS: Record<Exclude<BackendName, 'wasm'>, () => Promise<unknown>> = {
  cpu: () => import(/* webpackChunkName: "backend-cpu" */ '@tensorflow/tfjs-backend-cpu'),
  webgl: () => import(/* webpackChunkName: "backend-webgl" */ '@tensorflow/tfjs-backend-webgl'),
};

// A model read both ways picks its doubtful images as it runs (a dynamic shape), which TF.js
// runs only asynchronously; any other model runs synchronously, without that path's overhead.
type Run = (batch: tf.Tensor, outputs: string[]) => Promise<tf.Tensor[]>;

export async function start(options: LoadOptions, onProgress: (fraction: number) => void): Promise<Runtime> {
  const started = performance.now();
  // The model downloads while the backend starts; only the weights' upload needs both.
  const [backend, artifacts] = await Promise.all([startBackend(options), download(options.modelUrl, onProgress)]);
  const model = await loadGraphModel(tf.io.fromMemory(artifacts));
  const input = inputOf(model.inputs[0].shape ?? [], options.modelUrl);
  const loadMs = performance.now() - started;

  // Warm-up on one image, the cheapest run that sets up every kernel. Measured on first visits
  // (`doit bench`, 2 cores): the model is ready about 130 ms sooner than after warming the
  // full batch, and the first board comes 50-80 ms sooner although its first full batch pays
  // about 90 ms of setup of its own. A camera's first frame finds its shape warm.
  const warmupStarted = performance.now();
  const batch = tf.zeros([WARMUP_IMAGES, input.inputHeight, input.inputWidth, input.channels]);
  const { run, outputs } = await firstRun(model, batch, [SCORES_OUTPUT, LABELS_OUTPUT]);
  const [probabilities, labelTensor] = outputs;
  await probabilities.data();
  const labels = decodeLabels(await labelTensor.data());
  tf.dispose([batch, ...outputs]);
  const warmupMs = performance.now() - warmupStarted;
  if (labels.length !== probabilities.shape[1]) {
    throw new Error(`${options.modelUrl}: ${labels.length} labels for ${probabilities.shape[1]} classes`);
  }

  const threads = backend === 'wasm' ? Math.max(1, getThreadsCount()) : 1;
  return {
    info: {
      runtime: 'tfjs',
      backend,
      features: backend === 'wasm' ? await wasmFeatures(threads) : '',
      threads,
      labels,
      ...input,
      batchSize: options.batchSize,
      loadMs,
      warmupMs,
      warmupImages: WARMUP_IMAGES,
      baselineTensors: tf.memory().numTensors,
    },
    async scores(pixels, rows) {
      const tensor = tf.tensor4d(pixels, [rows, input.inputHeight, input.inputWidth, input.channels]);
      const [output] = await run(tensor, [SCORES_OUTPUT]);
      const values = (await output.data()) as Float32Array;
      tf.dispose([tensor, output]);
      return { scores: values, threads };
    },
    liveTensors: () => tf.memory().numTensors,
  };
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
 * A rule, not a trial as LiteRT.js's: TF.js starts its thread pool once, for good.
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
