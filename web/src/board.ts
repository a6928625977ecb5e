// A board screenshot on the main thread: decode, find the grid, cut the 81 squares by the
// one rule in board-geometry.json (as pipeline/squares.py does), and write SFEN.
import geometry from './board-geometry.json';
import { GridBox, SEARCH_SIDE, findGrid, grayscale, yieldToBrowser } from './grid';
import type { Pixels } from './protocol';

/** Larger screenshots are shrunk on decoding (as pipeline/recognize.py does). */
const LONGEST_SIDE = 2048;

export const BLANK = 'BLANK';
const SFEN_LETTERS: Record<string, string> = {
  FU: 'P', KY: 'L', KE: 'N', GI: 'S', KI: 'G', KA: 'B', HI: 'R', OU: 'K',
  TO: '+P', NY: '+L', NK: '+N', NG: '+S', UM: '+B', RY: '+R',
};

export class BoardError extends Error {}

/** Decodes an image file off the main thread, shrunk to LONGEST_SIDE at most. */
export async function decodeBoard(file: Blob): Promise<ImageBitmap> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new BoardError(`${file instanceof File ? file.name : 'the file'} is not an image this browser can read`);
  }
  const scale = Math.min(1, LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
  if (scale === 1) return bitmap;
  const shrunk = await createImageBitmap(bitmap, {
    resizeWidth: Math.max(1, Math.round(bitmap.width * scale)),
    resizeHeight: Math.max(1, Math.round(bitmap.height * scale)),
    resizeQuality: 'high',
  });
  bitmap.close();
  return shrunk;
}

function pixelsOf(source: CanvasImageSource, box: [number, number, number, number], width: number, height: number) {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new BoardError('this browser has no 2D canvas');
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'low'; // bilinear, as the rule says
  const [left, top, right, bottom] = box;
  context.drawImage(source, left, top, right - left, bottom - top, 0, 0, width, height);
  return context.getImageData(0, 0, width, height);
}

/** Where the board's grid is in the bitmap (searched at SEARCH_SIDE, as in Python). */
export async function locateGrid(bitmap: ImageBitmap): Promise<GridBox> {
  const scale = Math.min(1, SEARCH_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.round(bitmap.width * scale);
  const height = Math.round(bitmap.height * scale);
  const image = pixelsOf(bitmap, [0, 0, bitmap.width, bitmap.height], Math.max(1, width), Math.max(1, height));
  const box = await findGrid(grayscale(image.data), image.width, image.height);
  return { left: box.left / scale, top: box.top / scale, right: box.right / scale, bottom: box.bottom / scale };
}

/** The 81 squares in SFEN order (rank 1 first, file 9 to 1), each `size` x `size`; one
 * rank at a time, letting the browser run in between. */
export async function cutSquares(bitmap: ImageBitmap, grid: GridBox, size: number): Promise<Pixels[]> {
  const width = (grid.right - grid.left) / geometry.files;
  const height = (grid.bottom - grid.top) / geometry.ranks;
  const margin = geometry.margin;
  const squares: Pixels[] = [];
  for (let row = 0; row < geometry.ranks; row++) {
    await yieldToBrowser();
    for (let column = 0; column < geometry.files; column++) {
      const box: [number, number, number, number] = [
        grid.left + (column + margin) * width,
        grid.top + (row + margin) * height,
        grid.left + (column + 1 - margin) * width,
        grid.top + (row + 1 - margin) * height,
      ];
      const image = pixelsOf(bitmap, box, size, size);
      squares.push({ width: size, height: size, data: image.data });
    }
  }
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
