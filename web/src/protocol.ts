// Messages between the page and the classifier worker. The page never touches TF.js:
// everything it learns about the model arrives through these.

/** Pixels of one image at the model's input size: RGB floats 0-255, row-major, as
 * web/src/resample.ts cuts them. */
export interface Pixels {
  width: number;
  height: number;
  rgb: Float32Array<ArrayBuffer>;
}

/** An image to classify: a file the worker decodes itself, pixels cut by the page, or a
 * frame grabbed from a video (the worker closes it). */
export type ImageInput = Blob | Pixels | ImageBitmap;

export interface Prediction {
  label: string;
  score: number;
}

/** The top predictions for one image, best first, or why it could not be classified. */
export type ImageResult = { predictions: Prediction[] } | { error: string };

/** TF.js runs the graph model (model.json); LiteRT.js runs the TFLite models. */
export type RuntimeName = 'tfjs' | 'litert';

/** TF.js's backends: WASM is the one the page picks; CPU is its fallback; WebGL is there to be
 * measured. LiteRT.js computes on WASM. */
export type BackendName = 'wasm' | 'cpu' | 'webgl';

export interface LoadOptions {
  runtime: RuntimeName;
  /** Absolute URL of model.json (the worker runs from a blob: URL; relative URLs break). */
  modelUrl: string;
  /** Absolute URLs of the TFLite models, by the batch size each runs. */
  tfliteUrls: Record<string, string>;
  /** The classes in the order of the model's scores (a TFLite model does not carry them). */
  labels: string[];
  /** Absolute URL of the directory holding the TF.js .wasm binaries. */
  wasmPath: string;
  /** Absolute URL of the directory holding LiteRT.js's .wasm binaries and their scripts. */
  litertPath: string;
  /** Absolute URL of the directory holding the page's script, where the worker finds the
   * backends it loads only when asked for (CPU, WebGL). */
  publicPath: string;
  batchSize: number;
  /** Force a TF.js backend instead of the fastest available one (benchmarks, fallbacks). */
  backend?: BackendName;
  /** WASM threads to compute on (default: half the cores); 1 runs the binary without
   * threads. More than 1 needs a cross-origin isolated page. */
  threads?: number;
}

export interface ModelInfo {
  runtime: RuntimeName;
  backend: BackendName;
  /** WASM features in use, e.g. "SIMD, 2 threads"; empty for other backends. */
  features: string;
  /** Threads the WASM backend computes on; 1 for the other backends. */
  threads: number;
  labels: string[];
  /** The model's input: every image is resampled to this many rows and columns, and made
   * grey for a one-channel model. */
  inputHeight: number;
  inputWidth: number;
  channels: 1 | 3;
  batchSize: number;
  loadMs: number;
  warmupMs: number;
  /** Images the warm-up ran at once: one on TF.js, the fixed batch on LiteRT.js. */
  warmupImages: number;
  /** Live tensors once the model is loaded: every request must return to this. */
  baselineTensors: number;
}

export type PageMessage =
  | { kind: 'load'; id: number; options: LoadOptions }
  | { kind: 'classify'; id: number; images: ImageInput[] };

export interface BatchResult {
  /** Index of the batch's first image in the request. */
  offset: number;
  results: ImageResult[];
  milliseconds: number;
  /** The threads that computed it (LiteRT.js picks them batch by batch). */
  threads: number;
}

export type WorkerMessage =
  | { kind: 'progress'; id: number; fraction: number }
  | { kind: 'loaded'; id: number; info: ModelInfo }
  | { kind: 'batch'; id: number; batch: BatchResult }
  | { kind: 'done'; id: number; tensors: number }
  | { kind: 'failed'; id: number; message: string };
