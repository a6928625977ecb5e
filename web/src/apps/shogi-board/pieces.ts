// How a square's label is shown and named: its kanji, which side it belongs to, and words
// for screen readers and tooltips.
import { BLANK } from './labels';
import { KANJI } from './position';

/** The 14 kinds, unpromoted first, as KANJI lists them. */
const KINDS = Object.keys(KANJI);
/** Each kind in English, as one piece. */
export const KIND_NAMES: Record<string, string> = {
  FU: 'pawn', KY: 'lance', KE: 'knight', GI: 'silver', KI: 'gold', KA: 'bishop', HI: 'rook', OU: 'king',
  TO: 'tokin', NY: 'promoted lance', NK: 'promoted knight', NG: 'promoted silver', UM: 'horse', RY: 'dragon',
};

/** Every label a square can hold, in the order the palette shows them: sente's pieces, gote's,
 * then the empty square. */
export const ALL_LABELS: readonly string[] = [
  ...KINDS.map((kind) => `B_${kind}`),
  ...KINDS.map((kind) => `W_${kind}`),
  BLANK,
];

/** The piece's kanji, '' for an empty square, '?' for a label no shogi square has. */
export function kanjiOf(label: string): string {
  return label === BLANK ? '' : (KANJI[label.slice(2)] ?? '?');
}

export function isGote(label: string): boolean {
  return label.startsWith('W_');
}

/** The same piece for the other side; an empty square stays empty. */
export function otherSide(label: string): string {
  if (label === BLANK) return BLANK;
  return (isGote(label) ? 'B_' : 'W_') + label.slice(2);
}

/** "sente rook", "gote tokin", "empty". */
export function nameOf(label: string): string {
  if (label === BLANK) return 'empty';
  const kind = KIND_NAMES[label.slice(2)];
  return kind ? `${isGote(label) ? 'gote' : 'sente'} ${kind}` : label;
}

/** The kanji in a span of its own, turned upside down for gote as on a real board. */
export function pieceElement(label: string): HTMLSpanElement {
  const piece = document.createElement('span');
  piece.className = isGote(label) ? 'piece gote' : 'piece';
  piece.textContent = label === BLANK ? '・' : kanjiOf(label);
  return piece;
}
