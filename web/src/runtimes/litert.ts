// LiteRT.js: the build's TFLite models (one per batch size: TFLite runs a fixed batch) on
// its WASM CPU path, XNNPACK inside.
import { type CompiledModel, Tensor, loadAndCompile, loadLiteRt, supportsFeature } from '@litertjs/core';

import type { LoadOptions } from '../protocol';
import { inputOf, type Runtime } from './runtime';
import { ThreadChoice } from './threads';

// Emscripten's module settings, read by the script LiteRT.js loads with importScripts.
interface EmscriptenScope {
  Module?: { locateFile(path: string): string; mainScriptUrlOrBlob: string; printErr(text: string): void };
}
// What LiteRT.js writes to the console as errors while it starts, though nothing is wrong:
// its log's INFO lines, and that no NPU accelerator is there.
const STARTUP_CHATTER = /^INFO: |^WARNING: \[npu_registry\.cc:\d+\] NPU accelerator could not be loaded/;
const THREADED_SCRIPT = 'litert_wasm_threaded_internal.js';

// With no thread count set, warm-up tries one thread and all cores (up to this many) on the
// full batch and starts with the faster; then every batch is timed, and the faster so far
// runs the next: what pays depends on the device and on what else holds its cores (two
// threads on two cores fall far behind one when other work takes a core), not on a rule.
const MOST_THREADS = 4;
// Timed runs of each thread count at warm-up, taken in turns after each has run once.
const CALIBRATION_RUNS = 2;

export async function start(options: LoadOptions, onProgress: (fraction: number) => void): Promise<Runtime> {
  const started = performance.now();
  const url = modelUrl(options, options.batchSize);
  const relaxedSimd = await supportsFeature('relaxedSimd');
  const candidates = await threadCandidates(relaxedSimd, options.threads);
  const [bytes] = await Promise.all([
    download(url, onProgress),
    startLiteRt(options.litertPath, Math.max(...candidates) > 1),
  ]);
  const compile = (model: Uint8Array, threads: number) =>
    loadAndCompile(model, { accelerator: 'wasm', cpuOptions: { numThreads: threads } });
  const models = new Map<number, CompiledModel>();
  for (const threads of candidates) models.set(threads, await compile(bytes, threads));
  const shape = inputOf(models.get(candidates[0])!.getInputDetails()[0].shape, url);
  const loadMs = performance.now() - started;

  let live = 0;
  const run = async (model: CompiledModel, pixels: Float32Array, rows: number): Promise<Float32Array> => {
    const tensor = new Tensor(pixels, [rows, shape.inputHeight, shape.inputWidth, shape.channels]);
    live += 1;
    try {
      const outputs = await model.run(tensor);
      live += outputs.length;
      try {
        return outputs[0].toTypedArray() as Float32Array;
      } finally {
        for (const output of outputs) output.delete();
        live -= outputs.length;
      }
    } finally {
      tensor.delete();
      live -= 1;
    }
  };

  // Warm-up with the full batch: LiteRT.js compiles a model for each batch size, and a lone
  // image's model is compiled on its first request (a camera's first frame), not on every
  // page load.
  const warmupStarted = performance.now();
  const zeros = new Float32Array(options.batchSize * shape.inputHeight * shape.inputWidth * shape.channels);
  const runFull = (model: CompiledModel) => run(model, zeros, options.batchSize);
  for (const model of models.values()) {
    const scores = await runFull(model);
    if (scores.length !== options.batchSize * options.labels.length) {
      throw new Error(`${url}: ${scores.length / options.batchSize} scores an image for ${options.labels.length} labels`);
    }
  }
  const choice = await calibrate(models, runFull);
  const threads = choice.best();
  const warmupMs = performance.now() - warmupStarted;

  let lone: Promise<CompiledModel> | undefined;
  return {
    info: {
      runtime: 'litert',
      backend: 'wasm',
      features: [relaxedSimd ? 'relaxed SIMD' : 'SIMD', threads > 1 ? `${threads} threads` : 'one thread'].join(', ') + choice.trial,
      threads,
      labels: options.labels,
      ...shape,
      batchSize: options.batchSize,
      loadMs,
      warmupMs,
      warmupImages: options.batchSize,
      baselineTensors: live,
    },
    async scores(pixels, rows) {
      if (rows === options.batchSize) {
        const count = choice.next();
        const started = performance.now();
        const scores = await run(models.get(count)!, pixels, rows);
        choice.record(count, performance.now() - started);
        return { scores, threads: count };
      }
      // a lone image's model computes on the thread count in favour when it is first needed
      const count = choice.best();
      lone ??= download(modelUrl(options, rows), () => undefined).then((model) => compile(model, count));
      return { scores: await run(await lone, pixels, rows), threads: count };
    },
    liveTensors: () => live,
  };
}

/** The thread counts to try: the one asked for, or one and all cores (up to MOST_THREADS);
 * just one where LiteRT.js's threaded build cannot run (it needs relaxed SIMD and a
 * cross-origin isolated page). */
async function threadCandidates(relaxedSimd: boolean, asked: number | undefined): Promise<number[]> {
  const threaded = relaxedSimd && self.crossOriginIsolated && (await supportsFeature('threads'));
  if (!threaded) return [1];
  if (asked) return [Math.max(1, Math.floor(asked))];
  const most = Math.min(MOST_THREADS, navigator.hardwareConcurrency || 1);
  return most > 1 ? [1, most] : [1];
}

/** Times each model on the full batch, CALIBRATION_RUNS times in turns; the thread choice
 * that starts from those times. */
async function calibrate(
  models: Map<number, CompiledModel>,
  runFull: (model: CompiledModel) => Promise<unknown>,
): Promise<ThreadChoice> {
  const times = new Map<number, number[]>([...models.keys()].map((count) => [count, []]));
  for (let round = 0; models.size > 1 && round < CALIBRATION_RUNS; round++) {
    for (const [count, model] of models) {
      const started = performance.now();
      await runFull(model);
      times.get(count)!.push(performance.now() - started);
    }
  }
  return new ThreadChoice(times);
}

function modelUrl(options: LoadOptions, batch: number): string {
  const url = options.tfliteUrls[String(batch)];
  if (!url) {
    const published = Object.keys(options.tfliteUrls).join(', ') || 'none';
    throw new Error(`no TFLite model of batch ${batch} was published (batches: ${published})`);
  }
  return url;
}

/** Loads LiteRT.js's WASM module from `path` (an absolute URL): its threaded build, or the one
 * for a single thread (relaxed SIMD, or plain SIMD where there is none). */
async function startLiteRt(path: string, threaded: boolean): Promise<void> {
  // This worker runs from a blob: URL: left alone, the module would look for its .wasm, and
  // its thread workers for their script, beside the blob.
  (self as unknown as EmscriptenScope).Module = {
    locateFile: (file) => new URL(file, path).href,
    mainScriptUrlOrBlob: new URL(THREADED_SCRIPT, path).href,
    printErr: (text) => {
      if (!STARTUP_CHATTER.test(text)) console.error(text);
    },
  };
  await loadLiteRt(path, { threads: threaded });
}

/** The bytes at `url`, reporting the fraction received as it comes (of the length the server
 * names: compressed, it may be less than what arrives). */
async function download(url: string, onProgress: (fraction: number) => void): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const total = Number(response.headers.get('content-length')) || 0;
  if (!response.body || !total) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (const reader = response.body.getReader(); ; ) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onProgress(Math.min(1, received / total));
  }
  const bytes = new Uint8Array(received);
  chunks.reduce((offset, chunk) => (bytes.set(chunk, offset), offset + chunk.length), 0);
  return bytes;
}
