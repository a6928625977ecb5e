// The glyph classifier (pipeline/shogi/glyphs.py trains it): the characters that say what a
// hand holds, counts beside pieces and kifu viewers' 「先手の持駒：歩二　角」 lines.
import document from './hand-glyphs.json';

export const DIGITS = '0123456789×';
export const KIND_GLYPHS: Record<string, string> = { 歩: 'FU', 香: 'KY', 桂: 'KE', 銀: 'GI', 金: 'KI', 角: 'KA', 飛: 'HI' };
export const NUMERALS = '一二三四五六七八九十';

export interface GlyphRead {
  name: string;
  probability: number;
}

interface Layer {
  weights: Float32Array; // inputs x outputs, row by row
  bias: number[];
  outputs: number;
}

// weights are stored as whole numbers to be multiplied by their layer's scale
const layers: Layer[] = document.layers.map((layer) => ({
  weights: Float32Array.from(layer.weights.flat(), (value) => value * layer.scale),
  bias: layer.bias,
  outputs: layer.bias.length,
}));

/** The best class of each glyph and its probability. */
export function readGlyphs(features: Float32Array[]): GlyphRead[] {
  return features.map((input) => {
    let values: Float32Array | number[] = input;
    layers.forEach((layer, index) => {
      const next = new Float32Array(layer.outputs);
      for (let output = 0; output < layer.outputs; output++) {
        let sum = layer.bias[output];
        for (let i = 0; i < values.length; i++) sum += values[i] * layer.weights[i * layer.outputs + output];
        next[output] = index < layers.length - 1 ? Math.max(0, sum) : sum;
      }
      values = next;
    });
    const most = Math.max(...values);
    const exponents = Array.from(values, (value) => Math.exp(value - most));
    const total = exponents.reduce((a, b) => a + b, 0);
    const best = exponents.indexOf(Math.max(...exponents));
    return { name: document.classes[best], probability: exponents[best] / total };
  });
}
