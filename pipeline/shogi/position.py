"""A shogi position: the 81 squares, both hands, the side to move and the move number.

Written and read as a full SFEN and as a BOD diagram (the KIF board diagram Japanese shogi
software reads), and checked for what no game reaches. The page has the same functions in
web/src/apps/shogi-board/position.ts; tests/test_position.py holds the two to the same
answers, messages included, so a change here is made there too.

Squares are named as the page names them: file then rank letter, "5e" for 5五.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.shogi import data as shogi_data

SIDES = ("b", "w")  # sente, gote, as SFEN writes the side to move
SIDE_NAMES = {"b": "Sente", "w": "Gote"}
# The kinds a hand holds, in the order SFEN and BOD write them.
HAND_KINDS = ("HI", "KA", "KI", "GI", "KE", "KY", "FU")
UNPROMOTED = {promoted: kind for kind, promoted in shogi_data.PROMOTED.items()}
# Both sides' sets together; kings are counted a side at a time.
SET_COUNTS = {kind: 2 * shogi_data.FULL_SET[kind] for kind in HAND_KINDS}
PIECE_NAMES = {
    "FU": "pawn", "KY": "lance", "KE": "knight", "GI": "silver", "KI": "gold",
    "KA": "bishop", "HI": "rook", "OU": "king",
}  # fmt: skip
# An unpromoted piece within this many ranks of the far end can never move again.
STUCK_WITHIN = {"FU": 1, "KY": 1, "KE": 2}
# Each SFEN piece, exactly as written (sente uppercase), and its label.
SFEN_PIECES = {
    (letter if side == "B" else letter.lower()): f"{side}_{kind}"
    for kind, letter in shogi_data.SFEN_LETTERS.items()
    for side in ("B", "W")
}

KANJI = {
    "FU": "歩", "KY": "香", "KE": "桂", "GI": "銀", "KI": "金", "KA": "角", "HI": "飛", "OU": "玉",
    "TO": "と", "NY": "杏", "NK": "圭", "NG": "全", "UM": "馬", "RY": "龍",
}  # fmt: skip
# Read besides KANJI: other software writes the dragon and the king these ways.
KANJI_KINDS = {kanji: kind for kind, kanji in KANJI.items()} | {"竜": "RY", "王": "OU"}
NUMERALS = "一二三四五六七八九"
FILE_NUMBERS = "９ ８ ７ ６ ５ ４ ３ ２ １"
EDGE = "+" + "-" * 27 + "+"
RANK_LETTERS = "abcdefghi"
DIGITS = "0123456789"  # str.isdigit() would take ５ and other digits JavaScript does not
# BOD's names of the sides: 上手 and 下手 in handicap games.
BOD_SIDES = {"w": ("後手", "上手"), "b": ("先手", "下手")}
HAND_LINES = {side: tuple(f"{name}の持駒" for name in names) for side, names in BOD_SIDES.items()}


class PositionError(ValueError):
    """Text that is not a position, or a position that cannot be written; the message says
    what is wrong."""


def empty_hands() -> dict[str, dict[str, int]]:
    return {side: dict.fromkeys(HAND_KINDS, 0) for side in SIDES}


@dataclass
class Position:
    """`board`: 81 labels (shogi_data.LABELS) in SFEN order, rank 1 first, file 9 to 1;
    `hands`: side ("b" sente, "w" gote) -> kind (HAND_KINDS) -> count, a missing kind 0;
    `turn`: the side to move; `move_number`: from 1."""

    board: list[str]
    hands: dict[str, dict[str, int]] = field(default_factory=empty_hands)
    turn: str = "b"
    move_number: int = 1


def square_name(index: int) -> str:
    """The square at `index` in SFEN order, file then rank letter: 0 -> "9a", 80 -> "1i"."""
    return f"{9 - index % 9}{RANK_LETTERS[index // 9]}"


# --- SFEN --------------------------------------------------------------------------------


def write_sfen(position: Position) -> str:
    """`board turn hands movenumber`, as
    `lnsgkgsnl/1r5b1/ppppppppp/9/9/9/PPPPPPPPP/1B5R1/LNSGKGSNL b - 1`."""
    _check(position)
    letters = {kind: shogi_data.SFEN_LETTERS[kind] for kind in HAND_KINDS}
    hands = "".join(
        (str(count) if count > 1 else "")
        + (letters[kind] if side == "b" else letters[kind].lower())
        for side in SIDES
        for kind in HAND_KINDS
        if (count := position.hands[side].get(kind, 0))
    )
    board = shogi_data.sfen_board(position.board)
    return f"{board} {position.turn} {hands or '-'} {position.move_number}"


def parse_sfen(text: str) -> Position:
    """The position of a full SFEN; the move number may be left out (1)."""
    fields = text.split()
    if len(fields) not in (3, 4):
        raise PositionError(
            f"an SFEN is a board, the side to move, the hands and a move number; "
            f"'{text}' has {len(fields)} fields"
        )
    board, turn, hands = fields[:3]
    move_number = fields[3] if len(fields) == 4 else "1"
    if turn not in SIDES:
        raise PositionError(_bad_turn(turn))
    if not re.fullmatch("[0-9]+", move_number) or int(move_number) < 1:
        raise PositionError(_bad_move_number(move_number))
    return Position(parse_board(board), _parse_sfen_hands(hands), turn, int(move_number))


def parse_board(text: str) -> list[str]:
    """The 81 labels in SFEN order of an SFEN board part (the inverse of shogi_data.sfen_board)."""
    ranks = text.split("/")
    if len(ranks) != 9:
        raise PositionError(f"the board needs 9 ranks separated by '/': '{text}' has {len(ranks)}")
    board: list[str] = []
    for rank, row in enumerate(ranks, start=1):
        squares = []
        for token in re.findall(r"[0-9]+|\+?.", row, re.DOTALL):
            if token[0] in DIGITS:
                if len(token) > 1 or token == "0":  # two numbers run together, or none
                    raise PositionError(
                        f"rank {rank} of the board: '{token}' is not a number of empty squares "
                        "(1 to 9)"
                    )
                squares += [shogi_data.BLANK] * int(token)
            elif token in SFEN_PIECES:
                squares.append(SFEN_PIECES[token])
            else:
                raise PositionError(f"rank {rank} of the board: unknown piece '{token}'")
        if len(squares) != 9:
            raise PositionError(
                f"rank {rank} of the board has {len(squares)} squares, not 9: '{row}'"
            )
        board += squares
    return board


def _parse_sfen_hands(text: str) -> dict[str, dict[str, int]]:
    hands = empty_hands()
    if text == "-":
        return hands
    seen = set()
    count = ""
    for token in re.findall(r"[0-9]+|\+?.", text, re.DOTALL):
        if token[0] in DIGITS:
            count = token
            continue
        label = SFEN_PIECES.get(token)
        if label is None:
            raise PositionError(f"hands: unknown piece '{token}'")
        kind = label[2:]
        if kind == "OU":
            raise PositionError("hands: a king is never in a hand")
        if kind not in HAND_KINDS:
            raise PositionError(f"hands: '{token}': a hand holds pieces unpromoted")
        if token in seen:
            raise PositionError(f"hands: '{token}' appears twice in '{text}'")
        if count.startswith("0"):
            raise PositionError(f"hands: '{count}{token}' is not a count from 1 and a piece")
        seen.add(token)
        hands[label[0].lower()][kind] = int(count or 1)
        count = ""
    if count:
        raise PositionError(f"hands: '{count}' at the end is not followed by a piece")
    return hands


# --- BOD ---------------------------------------------------------------------------------


def write_bod(position: Position) -> str:
    """The BOD diagram, every line ending in a newline; `後手番` last when gote is to move.
    BOD has no move number."""
    _check(position)
    lines = [f"後手の持駒：{hand_text(position.hands['w'])}", f"  {FILE_NUMBERS}", EDGE]
    for rank in range(9):
        row = "".join(_bod_square(label) for label in position.board[rank * 9 : rank * 9 + 9])
        lines.append(f"|{row}|{NUMERALS[rank]}")
    lines += [EDGE, f"先手の持駒：{hand_text(position.hands['b'])}"]
    if position.turn == "w":
        lines.append("後手番")
    return "".join(f"{line}\n" for line in lines)


def _bod_square(label: str) -> str:
    if label == shogi_data.BLANK:
        return " ・"
    return (" " if label[0] == "B" else "v") + KANJI[label[2:]]


def hand_text(hand: dict[str, int]) -> str:
    """A hand as BOD writes it after 「先手の持駒：」: 「飛　歩二　」, or なし."""
    held = "".join(
        f"{KANJI[kind]}{_kanji_count(count)}　"
        for kind in HAND_KINDS
        if (count := hand.get(kind, 0))
    )
    return held or "なし"


def _kanji_count(count: int) -> str:
    """A count as BOD writes it after a piece: nothing for 1, 二 … 九, 十, 十一 … 九十九."""
    if count > 99:
        raise PositionError(f"{count} pieces of a kind in a hand are more than BOD can write")
    tens, ones = divmod(count, 10)
    if count == 1:
        return ""
    return (
        (NUMERALS[tens - 1] if tens > 1 else "")
        + ("十" if tens else "")
        + (NUMERALS[ones - 1] if ones else "")
    )


def parse_bod(text: str) -> Position:
    """The position of a BOD diagram. Lines before `後手の持駒` (a KIF file's headers) and
    after `先手の持駒` are ignored, but for `後手番`/`先手番` and `手数＝N` (N moves played:
    move number N + 1). Handicap diagrams' 上手 (gote) and 下手 (sente) are read too."""
    lines = re.split(r"\r\n|\r|\n", text)
    top = next(
        (number for number, line in enumerate(lines) if line.startswith(HAND_LINES["w"])), None
    )
    if top is None:
        raise PositionError("not a BOD diagram: no line '後手の持駒：…'")

    def line(offset: int) -> str:
        return lines[top + offset].rstrip() if top + offset < len(lines) else ""

    def where(offset: int) -> str:
        return f"BOD line {top + offset + 1}"

    hands = empty_hands()
    hands["w"] = _parse_bod_hand(line(0), "w", where(0))
    if line(1).strip() != FILE_NUMBERS:
        raise PositionError(f"{where(1)}: expected the file numbers '{FILE_NUMBERS}'")
    _expect_edge(line(2), where(2))
    board = []
    for rank in range(9):
        row = re.fullmatch(r"\|(.{18})\|(.)", line(3 + rank), re.DOTALL)
        if not row or row[2] != NUMERALS[rank]:
            raise PositionError(
                f"{where(3 + rank)}: expected rank {NUMERALS[rank]}: "
                f"'|', 9 squares, '|{NUMERALS[rank]}'"
            )
        for file in range(9):
            side, piece = row[1][2 * file : 2 * file + 2]
            name = square_name(rank * 9 + file)
            board.append(_parse_bod_square(side, piece, f"{where(3 + rank)}, square {name}"))
    _expect_edge(line(12), where(12))
    hands["b"] = _parse_bod_hand(line(13), "b", where(13))
    turn, move_number = "b", 1
    for after in lines[top + 14 :]:
        after = after.strip()
        if after in ("後手番", "上手番"):
            turn = "w"
        elif after in ("先手番", "下手番"):
            turn = "b"
        elif played := re.match("手数[＝=]([0-9]+)", after):
            move_number = int(played[1]) + 1
    return Position(board, hands, turn, move_number)


def _expect_edge(line: str, where: str) -> None:
    if line != EDGE:
        raise PositionError(f"{where}: expected the board's edge '{EDGE}'")


def _parse_bod_square(side: str, piece: str, where: str) -> str:
    if side + piece == " ・":
        return shogi_data.BLANK
    kind = KANJI_KINDS.get(piece)
    if side not in (" ", "v") or kind is None:
        raise PositionError(f"{where}: '{side}{piece}' is neither ' ・' nor ' ' or 'v' and a piece")
    return ("B_" if side == " " else "W_") + kind


def parse_hand_line(line: str, where: str = "the hand line") -> tuple[str, dict[str, int]]:
    """The side and the hand of a 「先手の持駒：歩二　角」 line (後手, 上手 and 下手 too)."""
    for side in SIDES:
        if line.startswith(HAND_LINES[side]):
            return side, _parse_bod_hand(line, side, where)
    raise PositionError(f"{where}: expected '先手の持駒：' or '後手の持駒：' and the pieces or なし")


def _parse_bod_hand(line: str, side: str, where: str) -> dict[str, int]:
    found = re.fullmatch(f"({'|'.join(BOD_SIDES[side])})の持駒[：:](.*)", line, re.DOTALL)
    if not found:
        raise PositionError(
            f"{where}: expected '{BOD_SIDES[side][0]}の持駒：' and the pieces or なし"
        )
    hand = dict.fromkeys(HAND_KINDS, 0)
    held = found[2].strip()
    if held in ("なし", ""):
        return hand
    for item in re.split("[ 　]+", held):
        kind = KANJI_KINDS.get(item[0])
        if kind not in HAND_KINDS:
            raise PositionError(f"{where}: '{item}' is not a piece a hand holds")
        if hand[kind]:
            raise PositionError(f"{where}: {item[0]} appears twice")
        hand[kind] = _parse_kanji_count(item[1:], f"{where}: '{item}'")
    return hand


def _parse_kanji_count(text: str, where: str) -> int:
    """The inverse of _kanji_count (一 alone is read as 1 too)."""
    found = re.fullmatch(f"(?:([{NUMERALS[1:]}])?(十))?([{NUMERALS}])?", text, re.DOTALL)
    if not found:
        raise PositionError(f"{where}: the count is not a kanji numeral")
    if not text:
        return 1
    tens = NUMERALS.index(found[1]) + 1 if found[1] else (1 if found[2] else 0)
    return 10 * tens + (NUMERALS.index(found[3]) + 1 if found[3] else 0)


# --- warnings ----------------------------------------------------------------------------


def position_warnings(position: Position) -> list[str]:
    """What no game reaches, each a sentence naming the side and squares: a side without its
    one king or with more; more pieces of a kind than a set has (board and hands, promoted
    ones with their kind); two unpromoted pawns of a side on a file (nifu); a pawn, lance or
    knight where it can never move. Empty for a position a game can reach, as far as these go."""
    _check(position)
    found = []
    squares: dict[str, list[int]] = {}  # label -> its squares
    for index, label in enumerate(position.board):
        squares.setdefault(label, []).append(index)
    for side in SIDES:
        kings = squares.get(f"{side.upper()}_OU", [])
        if not kings:
            found.append(f"{SIDE_NAMES[side]} has no king.")
        elif len(kings) > 1:
            found.append(f"{SIDE_NAMES[side]} has {len(kings)} kings: {_names(kings)}.")
    for kind in HAND_KINDS:
        total = sum(position.hands[side].get(kind, 0) for side in SIDES) + sum(
            len(where) for label, where in squares.items()
            if label != shogi_data.BLANK and UNPROMOTED.get(label[2:], label[2:]) == kind
        )  # fmt: skip
        if total > SET_COUNTS[kind]:
            found.append(
                f"{total} {PIECE_NAMES[kind]}s on the board and in hands; "
                f"a set has {SET_COUNTS[kind]}."
            )
    for side in SIDES:
        pawns = squares.get(f"{side.upper()}_FU", [])
        for file in range(9, 0, -1):
            on_file = [index for index in pawns if 9 - index % 9 == file]
            if len(on_file) > 1:
                found.append(
                    f"{SIDE_NAMES[side]} has {len(on_file)} unpromoted pawns on file {file} "
                    f"(nifu): {_names(on_file)}."
                )
    for index, label in enumerate(position.board):
        if label == shogi_data.BLANK:
            continue
        side, rank = label[0].lower(), index // 9 + 1
        ahead = rank if side == "b" else 10 - rank  # 1: the last rank this side moves towards
        if ahead <= STUCK_WITHIN.get(label[2:], 0):
            found.append(
                f"{SIDE_NAMES[side]} {PIECE_NAMES[label[2:]]} on {square_name(index)} "
                "can never move."
            )
    return found


def _names(indices: list[int]) -> str:
    return ", ".join(square_name(index) for index in indices)


# --- what every writer checks first ------------------------------------------------------


def _check(position: Position) -> None:
    """Refuses a position that is not one at all (for what no game reaches, see
    position_warnings)."""
    board = position.board
    if len(board) != 81:
        raise PositionError(f"a board has 81 squares, this one has {len(board)}")
    for index, label in enumerate(board):
        if label not in shogi_data.LABELS:
            raise PositionError(f"square {square_name(index)}: unknown label '{label}'")
    if position.turn not in SIDES:
        raise PositionError(_bad_turn(position.turn))
    for side in SIDES:
        hand = position.hands.get(side)
        if hand is None:
            raise PositionError(f"{SIDE_NAMES[side]} has no hand (hands are keyed b and w)")
        for kind, count in hand.items():
            if kind not in HAND_KINDS:
                raise PositionError(
                    f"{SIDE_NAMES[side]}'s hand holds '{kind}'; a hand holds {' '.join(HAND_KINDS)}"
                )
            if type(count) is not int or count < 0:
                raise PositionError(
                    f"{SIDE_NAMES[side]}'s hand has {count} {kind}; "
                    "a count is a whole number from 0"
                )
    number = position.move_number
    if type(number) is not int or number < 1:
        raise PositionError(_bad_move_number(number))


def _bad_turn(turn) -> str:
    return f"the side to move is '{turn}'; it must be b (sente) or w (gote)"


def _bad_move_number(number) -> str:
    return f"the move number is '{number}'; it must be a whole number from 1"
