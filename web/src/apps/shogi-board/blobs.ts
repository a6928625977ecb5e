// Ink on a screenshot outside the board: connected blobs, text lines, glyphs. The same steps
// as pipeline/shogi/blobs.py (tests hold the two to each other).
import type { RgbaImage } from '../../resample';

/** A pixel is ink where one of its channels differs this much from the background's. */
export const INK = 40;
/** The glyph classifier's picture of a glyph: CELLS x CELLS, then its height and width in
 * line heights. */
export const CELLS = 16;

/** A connected piece of ink: its label, its box (right and bottom exclusive), its pixels. */
export interface Blob {
  id: number;
  left: number;
  top: number;
  right: number;
  bottom: number;
  size: number;
}

/** A part of an image: [left, top, right, bottom], right and bottom exclusive. */
export type Region = [number, number, number, number];

export const widthOf = (blob: Blob): number => blob.right - blob.left;
export const heightOf = (blob: Blob): number => blob.bottom - blob.top;

/** The colour most of the pixels `where` (a mask of `region`) are: of the colours rounded to
 * 16 levels a channel, the most common (the first of equals); each channel's lower median
 * over the pixels of that colour. */
export function background(image: RgbaImage, region: Region, where: Uint8Array): [number, number, number] {
  const [left, top, right, bottom] = region;
  const width = right - left;
  const counts = new Int32Array(4096);
  const binOf = (at: number) => (image.data[at] >> 4) * 256 + (image.data[at + 1] >> 4) * 16 + (image.data[at + 2] >> 4);
  for (let y = top; y < bottom; y++) {
    for (let x = left; x < right; x++) {
      if (where[(y - top) * width + x - left]) counts[binOf(4 * (y * image.width + x))]++;
    }
  }
  let common = 0;
  for (let bin = 1; bin < 4096; bin++) if (counts[bin] > counts[common]) common = bin;
  if (!counts[common]) return [0, 0, 0];
  const levels = [new Int32Array(256), new Int32Array(256), new Int32Array(256)];
  for (let y = top; y < bottom; y++) {
    for (let x = left; x < right; x++) {
      const at = 4 * (y * image.width + x);
      if (!where[(y - top) * width + x - left] || binOf(at) !== common) continue;
      for (let channel = 0; channel < 3; channel++) levels[channel][image.data[at + channel]]++;
    }
  }
  const middle = (counts[common] - 1) >> 1;
  return levels.map((histogram) => {
    let seen = 0;
    for (let level = 0; level < 256; level++) {
      seen += histogram[level];
      if (seen > middle) return level;
    }
    return 255;
  }) as [number, number, number];
}

/** How far each pixel of `region` is from `colour`: its largest channel difference, in INKs. */
export function shade(image: RgbaImage, region: Region, colour: number[]): Float32Array {
  const [left, top, right, bottom] = region;
  const shades = new Float32Array((right - left) * (bottom - top));
  let index = 0;
  for (let y = top; y < bottom; y++) {
    for (let x = left; x < right; x++) {
      const at = 4 * (y * image.width + x);
      let most = 0;
      for (let channel = 0; channel < 3; channel++) most = Math.max(most, Math.abs(image.data[at + channel] - colour[channel]));
      shades[index++] = most / INK;
    }
  }
  return shades;
}

/** The 8-connected blobs of a mask `width` pixels wide: labels (blob ids, 0 where there is
 * no ink) and the blobs, numbered 1... in the order their first pixel comes, row by row. */
export function components(mask: Uint8Array, width: number, height: number): { labels: Int32Array; blobs: Blob[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  const rows: number[] = [];
  const rowStart = new Int32Array(height + 1);
  for (let y = 0; y < height; y++) {
    rowStart[y] = starts.length;
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      const start = x;
      while (x < width && mask[y * width + x]) x++;
      starts.push(start);
      ends.push(x);
      rows.push(y);
    }
  }
  rowStart[height] = starts.length;
  const sets = new Sets(starts.length);
  for (let y = 1; y < height; y++) {
    let above = rowStart[y - 1];
    const endAbove = rowStart[y];
    for (let run = endAbove; run < rowStart[y + 1]; run++) {
      // runs of the row above that touch this one, diagonals included
      while (above < endAbove && ends[above] < starts[run]) above++;
      for (let other = above; other < endAbove && starts[other] <= ends[run]; other++) sets.join(other, run);
    }
  }
  const labels = new Int32Array(width * height);
  const ids = new Map<number, number>();
  const blobs: Blob[] = [];
  for (let run = 0; run < starts.length; run++) {
    const top = sets.root(run);
    let number = ids.get(top);
    if (number === undefined) {
      number = ids.size + 1;
      ids.set(top, number);
      blobs.push({ id: number, left: starts[run], top: rows[run], right: ends[run], bottom: rows[run] + 1, size: 0 });
    }
    const blob = blobs[number - 1];
    blob.left = Math.min(blob.left, starts[run]);
    blob.right = Math.max(blob.right, ends[run]);
    blob.bottom = rows[run] + 1;
    blob.size += ends[run] - starts[run];
    labels.fill(number, rows[run] * width + starts[run], rows[run] * width + ends[run]);
  }
  return { labels, blobs };
}

/** Items 0 … n-1 in sets joined as the caller finds them together; a set's root is its first
 * item, so that numbering by roots follows the items' order. */
class Sets {
  private readonly parent: number[];

  constructor(count: number) {
    this.parent = Array.from({ length: count }, (_, item) => item);
  }

  root(item: number): number {
    const { parent } = this;
    while (parent[item] !== item) {
      parent[item] = parent[parent[item]];
      item = parent[item];
    }
    return item;
  }

  join(a: number, b: number): void {
    const [x, y] = [this.root(a), this.root(b)];
    this.parent[Math.max(x, y)] = Math.min(x, y);
  }
}

/** The mask with its holes filled: what of the rest cannot be reached from the edge. */
export function filled(mask: Uint8Array, width: number, height: number): Uint8Array {
  const { labels, blobs } = components(mask.map((value) => (value ? 0 : 1)), width, height);
  const edge = new Set(
    blobs.filter((blob) => blob.left === 0 || blob.top === 0 || blob.right === width || blob.bottom === height).map((blob) => blob.id),
  );
  return mask.map((value, index) => (value || (labels[index] > 0 && !edge.has(labels[index])) ? 1 : 0));
}

/** Blobs level with each other (centres within half the taller one's height) and less than
 * two heights apart, chained into lines. Each line from left to right; lines from the top. */
export function textLines(blobs: Blob[]): Blob[][] {
  const sets = new Sets(blobs.length);
  // Only blobs whose centres are within the tallest one's half height can be level: in order
  // of their centres, each is compared with those that follow it that closely.
  const middles = blobs.map((blob) => blob.top + blob.bottom); // twice the centre
  const tallest = Math.max(0, ...blobs.map(heightOf));
  const order = blobs.map((_, index) => index).sort((a, b) => middles[a] - middles[b]);
  order.forEach((i, place) => {
    for (let next = place + 1; next < order.length; next++) {
      const j = order[next];
      if (middles[j] - middles[i] > tallest) break;
      const [a, b] = [blobs[i], blobs[j]];
      const tall = Math.max(heightOf(a), heightOf(b));
      const apart = Math.max(a.left, b.left) - Math.min(a.right, b.right);
      if (middles[j] - middles[i] <= tall && apart < 2 * tall) sets.join(i, j);
    }
  });
  const lines = new Map<number, Blob[]>();
  blobs.forEach((blob, index) => {
    const line = lines.get(sets.root(index)) ?? [];
    line.push(blob);
    lines.set(sets.root(index), line);
  });
  const ordered = joined([...lines.values()]).map((line) => [...line].sort((a, b) => a.left - b.left || a.top - b.top));
  const topOf = (line: Blob[]) => Math.min(...line.map((blob) => blob.top));
  return ordered.sort((a, b) => topOf(a) - topOf(b) || a[0].left - b[0].left);
}

/** Lines level with each other (centres within half the taller one's height) and less than two
 * of its heights apart, joined, from the left: the strokes of a small, faint character may not
 * reach their neighbours by their own heights. */
function joined(lines: Blob[][]): Blob[][] {
  const found: { box: number[]; blobs: Blob[] }[] = []; // box: left, top, right, bottom, height
  const leftOf = (line: Blob[]) => Math.min(...line.map((blob) => blob.left));
  const topOf = (line: Blob[]) => Math.min(...line.map((blob) => blob.top));
  for (const line of [...lines].sort((a, b) => leftOf(a) - leftOf(b) || topOf(a) - topOf(b))) {
    const [left, top, right, bottom] = [leftOf(line), topOf(line), Math.max(...line.map((blob) => blob.right)), Math.max(...line.map((blob) => blob.bottom))];
    const height = lineHeight(line);
    const into = found.find(({ box }) => {
      const tall = Math.max(height, box[4]);
      return Math.abs(top + bottom - (box[1] + box[3])) <= tall && left - box[2] < 2 * tall;
    });
    if (!into) {
      found.push({ box: [left, top, right, bottom, height], blobs: [...line] });
      continue;
    }
    const box = into.box;
    into.box = [Math.min(box[0], left), Math.min(box[1], top), Math.max(box[2], right), Math.max(box[3], bottom), Math.max(height, box[4])];
    into.blobs.push(...line);
  }
  return found.map(({ blobs }) => blobs);
}

export function lineHeight(line: Blob[]): number {
  return Math.max(...line.map(heightOf));
}

/** A line's blobs grouped into characters: a blob joins the character before it while the
 * two together are no wider than 1.1 line heights and the gap between them is under 0.3 of
 * one. Fixed-width scripts only: kanji, kana, digits. */
export function glyphs(line: Blob[]): Blob[][] {
  const height = lineHeight(line);
  const found: Blob[][] = [];
  for (const blob of line) {
    const last = found[found.length - 1];
    if (last) {
      const left = Math.min(...last.map((part) => part.left));
      const right = Math.max(...last.map((part) => part.right));
      if (Math.max(right, blob.right) - left <= 1.1 * height && blob.left - right < 0.3 * height) {
        last.push(blob);
        continue;
      }
    }
    found.push([blob]);
  }
  return found;
}

/** Whether `mark` is `other` or lies on it (its middle within `aside` pixels of its box). */
export function liesOn(mark: Blob, other: Blob, aside = 0): boolean {
  const [x, y] = [(mark.left + mark.right) / 2, (mark.top + mark.bottom) / 2];
  return other.left - aside <= x && x <= other.right + aside && other.top - aside <= y && y <= other.bottom + aside;
}

/** `blob` cut before each of `columns` (counted from its left), each part's box shrunk to its
 * ink: characters drawn touching are one blob. The parts keep the blob's id: a glyph is read
 * within its box. (A blob has ink in every column of its box.) */
export function cut(labels: Int32Array, imageWidth: number, blob: Blob, columns: number[]): Blob[] {
  const edges = [0, ...columns, widthOf(blob)];
  return edges.slice(1).map((end, index) => {
    const start = edges[index];
    let [top, bottom, size] = [heightOf(blob), 0, 0];
    for (let y = 0; y < heightOf(blob); y++) {
      for (let x = start; x < end; x++) {
        if (labels[(blob.top + y) * imageWidth + blob.left + x] !== blob.id) continue;
        [top, bottom, size] = [Math.min(top, y), Math.max(bottom, y + 1), size + 1];
      }
    }
    return { id: blob.id, left: blob.left + start, top: blob.top + top, right: blob.left + end, bottom: blob.top + bottom, size };
  });
}

/** A line's blobs with characters drawn touching set apart, for `glyphs`: a blob about n line
 * heights wide (n >= 2; kanji and kana are about as wide as they are high) is cut into n, each
 * cut at the thinnest column (the first of equals) within a quarter height of where it would
 * fall. Lines under 8 pixels high are too small to tell. */
export function apart(labels: Int32Array, imageWidth: number, line: Blob[], height: number): Blob[] {
  const found: Blob[] = [];
  for (const blob of line) {
    const count = Math.floor((2 * widthOf(blob) + height) / (2 * height)); // rounded
    if (count < 2 || height < 8) {
      found.push(blob);
      continue;
    }
    const ink = Array.from({ length: widthOf(blob) }, (_, x) => {
      let sum = 0;
      for (let y = blob.top; y < blob.bottom; y++) sum += Number(labels[y * imageWidth + blob.left + x] === blob.id);
      return sum;
    });
    const columns: number[] = [];
    for (let number = 1; number < count; number++) {
      const at = Math.floor((2 * number * widthOf(blob) + count) / (2 * count));
      const [low, high] = [Math.max(1, at - Math.floor(height / 4)), Math.min(widthOf(blob) - 1, at + Math.floor(height / 4) + 1)];
      let thinnest = low;
      for (let x = low; x < high; x++) if (ink[x] < ink[thinnest]) thinnest = x;
      columns.push(thinnest);
    }
    found.push(...cut(labels, imageWidth, blob, columns));
  }
  return found.sort((a, b) => a.left - b.left || a.top - b.top);
}

/** What the glyph classifier sees of a character made of `parts` on a line `height` pixels
 * high (labels and shades of an image `imageWidth` pixels wide): its shade, as a share of its
 * darkest (or lightest) pixel's, and that of the faint edges around it that are no blob's ink,
 * centred in a square as big as its longer side; the mean of each of CELLS x CELLS cells (a
 * cell no pixel centre falls in takes the pixel under its centre); then its height and width
 * in line heights. */
export function glyphFeatures(labels: Int32Array, shades: Float32Array, imageWidth: number, parts: Blob[], height: number): Float32Array {
  const left = Math.min(...parts.map((part) => part.left));
  const top = Math.min(...parts.map((part) => part.top));
  const width = Math.max(...parts.map((part) => part.right)) - left;
  const tall = Math.max(...parts.map((part) => part.bottom)) - top;
  const ids = new Set(parts.map((part) => part.id));
  let peak = 0;
  for (let y = 0; y < tall; y++) {
    for (let x = 0; x < width; x++) {
      const at = (top + y) * imageWidth + left + x;
      if (ids.has(labels[at])) peak = Math.max(peak, shades[at]);
    }
  }
  const value = (x: number, y: number): number => {
    const at = (top + y) * imageWidth + left + x;
    return ids.has(labels[at]) || labels[at] === 0 ? Math.min(1, shades[at] / peak) : 0; // not another blob's ink
  };
  const side = Math.max(width, tall);
  const padX = (side - width) / 2;
  const padY = (side - tall) / 2;
  const sums = new Float64Array(CELLS * CELLS);
  const counts = new Int32Array(CELLS * CELLS);
  for (let y = 0; y < tall; y++) {
    const row = Math.floor(((y + padY + 0.5) * CELLS) / side);
    for (let x = 0; x < width; x++) {
      const cell = row * CELLS + Math.floor(((x + padX + 0.5) * CELLS) / side);
      sums[cell] += value(x, y);
      counts[cell]++;
    }
  }
  const features = new Float32Array(CELLS * CELLS + 2);
  for (let cell = 0; cell < CELLS * CELLS; cell++) {
    if (counts[cell]) {
      features[cell] = sums[cell] / counts[cell];
      continue;
    }
    const x = Math.floor((((cell % CELLS) + 0.5) * side) / CELLS - padX);
    const y = Math.floor(((Math.floor(cell / CELLS) + 0.5) * side) / CELLS - padY);
    features[cell] = x >= 0 && x < width && y >= 0 && y < tall ? value(x, y) : 0;
  }
  features[CELLS * CELLS] = tall / height;
  features[CELLS * CELLS + 1] = width / height;
  return features;
}
