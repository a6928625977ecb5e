// Finding the 9x9 grid of a shogi board in a screenshot: the same steps as pipeline/shogi/grid.py
// (tests hold the two to each other). Lines are thin and run the whole board; piece strokes
// are short. Each column (row) is scored by the share of it that is a thin line, and the
// grid is the ten equally spaced columns (rows) that score best together, moved over by one
// line where the cell beyond them is crossed by the lines the other way and their own cell
// at the other end is not (pieces in hand or their stand lined up beside the board).
import { median } from '../../statistics';
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
/** How much more of a cell beyond the grid than of its cell at the other end the lines
 * running the other way must cross for the grid to move over one line (as grid.py). */
const CROSSED = 0.5;

/** Longest stretch of work before the search lets the browser run (it runs on the page's
 * main thread, which must never stall for a frame). */
const SLICE_MS = 8;

export class GridError extends Error {}

/** Lets the browser run (paint, handle input) before the caller goes on: where it has
 * scheduler.yield, the caller goes on first after that; else after a message round trip.
 * Not setTimeout: once nested, its every wait is 4 ms or more. */
export function yieldToBrowser(): Promise<void> {
  const { scheduler } = globalThis as { scheduler?: { yield?: () => Promise<void> } };
  if (scheduler?.yield) return scheduler.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** A pace for long work on the main thread: each call lets the browser run if SLICE_MS of
 * work have gone by since it last did. */
export function slices(): () => Promise<void> {
  let sliceStarted = performance.now();
  return async () => {
    if (performance.now() - sliceStarted > SLICE_MS) {
      await yieldToBrowser();
      sliceStarted = performance.now();
    }
  };
}

/** Longer side at which larger screenshots are searched (as pipeline/shogi/grid.py). */
export const SEARCH_SIDE = 640;

/** Which pixels (row by row) are on a thin line running up and down (`vertical`) or across:
 * darker or lighter than the paper WINDOW pixels to both sides. Lets the browser run every
 * SLICE_MS. */
export async function lineMask(gray: Float32Array, width: number, height: number, vertical: boolean): Promise<Uint8Array> {
  const mask = new Uint8Array(width * height);
  const step = vertical ? 1 : width;
  const length = vertical ? width : height;
  const pace = slices();
  for (let y = 0; y < height; y++) {
    await pace();
    for (let x = 0; x < width; x++) {
      const position = vertical ? x : y;
      const index = y * width + x;
      const value = gray[index];
      const a = gray[index - (position - Math.max(0, position - WINDOW)) * step];
      const b = gray[index + (Math.min(length - 1, position + WINDOW) - position) * step];
      if (Math.min(a, b) - value > LINE_CONTRAST || value - Math.max(a, b) > LINE_CONTRAST) mask[index] = 1;
    }
  }
  return mask;
}

/** Per column (`vertical`) or row: the share of it that is a thin line (lineMask). */
export function lineProfile(mask: Uint8Array, width: number, height: number, vertical: boolean): Float32Array {
  const profile = new Float32Array(vertical ? width : height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) profile[vertical ? x : y] += mask[y * width + x];
  }
  const across = vertical ? height : width;
  return profile.map((count) => count / across);
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

/** The profile at every quarter pixel, as `interpolate` gives it. */
function quarters(profile: Float32Array): Float64Array {
  return Float64Array.from({ length: 4 * (profile.length - 1) + 1 }, (_, index) => interpolate(profile, index / 4));
}

async function search(profile: Float32Array, spacings: number[], near?: number): Promise<Lines> {
  let best: Lines = { first: 0, spacing: 0, score: -1 };
  // The coarse search's lines all fall on quarter pixels (starts a half apart, spacings a
  // quarter): read from a table, the same values come many times faster.
  const table = near === undefined ? quarters(profile) : undefined;
  const pace = slices();
  for (const spacing of spacings) {
    await pace();
    const lastStart = profile.length - 1 - spacing * (LINES - 1);
    const from = near === undefined ? 0 : Math.max(0, near - 1);
    const to = near === undefined ? lastStart : Math.min(lastStart, near + 1);
    const step = near === undefined ? 0.5 : 0.1;
    for (let index = 0; from + index * step <= to + 1e-9; index++) {
      const start = from + index * step;
      let score = 0;
      for (let line = 0; line < LINES; line++) {
        const x = start + spacing * line;
        score += table ? table[x * 4] : interpolate(profile, x);
      }
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

export async function findGrid(gray: Float32Array, width: number, height: number): Promise<GridBox> {
  if (Math.min(width, height) < SMALLEST_SQUARE * (LINES - 1)) {
    throw new GridError(`${width}x${height} pixels is too small to hold a 9x9 board`);
  }
  const vertical = await lineMask(gray, width, height, true);
  const columns = lineProfile(vertical, width, height, true);
  await yieldToBrowser();
  const horizontal = await lineMask(gray, width, height, false);
  const rows = lineProfile(horizontal, width, height, false);
  await yieldToBrowser();
  const columnLines = await bestLines(columns);
  const rowLines = await bestLines(rows);
  for (const [profile, lines] of [[columns, columnLines], [rows, rowLines]] as const) {
    if (lines.score / LINES - median(profile) < STANDOUT) {
      throw new GridError('no 9x9 grid of lines found (is this a shogi board screenshot?)');
    }
  }
  await yieldToBrowser();
  const left = settled(columnLines, rowLines, (along, across) => horizontal[across * width + along], width, height);
  const top = settled(rowLines, { ...columnLines, first: left }, (along, across) => vertical[along * width + across], height, width);
  return {
    left,
    top,
    right: left + columnLines.spacing * (LINES - 1),
    bottom: top + rowLines.spacing * (LINES - 1),
  };
}

/** The first of `lines`, moved over by one where a cell beyond them is crossed by the lines
 * the other way (`other`; `crossing(along, across)` is their mask) by CROSSED more than their
 * cell at the other end (as grid.py `settled`). */
function settled(
  lines: Lines,
  other: Lines,
  crossing: (along: number, across: number) => number,
  length: number,
  otherLength: number,
): number {
  const { first, spacing } = lines;
  const crossed = (cell: number): number => {
    const start = pixel(first + cell * spacing);
    const end = pixel(first + (cell + 1) * spacing);
    if (start < 0 || end > length) return -1;
    // along the eight inner lines the other way, which a shift by one of those leaves
    let shares = 0;
    for (let line = 1; line < LINES - 1; line++) {
      const at = pixel(other.first + line * other.spacing);
      let count = 0;
      for (let along = start; along < end; along++) {
        for (let across = Math.max(0, at - 1); across <= Math.min(at + 1, otherLength - 1); across++) {
          if (crossing(along, across)) {
            count++;
            break;
          }
        }
      }
      shares += count / (end - start);
    }
    return shares / (LINES - 2);
  };
  const back = crossed(-1) - crossed(LINES - 2);
  const forward = crossed(LINES - 1) - crossed(0);
  if (Math.max(back, forward) <= CROSSED) return first;
  return back > forward ? first - spacing : first + spacing;
}

/** The pixel a position falls in, rounded half up (as grid.py). */
function pixel(position: number): number {
  return Math.floor(position + 0.5);
}
