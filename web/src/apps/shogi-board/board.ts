// A board screenshot on the main thread: decode, find the grid, cut the 81 squares by the
// one rule in board-geometry.json (as pipeline/shogi/squares.py does), and write SFEN.
import geometry from './board-geometry.json';
import { GridBox, SEARCH_SIDE, findGrid, slices, yieldToBrowser } from './grid';
import { BLANK } from './labels';
import type { Pixels } from '../../protocol';
import { RgbaImage, decodeImage, luma, resample, resampleInSlices } from '../../resample';

export const SFEN_LETTERS: Record<string, string> = {
  FU: 'P', KY: 'L', KE: 'N', GI: 'S', KI: 'G', KA: 'B', HI: 'R', OU: 'K',
  TO: '+P', NY: '+L', NK: '+N', NG: '+S', UM: '+B', RY: '+R',
};

export class BoardError extends Error {}

/** Decodes an image file off the main thread, as stored (`decodeImage`), no resizing. */
export async function decodeBoard(file: Blob): Promise<ImageBitmap> {
  try {
    return await decodeImage(file);
  } catch {
    throw new BoardError(`${file instanceof File ? file.name : 'the file'} is not an image this browser can read`);
  }
}

/** Where the board's grid is in the image, searched at SEARCH_SIDE at most (as in Python). */
export async function locateGrid(image: RgbaImage): Promise<GridBox> {
  const scale = Math.min(1, SEARCH_SIDE / Math.max(image.width, image.height));
  const width = Math.round(image.width * scale);
  const height = Math.round(image.height * scale);
  const rgb = await resampleInSlices(image, [0, 0, image.width, image.height], width, height, slices());
  await yieldToBrowser();
  const box = await findGrid(luma(rgb), width, height);
  const [x, y] = [image.width / width, image.height / height];
  return { left: box.left * x, top: box.top * y, right: box.right * x, bottom: box.bottom * y };
}

/** The 81 squares in SFEN order (rank 1 first, file 9 to 1), each `size` x `size`, a rank at
 * a time, letting the browser run between squares when a slice of time has gone by. */
export async function* squaresByRank(image: RgbaImage, grid: GridBox, size: number): AsyncGenerator<Pixels[]> {
  const width = (grid.right - grid.left) / geometry.files;
  const height = (grid.bottom - grid.top) / geometry.ranks;
  const margin = geometry.margin;
  const pace = slices();
  for (let row = 0; row < geometry.ranks; row++) {
    const rank: Pixels[] = [];
    for (let column = 0; column < geometry.files; column++) {
      await pace();
      const box: [number, number, number, number] = [
        grid.left + (column + margin) * width,
        grid.top + (row + margin) * height,
        grid.left + (column + 1 - margin) * width,
        grid.top + (row + 1 - margin) * height,
      ];
      rank.push({ width: size, height: size, rgb: resample(image, box, size, size) });
    }
    yield rank;
  }
}

/** All 81 squares of `squaresByRank`. */
export async function cutSquares(image: RgbaImage, grid: GridBox, size: number): Promise<Pixels[]> {
  const squares: Pixels[] = [];
  for await (const rank of squaresByRank(image, grid, size)) squares.push(...rank);
  return squares;
}

/** The board part of an SFEN for 81 labels in SFEN order (sente uppercase). */
export function sfenBoard(labels: string[]): string {
  const rows: string[] = [];
  for (let row = 0; row < geometry.ranks; row++) {
    let text = '';
    let empty = 0;
    for (const label of labels.slice(row * geometry.files, (row + 1) * geometry.files)) {
      if (label === BLANK) {
        empty++;
        continue;
      }
      const letter = SFEN_LETTERS[label.slice(2)];
      if (!letter) throw new BoardError(`the model's class ${label} is not a shogi square`);
      text += (empty ? String(empty) : '') + (label.startsWith('B_') ? letter : letter.toLowerCase());
      empty = 0;
    }
    rows.push(text + (empty ? String(empty) : ''));
  }
  return rows.join('/');
}
