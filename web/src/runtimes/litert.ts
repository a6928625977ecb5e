// LiteRT.js: the build's TFLite models (one per batch size: TFLite runs a fixed batch) on
// its WASM CPU path, XNNPACK inside.
import { type CompiledModel, Tensor, loadAndCompile, loadLiteRt, supportsFeature } from '@litertjs/core';

import type { LoadOptions } from '../protocol';
import { defaultThreads, inputOf, type Runtime } from './runtime';

// Emscripten's module settings, read by the script LiteRT.js loads with importScripts.
interface EmscriptenScope {
  Module?: { locateFile(path: string): string; mainScriptUrlOrBlob: string; printErr(text: string): void };
}
// What LiteRT.js writes to the console as errors while it starts, though nothing is wrong:
// its log's INFO lines, and that no NPU accelerator is there.
const STARTUP_CHATTER = /^INFO: |^WARNING: \[npu_registry\.cc:\d+\] NPU accelerator could not be loaded/;
const THREADED_SCRIPT = 'litert_wasm_threaded_internal.js';

export async function start(options: LoadOptions, onProgress: (fraction: number) => void): Promise<Runtime> {
  const started = performance.now();
  const url = modelUrl(options, options.batchSize);
  const relaxedSimd = await supportsFeature('relaxedSimd');
  // Its threaded build needs relaxed SIMD; without it, the one-thread build without it.
  const threads = relaxedSimd ? Math.max(1, Math.floor(options.threads ?? defaultThreads())) : 1;
  const [bytes] = await Promise.all([download(url, onProgress), startLiteRt(options.litertPath, threads)]);
  const compile = (model: Uint8Array) =>
    loadAndCompile(model, { accelerator: 'wasm', cpuOptions: { numThreads: threads } });
  const full = await compile(bytes);
  const [input] = full.getInputDetails();
  const shape = inputOf(input.shape, url);
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

  // Warm-up with the full batch; a lone image's model is compiled on its first request (a
  // camera's first frame), as TF.js leaves a batch of one to its first request.
  const warmupStarted = performance.now();
  const pixelsPerImage = shape.inputHeight * shape.inputWidth * shape.channels;
  const warm = await run(full, new Float32Array(options.batchSize * pixelsPerImage), options.batchSize);
  const warmupMs = performance.now() - warmupStarted;
  if (warm.length !== options.batchSize * options.labels.length) {
    throw new Error(`${url}: ${warm.length / options.batchSize} scores an image for ${options.labels.length} labels`);
  }
  let lone: Promise<CompiledModel> | undefined;
  return {
    info: {
      runtime: 'litert',
      backend: 'wasm',
      features: [relaxedSimd ? 'relaxed SIMD' : 'SIMD', threads > 1 ? `${threads} threads` : 'one thread'].join(', '),
      threads,
      labels: options.labels,
      ...shape,
      batchSize: options.batchSize,
      loadMs,
      warmupMs,
      baselineTensors: live,
    },
    async scores(pixels, rows) {
      if (rows === options.batchSize) return run(full, pixels, rows);
      lone ??= download(modelUrl(options, rows), () => undefined).then(compile);
      return run(await lone, pixels, rows);
    },
    liveTensors: () => live,
  };
}

function modelUrl(options: LoadOptions, batch: number): string {
  const url = options.tfliteUrls[String(batch)];
  if (!url) {
    const published = Object.keys(options.tfliteUrls).join(', ') || 'none';
    throw new Error(`no TFLite model of batch ${batch} was published (batches: ${published})`);
  }
  return url;
}

/** Loads LiteRT.js's WASM module from `path` (an absolute URL). */
async function startLiteRt(path: string, threads: number): Promise<void> {
  // This worker runs from a blob: URL: left alone, the module would look for its .wasm, and
  // its thread workers for their script, beside the blob.
  (self as unknown as EmscriptenScope).Module = {
    locateFile: (file) => new URL(file, path).href,
    mainScriptUrlOrBlob: new URL(THREADED_SCRIPT, path).href,
    printErr: (text) => {
      if (!STARTUP_CHATTER.test(text)) console.error(text);
    },
  };
  await loadLiteRt(path, { threads: threads > 1 });
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
