// What the worker needs of a runtime (TF.js or LiteRT.js): a loaded, warmed-up model that
// turns a batch of pixels into scores. Decoding, batching and ranking stay in the worker.
import type { LoadOptions, ModelInfo } from '../protocol';

export interface Runtime {
  info: ModelInfo;
  /** The scores of `rows` images (`rows` x labels, row-major), from their pixels at the
   * model's input size, and the threads that computed them. `rows` is the full batch or,
   * for a lone image, 1. */
  scores(pixels: Float32Array, rows: number): Promise<{ scores: Float32Array; threads: number }>;
  /** Tensors the runtime holds now: every request must leave them as it found them. */
  liveTensors(): number;
}

export type Start = (options: LoadOptions, onProgress: (fraction: number) => void) => Promise<Runtime>;

/** The model's input size and channels from its input shape [batch, height, width, channels],
 * or an error naming the model. */
export function inputOf(shape: ArrayLike<number>, url: string): { inputHeight: number; inputWidth: number; channels: 1 | 3 } {
  const [, inputHeight = 0, inputWidth = 0, channels = 0] = Array.from(shape);
  if (!(inputHeight > 0 && inputWidth > 0)) throw new Error(`${url}: the model's input has no fixed size`);
  if (channels !== 1 && channels !== 3) {
    throw new Error(`${url}: the model takes ${channels} channels; the page gives 1 (grey) or 3 (RGB)`);
  }
  return { inputHeight, inputWidth, channels };
}
