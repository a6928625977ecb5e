// Reading the pieces in hand from a board screenshot, where it shows them: the same steps as
// pipeline/shogi/hands.py (whose docstring tells them; tests hold the two to each other).
// Outside the grid, ink against the page's colour comes apart into blobs: piece-sized ones go
// through the board's model (kind and side), small ones are characters: the count beside a
// piece, or kifu viewers' 「先手の持駒：歩二　角」 lines, read by the glyph classifier.
import geometry from './board-geometry.json';
import type { GridBox } from './grid';
import type { Pixels } from '../../protocol';
import { type RgbaImage, resample } from '../../resample';
import {
  type Blob, type Region, background, components, filled, apart, cut, glyphFeatures, glyphs, heightOf, liesOn, lineHeight, shade,
  textLines, widthOf,
} from './blobs';
import { DIGITS, type GlyphRead, KIND_GLYPHS, NUMERALS, readGlyphs } from './glyphs';
import {
  HAND_KINDS, type Hand, type HandKind, PIECE_NAMES, PositionError, SIDES, SIDE_NAMES, type Side, UNPROMOTED,
  emptyHands, parseHandLine,
} from './position';

// Sizes in squares of the board (as pipeline/shogi/hands.py).
const PIECE_HEIGHTS = [0.36, 1.25];
const PIECE_WIDTHS = [0.25, 1.2];
const CHARACTER_MOST = 0.65;
const TOUCHING = 3;
const DEPTH = 3;
const EDGE = 2;
const GRID_BORDER = 0.1;
const COUNT_REACH = 0.6;
const DIGIT_HEIGHTS = [0.12, 0.5];
const SPECK = 2;
const ASIDE = 2;
const THINNEST = 2;
const TWO_WIDE = 0.9;
const COUNT_GAP = 0.3;
const SURE = 0.5;
const SURE_OF_DIGITS = 0.8;
const MOST_HELD = 18;
const COUNTED = '123456789';
const SMALLER = 0.8;

/** What `findHands` saw: hands written out as text (and what of such lines could not be
 * read), or else blobs that may be pieces, kept with what reading their counts takes once the
 * model has said which are pieces. */
export interface FoundHands {
  textHands: Partial<Record<Side, Hand>>;
  problems: string[];
  pieces: Blob[];
  characters: Blob[];
  /** The blobs' labels and the pixels' shades, as wide as the image. */
  labels: Int32Array;
  shades: Float32Array;
  width: number;
  square: number[];
}

const asText = (found: FoundHands): boolean => Object.keys(found.textHands).length > 0 || found.problems.length > 0;

/** Both hands as read, where from, and what could not be read, in words for the user. */
export interface HandsRead {
  hands: Record<Side, Hand>;
  source: 'text' | 'pieces' | 'nothing';
  problems: string[];
}

const nameOf = (side: Side): string => SIDE_NAMES[side].toLowerCase();

/** Hands in a screenshot whose board has `grid`, all but the model's part. */
export function findHands(image: RgbaImage, grid: GridBox): FoundHands {
  const { width, height } = image;
  const square = [(grid.right - grid.left) / 9, (grid.bottom - grid.top) / 9];
  const outside = new Uint8Array(width * height).fill(1);
  const board = clipped(
    [grid.left - GRID_BORDER * square[0], grid.top - GRID_BORDER * square[1],
     grid.right + GRID_BORDER * square[0], grid.bottom + GRID_BORDER * square[1]],
    width, height,
  ); // prettier-ignore
  for (let y = board[1]; y < board[3]; y++) outside.fill(0, y * width + board[0], y * width + board[2]);
  const labels = new Int32Array(width * height);
  const shades = new Float32Array(width * height);
  let highest = 0;
  const pieces: Blob[] = [];
  const characters: Blob[] = [];

  // The blobs of ink against the main colour `where` (a mask of `region`); long ones (a stand
  // the pieces lie on, the board's frame, the two touching) looked into again.
  const look = (region: Region, where: Uint8Array, depth: number): void => {
    const [left, top, right, bottom] = region;
    const regionWidth = right - left;
    const regionShades = shade(image, region, background(image, region, where));
    const mask = new Uint8Array(where.length);
    where.forEach((inside, index) => {
      if (!inside) return;
      const at = (top + Math.floor(index / regionWidth)) * width + left + (index % regionWidth);
      shades[at] = regionShades[index];
      mask[index] = regionShades[index] > 1 ? 1 : 0;
    });
    const inner = components(mask, regionWidth, bottom - top);
    const first = highest;
    inner.labels.forEach((id, index) => {
      if (id) labels[(top + Math.floor(index / regionWidth)) * width + left + (index % regionWidth)] = id + first;
    });
    highest = first + inner.blobs.length;
    for (const part of inner.blobs) {
      const blob: Blob = {
        id: part.id + first, left: part.left + left, top: part.top + top,
        right: part.right + left, bottom: part.bottom + top, size: part.size,
      }; // prettier-ignore
      const across = widthOf(blob) / square[0];
      const down = heightOf(blob) / square[1];
      if ((across > PIECE_WIDTHS[1] || down > PIECE_HEIGHTS[1]) && depth < DEPTH) {
        const [w, h] = [widthOf(blob), heightOf(blob)];
        const own = new Uint8Array(w * h);
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) own[y * w + x] = labels[(blob.top + y) * width + blob.left + x] === blob.id ? 1 : 0;
        }
        // its holes too (what is drawn on it in the page's colour), but not other blobs
        const inside = filled(own, w, h);
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const at = (blob.top + y) * width + blob.left + x;
            const edge = y < EDGE || y >= h - EDGE || x < EDGE || x >= w - EDGE; // it blends into what is around it
            if (edge || !outside[at] || (labels[at] !== 0 && labels[at] !== blob.id)) inside[y * w + x] = 0;
          }
        }
        look([blob.left, blob.top, blob.right, blob.bottom], inside, depth + 1);
        continue;
      }
      if (PIECE_HEIGHTS[0] <= down && down <= PIECE_HEIGHTS[1] && PIECE_WIDTHS[0] <= across && across <= PIECE_WIDTHS[1]) {
        pieces.push(blob);
      }
      const character = Math.max(widthOf(blob), heightOf(blob)) <= CHARACTER_MOST * square[1];
      const touching = heightOf(blob) <= CHARACTER_MOST * square[1] && widthOf(blob) <= TOUCHING * heightOf(blob);
      if (blob.size > SPECK && (character || touching)) {
        characters.push(blob); // a large character may be a piece too, or the reverse
      }
    }
  };

  look([0, 0, width, height], outside, 1);
  const [textHands, problems] = readText(labels, shades, width, characters, grid);
  const found = { textHands, problems, pieces: oneAPiece(pieces), characters, labels, shades, width, square };
  return asText(found) ? { ...found, pieces: [], characters: [] } : found;
}

/** The found pieces cut as the board's squares are: a square of the board's size centred on
 * each. */
export function handCrops(image: RgbaImage, grid: GridBox, found: FoundHands, size: number): Pixels[] {
  const margin = geometry.margin;
  const width = (grid.right - grid.left) / 9;
  const height = (grid.bottom - grid.top) / 9;
  return found.pieces.map((piece) => {
    const [x, y] = [(piece.left + piece.right) / 2, (piece.top + piece.bottom) / 2];
    const square: Region = [
      x - width * (0.5 - margin), y - height * (0.5 - margin), x + width * (0.5 - margin), y + height * (0.5 - margin),
    ];
    return { width: size, height: size, rgb: resample(image, square, size, size) };
  });
}

/** Both hands from `findHands`' result and the model's best label and score for each of its
 * pieces. Blobs the model does not take for a piece a hand can hold are not pieces (a count's
 * digits may be among them); the counts are read beside those it does. */
export function handsFrom(found: FoundHands, read: { label: string; score: number }[]): HandsRead {
  const hands = emptyHands();
  if (asText(found)) {
    for (const side of SIDES) hands[side] = found.textHands[side] ?? hands[side];
    return { hands, source: 'text', problems: found.problems };
  }
  const taken: [Blob, Side, HandKind][] = [];
  found.pieces.forEach((blob, index) => {
    const { label, score } = read[index];
    const kind = UNPROMOTED[label.slice(2)] ?? label.slice(2);
    if (score >= SURE && isHandKind(kind)) taken.push([blob, label[0] === 'B' ? 'b' : 'w', kind]);
  });
  // a count's digit can be as large as a small piece, and the model may take it for one: a sure
  // digit smaller than a piece, where that piece's count is written, is its count
  const placed = taken.filter(([blob]) => taken.some(([other]) => isBeside(blob, other, found.square) && heightOf(blob) < SMALLER * heightOf(other)));
  const alone = readGlyphs(placed.map(([blob]) => glyphFeatures(found.labels, found.shades, found.width, [blob], heightOf(blob))));
  const counts = placed.filter((_, index) => COUNTED.includes(alone[index].name) && alone[index].probability >= SURE_OF_DIGITS);
  const held = taken.filter((piece) => !counts.includes(piece));
  // a piece's own parts apart from it (its kanji, a sliver of its edge) are no count's
  const digits = found.characters.filter((mark) => !held.some(([blob]) => liesOn(mark, blob, ASIDE)));
  const problems: string[] = [];
  for (const [blob, side, kind] of held) {
    const count = countBeside(found, blob, digits);
    if (count === null) problems.push(`The count beside ${nameOf(side)}'s ${PIECE_NAMES[kind]} could not be read: check it.`);
    hands[side][kind] += count ?? 1;
  }
  const seen = SIDES.some((side) => HAND_KINDS.some((kind) => hands[side][kind]));
  return { hands, source: seen ? 'pieces' : 'nothing', problems };
}

function isHandKind(kind: string): kind is HandKind {
  return (HAND_KINDS as readonly string[]).includes(kind);
}

function clipped(box: number[], width: number, height: number): Region {
  return [
    Math.max(0, Math.floor(box[0])), Math.max(0, Math.floor(box[1])),
    Math.min(width, Math.ceil(box[2])), Math.min(height, Math.ceil(box[3])),
  ]; // prettier-ignore
}

/** The pieces without the blobs that lie on a larger one. */
function oneAPiece(pieces: Blob[]): Blob[] {
  const kept: Blob[] = [];
  const byArea = [...pieces].sort((a, b) => widthOf(b) * heightOf(b) - widthOf(a) * heightOf(a));
  for (const blob of byArea) {
    const [x, y] = [(blob.left + blob.right) / 2, (blob.top + blob.bottom) / 2];
    if (!kept.some((other) => other.left <= x && x < other.right && other.top <= y && y < other.bottom)) kept.push(blob);
  }
  return kept.sort((a, b) => a.top - b.top || a.left - b.left);
}

// 「先手の持駒：」 and the like; one of its characters may be misread (?), no more.
const HAND_LINE = /^([先後上下?])([手?])([の?])([持?])([駒?])：?/u;
const PREFIX = 6; // characters of it at most
const CONTENT = Object.keys(KIND_GLYPHS).join('') + NUMERALS + 'なし';
// What a kifu line never says, so a misread: nothing after the colon (an empty hand is なし),
// a count of one (a kind alone is one).
const MISREAD = new RegExp(`^\\s*$|[${Object.keys(KIND_GLYPHS).join('')}]一`, 'u');

function readText(
  labels: Int32Array, shades: Float32Array, width: number, characters: Blob[], grid: GridBox,
): [Partial<Record<Side, Hand>>, string[]] {
  const hands: Partial<Record<Side, Hand>> = {};
  const problems: string[] = [];
  const seen = new Set<Side>();
  for (const line of textLines(characters)) {
    const height = lineHeight(line);
    const parts = glyphs(apart(labels, width, line, height));
    const features = (from: number, to?: number) => parts.slice(from, to).map((glyph) => glyphFeatures(labels, shades, width, glyph, height));
    // the rest of a line only if it starts as a hand line does (a move list has hundreds)
    const read = readGlyphs(features(0, PREFIX));
    const start = HAND_LINE.exec(read.map((glyph) => glyph.name).join(''));
    if (!start || start.slice(1).filter((character) => character === '?').length > 1) continue;
    read.push(...readGlyphs(features(PREFIX)));
    const middle = (Math.min(...line.map((blob) => blob.top)) + Math.max(...line.map((blob) => blob.bottom))) / 2;
    const side: Side = start[1] !== '?' ? ('先下'.includes(start[1]) ? 'b' : 'w') : middle < (grid.top + grid.bottom) / 2 ? 'w' : 'b';
    const content = read.slice(start[0].length);
    const text = content.map(({ name }) => (name in KIND_GLYPHS ? `　${name}` : name)).join('');
    const unsure = content.some(({ name, probability }) => probability < SURE || !CONTENT.includes(name)) || MISREAD.test(text);
    const hand = unsure || seen.has(side) ? undefined : handOf(side, text);
    if (hand) hands[side] = hand;
    else problems.push(`The line of ${nameOf(side)}'s pieces in hand could not be read: check them.`);
    seen.add(side);
  }
  if (seen.size) {
    for (const side of SIDES) {
      if (!seen.has(side)) problems.push(`No line of ${nameOf(side)}'s pieces in hand was found: check them.`);
    }
  }
  return [hands, problems];
}

/** The hand a line's pieces and counts (「　歩二　角」) make, or undefined if they make none. */
function handOf(side: Side, text: string): Hand | undefined {
  try {
    return parseHandLine(`${side === 'b' ? '先手' : '後手'}の持駒：${text.trim()}`)[1];
  } catch (error) {
    if (error instanceof PositionError) return undefined;
    throw error;
  }
}

/** The number written just right of a piece: 1 if there is none, null if unreadable. */
function countBeside({ labels, shades, width, square }: FoundHands, piece: Blob, marks: Blob[]): number | null {
  const reach = piece.right + COUNT_REACH * square[0];
  const beside = marks.filter((mark) => isBeside(mark, piece, square));
  const near = beside
    .filter((mark) => DIGIT_HEIGHTS[0] * square[1] <= heightOf(mark) && heightOf(mark) <= DIGIT_HEIGHTS[1] * square[1]
      && widthOf(mark) >= THINNEST)
    .sort((a, b) => a.left - b.left); // prettier-ignore
  if (!near.length || near[0].left > reach) return 1;
  const chain = [near[0]];
  for (const mark of near.slice(1)) {
    const last = chain[chain.length - 1];
    const level = Math.abs(mark.top + mark.bottom - (last.top + last.bottom)) <= Math.max(heightOf(mark), heightOf(last));
    // what lies on a digit is read with it (readDigit)
    if (level && mark.left - last.right <= COUNT_GAP * square[1] && !liesOn(mark, last)) chain.push(mark);
  }
  const height = lineHeight(chain);
  const read = chain.flatMap((mark) => readDigit(labels, shades, width, mark, beside, height));
  if (read[0].name in KIND_GLYPHS && read[0].probability >= SURE_OF_DIGITS) return 1; // no count: the kanji of a piece beside it
  const digits = read.map(({ name }) => name).filter((name) => name !== '×').join('');
  if (!digits || read.some(({ name, probability }) => probability < SURE_OF_DIGITS || !DIGITS.includes(name))) return null;
  const count = Number(digits);
  return count >= 1 && count <= MOST_HELD ? count : null;
}

/** Whether `mark` is where `piece`'s count would be: just right of it, level with its lower part. */
function isBeside(mark: Blob, piece: Blob, square: number[]): boolean {
  const middle = (mark.top + mark.bottom) / 2;
  return piece.right - GRID_BORDER * square[0] <= mark.left && mark.left <= piece.right + 2 * COUNT_REACH * square[0]
    && piece.top + 0.3 * heightOf(piece) <= middle && middle <= piece.bottom + 0.15 * square[1]; // prettier-ignore
}

/** What a digit-sized `mark` of a count reads as: alone, or with the `marks` that lie within it
 * (a stroke blur parted from it, as the hook of a 2; a speck in its hole), whichever the glyph
 * classifier is surer of. A mark as wide as two characters is two touching ("×4") where some
 * cut of its middle half reads as two sure digits (the cut whose less sure half is surest), and
 * no digit alone (a "×" may be that wide). */
function readDigit(labels: Int32Array, shades: Float32Array, width: number, mark: Blob, marks: Blob[], height: number): GlyphRead[] {
  const read = (characters: Blob[][]) => readGlyphs(characters.map((parts) => glyphFeatures(labels, shades, width, parts, height)));
  const within = marks.filter((other) => other !== mark && liesOn(other, mark));
  const whole = read(within.length ? [[mark], [mark, ...within]] : [[mark]]).reduce((surest, glyph) =>
    glyph.probability > surest.probability ? glyph : surest,
  );
  if (widthOf(mark) < TWO_WIDE * height) return [whole];
  let [best, surest]: [GlyphRead[] | null, number] = [null, 0];
  const first = Math.floor(widthOf(mark) / 4);
  for (let column = first; column < Math.max(first + 1, Math.floor((3 * widthOf(mark)) / 4)); column++) {
    const split = read(cut(labels, width, mark, [column]).map((half) => [half]));
    const least = Math.min(...split.map(({ name, probability }) => (DIGITS.includes(name) ? probability : 0)));
    if (least >= SURE_OF_DIGITS && least > surest) [best, surest] = [split, least];
  }
  return best ?? [{ name: whole.name, probability: /^[0-9]$/.test(whole.name) ? 0 : whole.probability }];
}
