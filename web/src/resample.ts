// Resampling a part of an image to a given size, step for step as pipeline/shogi/squares.py does
// it (tests hold the two to each other): a canvas's drawImage and PIL each resample in their
// own way, and squares cut differently are read differently.

/** A decoded image: RGBA bytes, row-major, as ImageData holds them. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Decodes an image file as stored: no colour-space conversion (PIL does none either), so
 * both sides start from the same pixels. Rejects what the browser cannot decode. */
export function decodeImage(file: Blob): Promise<ImageBitmap> {
  return createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
}

/** A bitmap's pixels, copied 1:1 (no resampling). */
export function pixelsOf(bitmap: ImageBitmap): RgbaImage {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('this browser has no 2D canvas');
  context.drawImage(bitmap, 0, 0);
  return context.getImageData(0, 0, bitmap.width, bitmap.height);
}

/** Left, top, right, bottom, in pixels (fractions allowed). */
export type Box = [number, number, number, number];

interface Weights {
  first: number;
  taps: number;
  values: Float64Array; // size x taps
  // each output pixel's nonzero taps: [from[i], to[i])
  from: Int32Array;
  to: Int32Array;
}

// The squares of a rank share their rows' weights, and those of a file their columns': the
// latest few are kept rather than computed 162 times a board.
const WEIGHTS_KEPT = 32;
const keptWeights = new Map<string, Weights>();

function weights(start: number, end: number, length: number, size: number): Weights {
  const key = `${start} ${end} ${length} ${size}`;
  let found = keptWeights.get(key);
  if (!found) {
    found = computeWeights(start, end, length, size);
    keptWeights.set(key, found);
    if (keptWeights.size > WEIGHTS_KEPT) keptWeights.delete(keptWeights.keys().next().value as string);
  }
  return found;
}

/** Output pixel i of the span [start, end) of a row of `length` pixels: the mean of the
 * pixels under a triangle centred on it, as wide as one output pixel when shrinking and two
 * source pixels when enlarging; the nearest pixel where the triangle is off the image. */
function computeWeights(start: number, end: number, length: number, size: number): Weights {
  const scale = (end - start) / size;
  const support = Math.max(scale, 1);
  const first = Math.min(Math.max(0, Math.floor(start - support)), length - 1);
  const last = Math.max(Math.min(length, Math.ceil(end + support)), first + 1);
  const taps = last - first;
  const values = new Float64Array(size * taps);
  const from = new Int32Array(size);
  const to = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const centre = start + (i + 0.5) * scale;
    let total = 0;
    from[i] = taps;
    for (let k = 0; k < taps; k++) {
      const weight = Math.max(0, 1 - Math.abs(first + k + 0.5 - centre) / support);
      values[i * taps + k] = weight;
      total += weight;
      if (weight > 0) {
        from[i] = Math.min(from[i], k);
        to[i] = k + 1;
      }
    }
    if (total === 0) {
      const nearest = Math.min(Math.max(Math.floor(centre), first), last - 1) - first;
      values[i * taps + nearest] = 1;
      total = 1;
      from[i] = nearest;
      to[i] = nearest + 1;
    }
    for (let k = from[i]; k < to[i]; k++) values[i * taps + k] /= total;
  }
  return { first, taps, values, from, to };
}

/** The part `box` of `image` as `width` x `height` RGB floats 0-255, row-major: rows first,
 * then columns, in float64, stored as float32 (as pipeline/shogi/squares.resample). */
export function resample(image: RgbaImage, box: Box, width: number, height: number): Float32Array<ArrayBuffer> {
  const steps = resampling(image, box, width, height, rowsScratch);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** `resample`, letting the browser run whenever `pace` finds a slice of time gone by: a
 * whole screenshot resampled on the main thread, before its JIT has warmed up, can take
 * longer than a frame. */
export async function resampleInSlices(
  image: RgbaImage,
  box: Box,
  width: number,
  height: number,
  pace: () => Promise<void>,
): Promise<Float32Array<ArrayBuffer>> {
  // a buffer of its own: another resampling may run while this one waits
  const steps = resampling(image, box, width, height, (length) => new Float64Array(length));
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await pace();
  }
}

// Output rows between the moments a resampling may pause.
const ROWS_A_STEP = 16;

function* resampling(
  image: RgbaImage,
  box: Box,
  width: number,
  height: number,
  buffer: (length: number) => Float64Array,
): Generator<void, Float32Array<ArrayBuffer>> {
  const [left, top, right, bottom] = box;
  if (left === 0 && top === 0 && right === image.width && bottom === image.height && width === right && height === bottom) {
    return rgbOf(image); // the weights would be one pixel's each: the same floats, at once
  }
  const rows = weights(top, bottom, image.height, height);
  const columns = weights(left, right, image.width, width);
  const span = columns.taps;
  const byRows = buffer(height * span * 3);
  for (let i = 0; i < height; i++) {
    if (i % ROWS_A_STEP === ROWS_A_STEP - 1) yield;
    for (let k = rows.from[i]; k < rows.to[i]; k++) {
      const weight = rows.values[i * rows.taps + k];
      const source = ((rows.first + k) * image.width + columns.first) * 4;
      const target = i * span * 3;
      for (let x = 0; x < span; x++) {
        byRows[target + 3 * x] += weight * image.data[source + 4 * x];
        byRows[target + 3 * x + 1] += weight * image.data[source + 4 * x + 1];
        byRows[target + 3 * x + 2] += weight * image.data[source + 4 * x + 2];
      }
    }
  }
  const out = new Float32Array(width * height * 3);
  for (let i = 0; i < height; i++) {
    if (i % ROWS_A_STEP === ROWS_A_STEP - 1) yield;
    for (let j = 0; j < width; j++) {
      let red = 0;
      let green = 0;
      let blue = 0;
      for (let k = columns.from[j]; k < columns.to[j]; k++) {
        const weight = columns.values[j * span + k];
        const source = (i * span + k) * 3;
        red += weight * byRows[source];
        green += weight * byRows[source + 1];
        blue += weight * byRows[source + 2];
      }
      const target = (i * width + j) * 3;
      out[target] = red;
      out[target + 1] = green;
      out[target + 2] = blue;
    }
  }
  return out;
}

// The first pass's sums, in one buffer kept from square to square rather than 81 allocated
// (and collected) a board.
let rowsBuffer = new Float64Array(0);

function rowsScratch(length: number): Float64Array {
  if (rowsBuffer.length < length) rowsBuffer = new Float64Array(length);
  return rowsBuffer.fill(0, 0, length);
}

/** An image's RGB as floats 0-255, row-major. */
function rgbOf(image: RgbaImage): Float32Array<ArrayBuffer> {
  const rgb = new Float32Array(image.width * image.height * 3);
  for (let pixel = 0; pixel < image.width * image.height; pixel++) {
    rgb[3 * pixel] = image.data[4 * pixel];
    rgb[3 * pixel + 1] = image.data[4 * pixel + 1];
    rgb[3 * pixel + 2] = image.data[4 * pixel + 2];
  }
  return rgb;
}

/** Luma of RGB floats with PIL's "L" weights (ITU-R 601), unrounded (as
 * pipeline/shogi/grid.py does): the grid search works on it, and a one-channel model is
 * given it. */
export function luma(rgb: Float32Array): Float32Array {
  const gray = new Float32Array(rgb.length / 3);
  for (let i = 0; i < gray.length; i++) {
    gray[i] = (rgb[3 * i] * 19595 + rgb[3 * i + 1] * 38470 + rgb[3 * i + 2] * 7471) / 65536;
  }
  return gray;
}
