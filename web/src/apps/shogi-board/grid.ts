// Finding the 9x9 grid of a shogi board in a screenshot: the same steps as pipeline/shogi/grid.py
// (tests hold the two to each other). Lines are thin and run the whole board; piece strokes
// are short. Each column (row) is scored by the share of it that is a thin line, and the
// grid is the ten equally spaced columns (rows) that score best together.
import geometry from './board-geometry.json';

/** Centres of the grid's outer lines, in pixels. */
export interface GridBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const LINES = geometry.files + 1;
const SMALLEST_SQUARE = 8;
const LINE_CONTRAST = 12;
const WINDOW = 3;
/** How much more of its length each grid line must be line than the median column (row)
 * is (as pipeline/shogi/grid.py). */
const STANDOUT = 0.2;

/** Longest stretch of work before the search lets the browser run (it runs on the page's
 * main thread, which must never stall for a frame). */
const SLICE_MS = 8;

export class GridError extends Error {}

/** Lets the browser run (paint, handle input) before the caller goes on. */
export function yieldToBrowser(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Longer side at which larger screenshots are searched (as pipeline/shogi/grid.py). */
export const SEARCH_SIDE = 640;

/** Per column (`vertical`) or row: the share of it that is a thin line, darker or lighter
 * than the paper WINDOW pixels to both sides. */
export function lineProfile(gray: Float32Array, width: number, height: number, vertical: boolean): Float32Array {
  const length = vertical ? width : height;
  const across = vertical ? height : width;
  const at = vertical ? (along: number, i: number) => gray[i * width + along] : (along: number, i: number) => gray[along * width + i];
  const profile = new Float32Array(length);
  for (let position = 0; position < length; position++) {
    const before = Math.max(0, position - WINDOW);
    const after = Math.min(length - 1, position + WINDOW);
    let count = 0;
    for (let i = 0; i < across; i++) {
      const value = at(position, i);
      const a = at(before, i);
      const b = at(after, i);
      if (Math.min(a, b) - value > LINE_CONTRAST || value - Math.max(a, b) > LINE_CONTRAST) count++;
    }
    profile[position] = count / across;
  }
  return profile;
}

interface Lines {
  first: number;
  spacing: number;
  score: number;
}

function interpolate(profile: Float32Array, x: number): number {
  const low = Math.floor(x);
  const high = Math.min(low + 1, profile.length - 1);
  return profile[low] + (profile[high] - profile[low]) * (x - low);
}

async function search(profile: Float32Array, spacings: number[], near?: number): Promise<Lines> {
  let best: Lines = { first: 0, spacing: 0, score: -1 };
  let sliceStarted = performance.now();
  for (const spacing of spacings) {
    if (performance.now() - sliceStarted > SLICE_MS) {
      await yieldToBrowser();
      sliceStarted = performance.now();
    }
    const lastStart = profile.length - 1 - spacing * (LINES - 1);
    const from = near === undefined ? 0 : Math.max(0, near - 1);
    const to = near === undefined ? lastStart : Math.min(lastStart, near + 1);
    const step = near === undefined ? 0.5 : 0.1;
    for (let index = 0; from + index * step <= to + 1e-9; index++) {
      const start = from + index * step;
      let score = 0;
      for (let line = 0; line < LINES; line++) score += interpolate(profile, start + spacing * line);
      if (score > best.score) best = { first: start, spacing, score };
    }
  }
  return best;
}

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let index = 0; from + index * step <= to + 1e-9; index++) values.push(from + index * step);
  return values;
}

/** Coarse search over every spacing, then a fine one around the best. */
export async function bestLines(profile: Float32Array): Promise<Lines> {
  const widest = (profile.length - 1) / (LINES - 1);
  const coarse = await search(profile, range(SMALLEST_SQUARE, widest, 0.25));
  const fine = range(coarse.spacing - 0.25, coarse.spacing + 0.25, 0.02).filter(
    (spacing) => spacing >= SMALLEST_SQUARE && spacing <= widest,
  );
  return search(profile, fine, coarse.first);
}

function median(values: Float32Array): number {
  const sorted = Float32Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export async function findGrid(gray: Float32Array, width: number, height: number): Promise<GridBox> {
  if (Math.min(width, height) < SMALLEST_SQUARE * (LINES - 1)) {
    throw new GridError(`${width}x${height} pixels is too small to hold a 9x9 board`);
  }
  const columns = lineProfile(gray, width, height, true);
  await yieldToBrowser();
  const rows = lineProfile(gray, width, height, false);
  const vertical = await bestLines(columns);
  const horizontal = await bestLines(rows);
  for (const [profile, lines] of [[columns, vertical], [rows, horizontal]] as const) {
    if (lines.score / LINES - median(profile) < STANDOUT) {
      throw new GridError('no 9x9 grid of lines found (is this a shogi board screenshot?)');
    }
  }
  return {
    left: vertical.first,
    top: horizontal.first,
    right: vertical.first + vertical.spacing * (LINES - 1),
    bottom: horizontal.first + horizontal.spacing * (LINES - 1),
  };
}
