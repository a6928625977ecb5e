// Which models the board reader fits: the 29 kinds of square, told by their labels.
export const BLANK = 'BLANK';
/** A piece's label is its side (B_ sente, W_ gote) and one of these kinds. */
const KINDS = ['FU', 'KY', 'KE', 'GI', 'KI', 'KA', 'HI', 'OU', 'TO', 'NY', 'NK', 'NG', 'UM', 'RY'];

export function fitsShogiBoard(labels: string[]): boolean {
  const wanted = new Set([BLANK, ...KINDS.flatMap((kind) => [`B_${kind}`, `W_${kind}`])]);
  return labels.length === wanted.size && labels.every((label) => wanted.has(label));
}
