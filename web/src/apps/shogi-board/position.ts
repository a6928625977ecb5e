// A shogi position: the 81 squares, both hands, the side to move and the move number.
// Written and read as a full SFEN and as a BOD diagram (the KIF board diagram Japanese shogi
// software reads), and checked for what no game reaches. The same functions as
// pipeline/shogi/position.py: tests/test_position.py holds the two to the same answers,
// messages included, so a change there is made here too.
// Squares are named as the board view names them: file then rank letter, "5e" for 5五.
import { SFEN_LETTERS, sfenBoard } from './board';
import { BLANK } from './labels';

/** Sente ('b') or gote ('w'), as SFEN writes the side to move. */
export type Side = 'b' | 'w';
export const SIDES: readonly Side[] = ['b', 'w'];
/** The kinds a hand holds, in the order SFEN and BOD write them. */
export const HAND_KINDS = ['HI', 'KA', 'KI', 'GI', 'KE', 'KY', 'FU'] as const;
export type HandKind = (typeof HAND_KINDS)[number];
/** How many of each kind a hand holds. */
export type Hand = Record<HandKind, number>;

export interface Position {
  /** 81 square labels (BLANK, B_FU … W_RY) in SFEN order: rank 1 first, file 9 to 1. */
  board: string[];
  hands: Record<Side, Hand>;
  turn: Side;
  /** From 1. */
  moveNumber: number;
}

/** Text that is not a position, or a position that cannot be written; the message says
 * what is wrong. */
export class PositionError extends Error {}

export const SIDE_NAMES: Record<Side, string> = { b: 'Sente', w: 'Gote' };
export const UNPROMOTED: Record<string, string> = { TO: 'FU', NY: 'KY', NK: 'KE', NG: 'GI', UM: 'KA', RY: 'HI' };
// Both sides' sets together; kings are counted a side at a time.
const SET_COUNTS: Hand = { HI: 2, KA: 2, KI: 4, GI: 4, KE: 4, KY: 4, FU: 18 };
export const PIECE_NAMES: Record<string, string> = {
  FU: 'pawn', KY: 'lance', KE: 'knight', GI: 'silver', KI: 'gold', KA: 'bishop', HI: 'rook', OU: 'king',
};
// An unpromoted piece within this many ranks of the far end can never move again.
const STUCK_WITHIN: Record<string, number> = { FU: 1, KY: 1, KE: 2 };
const LABELS = new Set([BLANK, ...Object.keys(SFEN_LETTERS).flatMap((kind) => [`B_${kind}`, `W_${kind}`])]);
// Each SFEN piece, exactly as written (sente uppercase), and its label.
const SFEN_PIECES = new Map(
  Object.entries(SFEN_LETTERS).flatMap(([kind, letter]) => [
    [letter, `B_${kind}`],
    [letter.toLowerCase(), `W_${kind}`],
  ]),
);

export const KANJI: Record<string, string> = {
  FU: '歩', KY: '香', KE: '桂', GI: '銀', KI: '金', KA: '角', HI: '飛', OU: '玉',
  TO: 'と', NY: '杏', NK: '圭', NG: '全', UM: '馬', RY: '龍',
};
// Read besides KANJI: other software writes the dragon and the king these ways.
const KANJI_KINDS = new Map([
  ...Object.entries(KANJI).map(([kind, kanji]): [string, string] => [kanji, kind]),
  ['竜', 'RY'],
  ['王', 'OU'],
]);
const NUMERALS = '一二三四五六七八九';
const FILE_NUMBERS = '９ ８ ７ ６ ５ ４ ３ ２ １';
const EDGE = `+${'-'.repeat(27)}+`;
const RANK_LETTERS = 'abcdefghi';
const DIGITS = '0123456789';
// BOD's names of the sides: 上手 and 下手 in handicap games.
const BOD_SIDES: Record<Side, string[]> = { w: ['後手', '上手'], b: ['先手', '下手'] };

export function emptyHand(): Hand {
  return { HI: 0, KA: 0, KI: 0, GI: 0, KE: 0, KY: 0, FU: 0 };
}

export function emptyHands(): Record<Side, Hand> {
  return { b: emptyHand(), w: emptyHand() };
}

/** The square at `index` in SFEN order, file then rank letter: 0 -> "9a", 80 -> "1i". */
export function squareName(index: number): string {
  return `${9 - (index % 9)}${RANK_LETTERS[Math.floor(index / 9)]}`;
}

// --- SFEN ---------------------------------------------------------------------------------

/** `board turn hands movenumber`, e.g. `lnsgkgsnl/1r5b1/ppppppppp/9/9/9/PPPPPPPPP/1B5R1/LNSGKGSNL b - 1`. */
export function writeSfen(position: Position): string {
  check(position);
  let hands = '';
  for (const side of SIDES) {
    for (const kind of HAND_KINDS) {
      const count = position.hands[side][kind] ?? 0;
      if (!count) continue;
      const letter = SFEN_LETTERS[kind];
      hands += (count > 1 ? String(count) : '') + (side === 'b' ? letter : letter.toLowerCase());
    }
  }
  return `${sfenBoard(position.board)} ${position.turn} ${hands || '-'} ${position.moveNumber}`;
}

/** The position of a full SFEN; the move number may be left out (1). */
export function parseSfen(text: string): Position {
  const trimmed = text.trim();
  const fields = trimmed ? trimmed.split(/\s+/u) : [];
  if (fields.length !== 3 && fields.length !== 4) {
    throw new PositionError(
      `an SFEN is a board, the side to move, the hands and a move number; '${text}' has ${fields.length} fields`,
    );
  }
  const [board, turn, hands] = fields;
  const moveNumber = fields[3] ?? '1';
  if (!isSide(turn)) throw new PositionError(badTurn(turn));
  if (!/^[0-9]+$/u.test(moveNumber) || Number(moveNumber) < 1) throw new PositionError(badMoveNumber(moveNumber));
  return { board: parseBoard(board), hands: parseSfenHands(hands), turn, moveNumber: Number(moveNumber) };
}

/** The 81 labels in SFEN order of an SFEN board part (the inverse of `sfenBoard`). */
export function parseBoard(text: string): string[] {
  const ranks = text.split('/');
  if (ranks.length !== 9) {
    throw new PositionError(`the board needs 9 ranks separated by '/': '${text}' has ${ranks.length}`);
  }
  const board: string[] = [];
  ranks.forEach((row, index) => {
    const rank = index + 1;
    const squares: string[] = [];
    for (const token of sfenTokens(row)) {
      const label = SFEN_PIECES.get(token);
      if (DIGITS.includes(token[0])) {
        if (token.length > 1 || token === '0') {
          // two numbers run together, or none
          throw new PositionError(`rank ${rank} of the board: '${token}' is not a number of empty squares (1 to 9)`);
        }
        squares.push(...new Array<string>(Number(token)).fill(BLANK));
      } else if (label !== undefined) {
        squares.push(label);
      } else {
        throw new PositionError(`rank ${rank} of the board: unknown piece '${token}'`);
      }
    }
    if (squares.length !== 9) {
      throw new PositionError(`rank ${rank} of the board has ${squares.length} squares, not 9: '${row}'`);
    }
    board.push(...squares);
  });
  return board;
}

/** Numbers, and pieces with their '+'; any other character alone. */
function sfenTokens(text: string): string[] {
  return text.match(/[0-9]+|\+?./gsu) ?? [];
}

function parseSfenHands(text: string): Record<Side, Hand> {
  const hands = emptyHands();
  if (text === '-') return hands;
  const seen = new Set<string>();
  let count = '';
  for (const token of sfenTokens(text)) {
    if (DIGITS.includes(token[0])) {
      count = token;
      continue;
    }
    const label = SFEN_PIECES.get(token);
    if (label === undefined) throw new PositionError(`hands: unknown piece '${token}'`);
    const kind = label.slice(2);
    if (kind === 'OU') throw new PositionError('hands: a king is never in a hand');
    if (!isHandKind(kind)) throw new PositionError(`hands: '${token}': a hand holds pieces unpromoted`);
    if (seen.has(token)) throw new PositionError(`hands: '${token}' appears twice in '${text}'`);
    if (count.startsWith('0')) throw new PositionError(`hands: '${count}${token}' is not a count from 1 and a piece`);
    seen.add(token);
    hands[label[0] === 'B' ? 'b' : 'w'][kind] = Number(count || 1);
    count = '';
  }
  if (count) throw new PositionError(`hands: '${count}' at the end is not followed by a piece`);
  return hands;
}

// --- BOD ----------------------------------------------------------------------------------

/** The BOD diagram, every line ending in a newline; `後手番` last when gote is to move. BOD
 * has no move number. */
export function writeBod(position: Position): string {
  check(position);
  const lines = [`後手の持駒：${bodHand(position.hands.w)}`, `  ${FILE_NUMBERS}`, EDGE];
  for (let rank = 0; rank < 9; rank++) {
    const row = position.board.slice(rank * 9, rank * 9 + 9).map(bodSquare).join('');
    lines.push(`|${row}|${NUMERALS[rank]}`);
  }
  lines.push(EDGE, `先手の持駒：${bodHand(position.hands.b)}`);
  if (position.turn === 'w') lines.push('後手番');
  return lines.map((line) => `${line}\n`).join('');
}

function bodSquare(label: string): string {
  if (label === BLANK) return ' ・';
  return (label[0] === 'B' ? ' ' : 'v') + KANJI[label.slice(2)];
}

function bodHand(hand: Hand): string {
  const held = HAND_KINDS.filter((kind) => hand[kind])
    .map((kind) => `${KANJI[kind]}${kanjiCount(hand[kind])}　`)
    .join('');
  return held || 'なし';
}

/** A count as BOD writes it after a piece: nothing for 1, 二 … 九, 十, 十一 … 九十九. */
function kanjiCount(count: number): string {
  if (count > 99) throw new PositionError(`${count} pieces of a kind in a hand are more than BOD can write`);
  const tens = Math.floor(count / 10);
  const ones = count % 10;
  if (count === 1) return '';
  return (tens > 1 ? NUMERALS[tens - 1] : '') + (tens ? '十' : '') + (ones ? NUMERALS[ones - 1] : '');
}

/** The position of a BOD diagram. Lines before `後手の持駒` (a KIF file's headers) and after
 * `先手の持駒` are ignored, but for `後手番`/`先手番` and `手数＝N` (N moves played: move
 * number N + 1). Handicap diagrams' 上手 (gote) and 下手 (sente) are read too. */
export function parseBod(text: string): Position {
  const lines = text.split(/\r\n|\r|\n/u);
  const top = lines.findIndex((line) => BOD_SIDES.w.some((name) => line.startsWith(`${name}の持駒`)));
  if (top < 0) throw new PositionError("not a BOD diagram: no line '後手の持駒：…'");
  const line = (offset: number): string => (lines[top + offset] ?? '').trimEnd();
  const where = (offset: number): string => `BOD line ${top + offset + 1}`;

  const hands = emptyHands();
  hands.w = parseBodHand(line(0), 'w', where(0));
  if (line(1).trim() !== FILE_NUMBERS) {
    throw new PositionError(`${where(1)}: expected the file numbers '${FILE_NUMBERS}'`);
  }
  expectEdge(line(2), where(2));
  const board: string[] = [];
  for (let rank = 0; rank < 9; rank++) {
    const row = /^\|(.{18})\|(.)$/su.exec(line(3 + rank));
    if (!row || row[2] !== NUMERALS[rank]) {
      const numeral = NUMERALS[rank];
      throw new PositionError(`${where(3 + rank)}: expected rank ${numeral}: '|', 9 squares, '|${numeral}'`);
    }
    const characters = Array.from(row[1]); // code points, as the pattern counted them
    for (let file = 0; file < 9; file++) {
      const square = `${where(3 + rank)}, square ${squareName(rank * 9 + file)}`;
      board.push(parseBodSquare(characters[2 * file], characters[2 * file + 1], square));
    }
  }
  expectEdge(line(12), where(12));
  hands.b = parseBodHand(line(13), 'b', where(13));
  let turn: Side = 'b';
  let moveNumber = 1;
  for (const after of lines.slice(top + 14).map((text) => text.trim())) {
    const played = /^手数[＝=]([0-9]+)/u.exec(after);
    if (after === '後手番' || after === '上手番') turn = 'w';
    else if (after === '先手番' || after === '下手番') turn = 'b';
    else if (played) moveNumber = Number(played[1]) + 1;
  }
  return { board, hands, turn, moveNumber };
}

function expectEdge(line: string, where: string): void {
  if (line !== EDGE) throw new PositionError(`${where}: expected the board's edge '${EDGE}'`);
}

function parseBodSquare(side: string, piece: string, where: string): string {
  if (side + piece === ' ・') return BLANK;
  const kind = KANJI_KINDS.get(piece);
  if ((side !== ' ' && side !== 'v') || kind === undefined) {
    throw new PositionError(`${where}: '${side}${piece}' is neither ' ・' nor ' ' or 'v' and a piece`);
  }
  return (side === ' ' ? 'B_' : 'W_') + kind;
}

/** The side and the hand of a 「先手の持駒：歩二　角」 line (後手, 上手 and 下手 too). */
export function parseHandLine(line: string, where = 'the hand line'): [Side, Hand] {
  for (const side of SIDES) {
    if (BOD_SIDES[side].some((name) => line.startsWith(`${name}の持駒`))) return [side, parseBodHand(line, side, where)];
  }
  throw new PositionError(`${where}: expected '先手の持駒：' or '後手の持駒：' and the pieces or なし`);
}

function parseBodHand(line: string, side: Side, where: string): Hand {
  const found = new RegExp(`^(${BOD_SIDES[side].join('|')})の持駒[：:](.*)$`, 'su').exec(line);
  if (!found) throw new PositionError(`${where}: expected '${BOD_SIDES[side][0]}の持駒：' and the pieces or なし`);
  const hand = emptyHand();
  const held = found[2].trim();
  if (held === 'なし' || held === '') return hand;
  for (const item of held.split(/[ 　]+/u)) {
    const [first, ...rest] = Array.from(item);
    const kind = KANJI_KINDS.get(first);
    if (kind === undefined || !isHandKind(kind)) {
      throw new PositionError(`${where}: '${item}' is not a piece a hand holds`);
    }
    if (hand[kind]) throw new PositionError(`${where}: ${first} appears twice`);
    hand[kind] = parseKanjiCount(rest.join(''), `${where}: '${item}'`);
  }
  return hand;
}

/** The inverse of kanjiCount (一 alone is read as 1 too). */
function parseKanjiCount(text: string, where: string): number {
  const found = new RegExp(`^(?:([${NUMERALS.slice(1)}])?(十))?([${NUMERALS}])?$`, 'su').exec(text);
  if (!found) throw new PositionError(`${where}: the count is not a kanji numeral`);
  if (!text) return 1;
  const tens = found[1] ? NUMERALS.indexOf(found[1]) + 1 : found[2] ? 1 : 0;
  return 10 * tens + (found[3] ? NUMERALS.indexOf(found[3]) + 1 : 0);
}

// --- warnings -----------------------------------------------------------------------------

/** What no game reaches, each a sentence naming the side and squares: a side without its one
 * king or with more; more pieces of a kind than a set has (board and hands, promoted ones
 * with their kind); two unpromoted pawns of a side on a file (nifu); a pawn, lance or knight
 * where it can never move. Empty for a position a game can reach, as far as these go. */
export function positionWarnings(position: Position): string[] {
  check(position);
  const found: string[] = [];
  const squares = new Map<string, number[]>(); // label -> its squares
  position.board.forEach((label, index) => squares.set(label, [...(squares.get(label) ?? []), index]));
  for (const side of SIDES) {
    const kings = squares.get(`${side.toUpperCase()}_OU`) ?? [];
    if (!kings.length) found.push(`${SIDE_NAMES[side]} has no king.`);
    else if (kings.length > 1) found.push(`${SIDE_NAMES[side]} has ${kings.length} kings: ${names(kings)}.`);
  }
  for (const kind of HAND_KINDS) {
    let total = SIDES.reduce((sum, side) => sum + (position.hands[side][kind] ?? 0), 0);
    for (const [label, where] of squares) {
      if (label !== BLANK && (UNPROMOTED[label.slice(2)] ?? label.slice(2)) === kind) total += where.length;
    }
    if (total > SET_COUNTS[kind]) {
      found.push(`${total} ${PIECE_NAMES[kind]}s on the board and in hands; a set has ${SET_COUNTS[kind]}.`);
    }
  }
  for (const side of SIDES) {
    const pawns = squares.get(`${side.toUpperCase()}_FU`) ?? [];
    for (let file = 9; file >= 1; file--) {
      const onFile = pawns.filter((index) => 9 - (index % 9) === file);
      if (onFile.length > 1) {
        const pawnsOnFile = `${onFile.length} unpromoted pawns on file ${file}`;
        found.push(`${SIDE_NAMES[side]} has ${pawnsOnFile} (nifu): ${names(onFile)}.`);
      }
    }
  }
  position.board.forEach((label, index) => {
    if (label === BLANK) return;
    const side: Side = label[0] === 'B' ? 'b' : 'w';
    const rank = Math.floor(index / 9) + 1;
    const ahead = side === 'b' ? rank : 10 - rank; // 1: the last rank this side moves towards
    if (ahead <= (STUCK_WITHIN[label.slice(2)] ?? 0)) {
      found.push(`${SIDE_NAMES[side]} ${PIECE_NAMES[label.slice(2)]} on ${squareName(index)} can never move.`);
    }
  });
  return found;
}

function names(indices: number[]): string {
  return indices.map(squareName).join(', ');
}

// --- what every writer checks first -------------------------------------------------------

/** Refuses a position that is not one at all (for what no game reaches, see
 * positionWarnings). */
function check(position: Position): void {
  const { board } = position;
  if (board.length !== 81) throw new PositionError(`a board has 81 squares, this one has ${board.length}`);
  board.forEach((label, index) => {
    if (!LABELS.has(label)) throw new PositionError(`square ${squareName(index)}: unknown label '${label}'`);
  });
  if (!isSide(position.turn)) throw new PositionError(badTurn(position.turn));
  for (const side of SIDES) {
    const hand: Partial<Record<string, number>> | undefined = position.hands[side];
    if (hand === undefined) throw new PositionError(`${SIDE_NAMES[side]} has no hand (hands are keyed b and w)`);
    for (const [kind, count] of Object.entries(hand)) {
      if (!isHandKind(kind)) {
        throw new PositionError(`${SIDE_NAMES[side]}'s hand holds '${kind}'; a hand holds ${HAND_KINDS.join(' ')}`);
      }
      if (!Number.isInteger(count) || (count ?? 0) < 0) {
        throw new PositionError(`${SIDE_NAMES[side]}'s hand has ${count} ${kind}; a count is a whole number from 0`);
      }
    }
  }
  const number = position.moveNumber;
  if (!Number.isInteger(number) || number < 1) throw new PositionError(badMoveNumber(number));
}

function isSide(text: string): text is Side {
  return (SIDES as readonly string[]).includes(text);
}

function isHandKind(kind: string): kind is HandKind {
  return (HAND_KINDS as readonly string[]).includes(kind);
}

function badTurn(turn: string): string {
  return `the side to move is '${turn}'; it must be b (sente) or w (gote)`;
}

function badMoveNumber(number: string | number): string {
  return `the move number is '${number}'; it must be a whole number from 1`;
}
