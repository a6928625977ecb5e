// The glyph classifier (pipeline/shogi/glyphs.py trains it): the characters that say what a
// hand holds, counts beside pieces and kifu viewers' 「先手の持駒：歩二　角」 lines.
import { CELLS } from './blobs';
import document from './hand-glyphs.json';

export const DIGITS = '0123456789×';
export const KIND_GLYPHS: Record<string, string> = { 歩: 'FU', 香: 'KY', 桂: 'KE', 銀: 'GI', 金: 'KI', 角: 'KA', 飛: 'HI' };
export const NUMERALS = '一二三四五六七八九十';

export interface GlyphRead {
  name: string;
  probability: number;
}

interface Layer {
  type: 'convolution' | 'dense';
  /** Output by output, its weights over the inputs (for a convolution, a 3x3 patch of all
   * channels, channels last), so that each output is one run through memory. */
  weights: Float32Array[];
  bias: number[];
}

// Stored inputs first (3 x 3 x channels for a convolution) then outputs, as whole numbers to be
// multiplied by their layer's scale.
const layers: Layer[] = document.layers.map((layer) => {
  const stored = (layer.weights as unknown[]).flat(3) as number[];
  const outputs = layer.bias.length;
  const inputs = stored.length / outputs;
  const weights = Array.from({ length: outputs }, (_, output) =>
    Float32Array.from({ length: inputs }, (_, input) => stored[input * outputs + output] * layer.scale),
  );
  return { type: layer.type as Layer['type'], weights, bias: layer.bias };
});

/** The best class of each glyph and its probability: the network of pipeline/shogi/glyphs.py
 * `Classifier`, the same steps. */
export function readGlyphs(features: Float32Array[]): GlyphRead[] {
  return features.map((input) => {
    let picture = input.subarray(0, CELLS * CELLS);
    let [size, channels] = [CELLS, 1];
    for (const layer of layers.filter(({ type }) => type === 'convolution')) {
      picture = convolved(picture, size, channels, layer);
      [size, channels] = [size / 2, layer.bias.length];
    }
    let values = Float32Array.from([...picture, ...input.subarray(CELLS * CELLS)]);
    const dense = layers.filter(({ type }) => type === 'dense');
    dense.forEach((layer, index) => {
      values = Float32Array.from(layer.weights, (weights, output) => {
        const sum = dot(weights, values) + layer.bias[output];
        return index < dense.length - 1 ? Math.max(0, sum) : sum;
      });
    });
    const most = Math.max(...values);
    const exponents = Array.from(values, (value) => Math.exp(value - most));
    const total = exponents.reduce((a, b) => a + b, 0);
    const best = exponents.indexOf(Math.max(...exponents));
    return { name: document.classes[best], probability: exponents[best] / total };
  });
}

/** A size x size picture of `channels` (row by row, channels last) through a 3x3 convolution,
 * zero-padded, ReLU, then the largest of each 2x2. */
function convolved(picture: Float32Array, size: number, channels: number, layer: Layer): Float32Array {
  const outputs = layer.bias.length;
  const half = size / 2;
  const pooled = new Float32Array(half * half * outputs); // ReLU leaves nothing below 0
  const patch = new Float32Array(9 * channels);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      patch.fill(0);
      for (let dy = 0; dy < 3; dy++) {
        const row = y + dy - 1;
        if (row < 0 || row >= size) continue;
        for (let dx = 0; dx < 3; dx++) {
          const column = x + dx - 1;
          if (column < 0 || column >= size) continue;
          const from = (row * size + column) * channels;
          patch.set(picture.subarray(from, from + channels), (dy * 3 + dx) * channels);
        }
      }
      const at = ((y >> 1) * half + (x >> 1)) * outputs;
      for (let output = 0; output < outputs; output++) {
        pooled[at + output] = Math.max(pooled[at + output], dot(layer.weights[output], patch) + layer.bias[output]);
      }
    }
  }
  return pooled;
}

function dot(weights: Float32Array, values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += weights[i] * values[i];
  return sum;
}
