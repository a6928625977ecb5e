"""Positions as SFEN and BOD, and their warnings: known positions both ways, malformed text
refused with a message, impossible positions warned of; the page's position.ts gives the
same answers as pipeline/shogi/position.py; and the command line's --full, --turn and --bod."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
from support import ROOT, assert_no_chatter, clean_environment

from pipeline.shogi import data as shogi_data
from pipeline.shogi import position as shogi_position
from pipeline.shogi.position import Position, PositionError

RANKS = "abcdefghi"


def board(pieces: dict[str, str]) -> list[str]:
    """81 labels from {square: label}, squares named file then rank letter ("5a")."""
    labels = [shogi_data.BLANK] * 81
    for square, label in pieces.items():
        file, rank = int(square[0]), RANKS.index(square[1]) + 1
        labels[(rank - 1) * 9 + (9 - file)] = label
    return labels


def hands(sente: dict[str, int] | None = None, gote: dict[str, int] | None = None) -> dict:
    kinds = ("HI", "KA", "KI", "GI", "KE", "KY", "FU")
    return {
        side: {kind: (held or {}).get(kind, 0) for kind in kinds}
        for side, held in (("b", sente), ("w", gote))
    }


BACK_RANK = ("KY", "KE", "GI", "KI", "OU", "KI", "GI", "KE", "KY")


def start_board(rook_and_bishop_for_gote: bool = True) -> list[str]:
    pieces = {}
    for file in range(1, 10):
        pieces[f"{file}a"] = f"W_{BACK_RANK[9 - file]}"
        pieces[f"{file}c"] = "W_FU"
        pieces[f"{file}g"] = "B_FU"
        pieces[f"{file}i"] = f"B_{BACK_RANK[9 - file]}"
    pieces |= {"8h": "B_KA", "2h": "B_HI"}
    if rook_and_bishop_for_gote:
        pieces |= {"8b": "W_HI", "2b": "W_KA"}
    return board(pieces)


START = Position(start_board(), hands(), "b", 1)
START_SFEN = "lnsgkgsnl/1r5b1/ppppppppp/9/9/9/PPPPPPPPP/1B5R1/LNSGKGSNL b - 1"
START_BOD = """\
後手の持駒：なし
  ９ ８ ７ ６ ５ ４ ３ ２ １
+---------------------------+
|v香v桂v銀v金v玉v金v銀v桂v香|一
| ・v飛 ・ ・ ・ ・ ・v角 ・|二
|v歩v歩v歩v歩v歩v歩v歩v歩v歩|三
| ・ ・ ・ ・ ・ ・ ・ ・ ・|四
| ・ ・ ・ ・ ・ ・ ・ ・ ・|五
| ・ ・ ・ ・ ・ ・ ・ ・ ・|六
| 歩 歩 歩 歩 歩 歩 歩 歩 歩|七
| ・ 角 ・ ・ ・ ・ ・ 飛 ・|八
| 香 桂 銀 金 玉 金 銀 桂 香|九
+---------------------------+
先手の持駒：なし
"""

# Two-piece handicap: gote (上手) gives up rook and bishop and moves first.
HANDICAP = Position(start_board(rook_and_bishop_for_gote=False), hands(), "w", 1)
HANDICAP_SFEN = "lnsgkgsnl/9/ppppppppp/9/9/9/PPPPPPPPP/1B5R1/LNSGKGSNL w - 1"
HANDICAP_BOD = """\
後手の持駒：なし
  ９ ８ ７ ６ ５ ４ ３ ２ １
+---------------------------+
|v香v桂v銀v金v玉v金v銀v桂v香|一
| ・ ・ ・ ・ ・ ・ ・ ・ ・|二
|v歩v歩v歩v歩v歩v歩v歩v歩v歩|三
| ・ ・ ・ ・ ・ ・ ・ ・ ・|四
| ・ ・ ・ ・ ・ ・ ・ ・ ・|五
| ・ ・ ・ ・ ・ ・ ・ ・ ・|六
| 歩 歩 歩 歩 歩 歩 歩 歩 歩|七
| ・ 角 ・ ・ ・ ・ ・ 飛 ・|八
| 香 桂 銀 金 玉 金 銀 桂 香|九
+---------------------------+
先手の持駒：なし
後手番
"""

# Every kind in both hands, 10 and 8 pawns: with the board, exactly the full set.
IN_HAND = Position(
    board({"5a": "W_OU", "4a": "W_KI", "5c": "B_NG", "1c": "B_NY", "2g": "W_NK", "5i": "B_OU"}),
    hands(
        {"HI": 1, "KA": 1, "KI": 2, "GI": 1, "KE": 2, "KY": 1, "FU": 10},
        {"HI": 1, "KA": 1, "KI": 1, "GI": 2, "KE": 1, "KY": 2, "FU": 8},
    ),
    "w",
    1,
)
IN_HAND_SFEN = "4kg3/9/4+S3+L/9/9/9/7+n1/9/4K4 w RB2GS2NL10Prbg2sn2l8p 1"
IN_HAND_BOD = """\
後手の持駒：飛　角　金　銀二　桂　香二　歩八　
  ９ ８ ７ ６ ５ ４ ３ ２ １
+---------------------------+
| ・ ・ ・ ・v玉v金 ・ ・ ・|一
| ・ ・ ・ ・ ・ ・ ・ ・ ・|二
| ・ ・ ・ ・ 全 ・ ・ ・ 杏|三
| ・ ・ ・ ・ ・ ・ ・ ・ ・|四
| ・ ・ ・ ・ ・ ・ ・ ・ ・|五
| ・ ・ ・ ・ ・ ・ ・ ・ ・|六
| ・ ・ ・ ・ ・ ・ ・v圭 ・|七
| ・ ・ ・ ・ ・ ・ ・ ・ ・|八
| ・ ・ ・ ・ 玉 ・ ・ ・ ・|九
+---------------------------+
先手の持駒：飛　角　金二　銀　桂二　香　歩十　
後手番
"""

# Every promoted kind of both sides on the board.
PROMOTED_PIECES = {
    "9a": "W_RY", "8a": "W_UM", "7a": "W_NG", "6a": "W_NK", "5a": "W_NY", "4a": "W_TO", "3a": "W_OU",
    "7i": "B_OU", "6i": "B_TO", "5i": "B_NY", "4i": "B_NK", "3i": "B_NG", "2i": "B_UM", "1i": "B_RY",
}  # fmt: skip
PROMOTED = Position(board(PROMOTED_PIECES), hands({"FU": 3}, {"FU": 1}), "b", 1)
PROMOTED_SFEN = "+r+b+s+n+l+pk2/9/9/9/9/9/9/9/2K+P+L+N+S+B+R b 3Pp 1"
PROMOTED_ROWS = ("|v龍v馬v全v圭v杏vとv玉 ・ ・|一", "| ・ ・ 玉 と 杏 圭 全 馬 龍|九")

KNOWN = [
    (START, START_SFEN, START_BOD),
    (HANDICAP, HANDICAP_SFEN, HANDICAP_BOD),
    (IN_HAND, IN_HAND_SFEN, IN_HAND_BOD),
]


@pytest.mark.parametrize(("position", "sfen", "bod"), KNOWN, ids=["start", "handicap", "hands"])
def test_known_positions_are_written_and_read_both_ways(position, sfen, bod):
    assert shogi_position.write_sfen(position) == sfen
    assert shogi_position.parse_sfen(sfen) == position
    assert shogi_position.write_bod(position) == bod
    assert shogi_position.parse_bod(bod) == position
    assert shogi_position.position_warnings(position) == []


def test_promoted_pieces_are_written_and_read_both_ways():
    assert shogi_position.write_sfen(PROMOTED) == PROMOTED_SFEN
    assert shogi_position.parse_sfen(PROMOTED_SFEN) == PROMOTED
    bod = shogi_position.write_bod(PROMOTED)
    lines = bod.splitlines()
    assert (lines[3], lines[11]) == PROMOTED_ROWS
    assert lines[0] == "後手の持駒：歩　"
    assert lines[-1] == "先手の持駒：歩三　"  # sente to move: no 後手番
    assert shogi_position.parse_bod(bod) == PROMOTED
    assert shogi_position.position_warnings(PROMOTED) == []


def test_hand_counts_are_written_as_bod_numerals():
    for count, numeral in ((1, ""), (2, "二"), (9, "九"), (10, "十"), (11, "十一"), (18, "十八"),
                           (20, "二十"), (37, "三十七")):  # fmt: skip
        position = Position(START.board, hands({"FU": count}))
        written = shogi_position.write_bod(position)
        assert written.splitlines()[-1] == f"先手の持駒：歩{numeral}　"
        assert shogi_position.parse_bod(written) == position
        assert shogi_position.parse_sfen(shogi_position.write_sfen(position)) == position


def test_the_move_number_survives_sfen_and_a_bod_reads_it_from_its_move_count():
    position = Position(IN_HAND.board, IN_HAND.hands, "b", 57)
    assert shogi_position.write_sfen(position).endswith(" b RB2GS2NL10Prbg2sn2l8p 57")
    assert shogi_position.parse_sfen(shogi_position.write_sfen(position)) == position
    # BOD has no move number; KIF software adds the moves played after the diagram
    assert shogi_position.parse_bod(shogi_position.write_bod(position)).move_number == 1
    assert shogi_position.parse_bod(START_BOD + "手数＝56  ▲７六歩  まで\n").move_number == 57


def test_an_sfen_without_its_move_number_is_move_1():
    assert shogi_position.parse_sfen(START_SFEN[: -len(" 1")]) == START
    assert shogi_position.parse_sfen(f"  {START_SFEN}\n") == START


def test_a_bod_as_shogi_software_writes_it_is_read():
    """KIF headers and names around the diagram, 竜 and 王, 上手/下手 for a handicap game,
    Windows line ends, no trailing full-width space."""
    diagram = (
        HANDICAP_BOD.replace("後手の持駒", "上手の持駒")
        .replace("先手の持駒：なし", "下手の持駒：金　歩二")
        .replace("後手番", "上手番")
        .replace("| 香 桂 銀 金 玉", "| 香 桂 銀 金 王")
        .replace("| ・ 角 ・ ・ ・ ・ ・ 飛 ・|", "| ・ 角 ・ ・ ・ ・ ・ 竜 ・|")
    )
    text = "# ---- Kifu for Windows ----\r\n上手：羽生\r\n" + diagram.replace("\n", "\r\n")
    text += "下手：藤井\r\n"
    expected = Position(list(HANDICAP.board), hands({"KI": 1, "FU": 2}), "w", 1)
    expected.board[70] = "B_RY"
    assert shogi_position.parse_bod(text) == expected


def random_positions(count: int, seed: int) -> list[Position]:
    """The generator's plausible boards with random hands and sides to move (move 1: BOD
    has no move number)."""
    rng = np.random.default_rng(seed)
    made = []
    for _ in range(count):
        held = [
            {kind: int(rng.integers(0, 3)) for kind in ("HI", "KA", "KI", "GI", "KE", "KY")}
            | {"FU": int(rng.integers(0, 12))}
            for _ in range(2)
        ]
        made.append(
            Position(
                shogi_data.random_position(rng),
                hands(*held),
                "bw"[int(rng.integers(2))],
                1,
            )
        )
    return made


def test_random_positions_go_round_sfen_and_bod():
    for position in random_positions(100, seed=3):
        assert shogi_position.parse_sfen(shogi_position.write_sfen(position)) == position
        assert shogi_position.parse_bod(shogi_position.write_bod(position)) == position
        assert shogi_data.labels_of(shogi_data.sfen_board(position.board)) == position.board


BOARD_START = START_SFEN.split()[0]
BAD_SFENS = {
    "": "an SFEN is a board, the side to move, the hands and a move number; '' has 0 fields",
    BOARD_START: f"'{BOARD_START}' has 1 fields",
    f"{START_SFEN} 2": "has 5 fields",
    "lnsgkgsnl/1r5b1/ppppppppp/9/9/9/PPPPPPPPP/1B5R1 b - 1": "the board needs 9 ranks separated by '/'",
    START_SFEN.replace("1r5b1", "1r5b2"): "rank 2 of the board has 10 squares, not 9: '1r5b2'",
    START_SFEN.replace("1r5b1", "1r5b"): "rank 2 of the board has 8 squares, not 9: '1r5b'",
    START_SFEN.replace("/9/9/9/", "/9/45/9/"): "rank 5 of the board: '45' is not a number of empty squares",
    START_SFEN.replace("/9/9/9/", "/9/0/9/"): "rank 5 of the board: '0' is not a number",
    START_SFEN.replace("LNSGKGSNL", "LNSGXGSNL"): "rank 9 of the board: unknown piece 'X'",
    START_SFEN.replace("LNSGKGSNL", "LNS+GKGSNL"): "rank 9 of the board: unknown piece '+G'",
    START_SFEN.replace(" b ", " B "): "the side to move is 'B'; it must be b (sente) or w (gote)",
    START_SFEN.replace(" - ", " K "): "hands: a king is never in a hand",
    START_SFEN.replace(" - ", " +P "): "hands: '+P': a hand holds pieces unpromoted",
    START_SFEN.replace(" - ", " 2Q "): "hands: unknown piece 'Q'",
    START_SFEN.replace(" - ", " 2P3 "): "hands: '3' at the end is not followed by a piece",
    START_SFEN.replace(" - ", " P2P "): "hands: 'P' appears twice in 'P2P'",
    START_SFEN.replace(" - ", " 0P "): "hands: '0P' is not a count from 1 and a piece",
    START_SFEN.replace(" - ", " -- "): "hands: unknown piece '-'",
    START_SFEN.replace(" 1", " 0"): "the move number is '0'; it must be a whole number from 1",
    START_SFEN.replace(" 1", " x"): "the move number is 'x'",
}  # fmt: skip


@pytest.mark.parametrize("text", BAD_SFENS, ids=list(BAD_SFENS.values()))
def test_a_malformed_sfen_is_refused_with_what_is_wrong(text):
    with pytest.raises(PositionError, match=re.escape(BAD_SFENS[text])):
        shogi_position.parse_sfen(text)


BAD_BODS = {
    "": "not a BOD diagram: no line '後手の持駒：…'",
    START_SFEN: "not a BOD diagram",
    START_BOD.replace("後手の持駒：なし", "後手の持駒：玉"): "BOD line 1: '玉' is not a piece a hand holds",
    START_BOD.replace("後手の持駒：なし", "後手の持駒：歩二　歩"): "BOD line 1: 歩 appears twice",
    START_BOD.replace("後手の持駒：なし", "後手の持駒：歩ニ"): "BOD line 1: '歩ニ': the count is not a kanji numeral",
    START_BOD.replace("  ９ ８", "  ８ ９"): "BOD line 2: expected the file numbers",
    START_BOD.replace("+\n|v香", "-\n|v香"): "BOD line 3: expected the board's edge",
    START_BOD.replace("| ・v飛", "|・v飛"): "BOD line 5: expected rank 二",
    START_BOD.replace("・|五", "・|六"): "BOD line 8: expected rank 五",
    START_BOD.replace("v歩v歩|三", "x歩v歩|三"): "BOD line 6, square 2c: 'x歩' is neither",
    START_BOD.replace("| ・ 角", "| 象 角"): "BOD line 11, square 9h: ' 象' is neither",
    START_BOD.replace("v玉", "v・"): "BOD line 4, square 5a: 'v・' is neither",
    START_BOD.replace("先手の持駒：なし", "先手持駒：なし"): "BOD line 14: expected '先手の持駒：'",
    START_BOD[: START_BOD.index("| ・ 角")]: "BOD line 11: expected rank 八",
}  # fmt: skip


@pytest.mark.parametrize("text", BAD_BODS, ids=[f"bod-{n}" for n in range(len(BAD_BODS))])
def test_a_malformed_bod_is_refused_with_what_is_wrong(text):
    with pytest.raises(PositionError, match=re.escape(BAD_BODS[text])):
        shogi_position.parse_bod(text)


def unlike(**changes) -> Position:
    """The start position with some of its parts replaced."""
    return Position(**({"board": START.board, "hands": hands(), "turn": "b", "move_number": 1}
                       | changes))  # fmt: skip


BAD_POSITIONS = {
    "80 squares": (unlike(board=START.board[:80]), "a board has 81 squares, this one has 80"),
    "unknown label": (
        unlike(board=["B_QUEEN", *START.board[1:]]),
        "square 9a: unknown label 'B_QUEEN'",
    ),
    "bad turn": (unlike(turn="sente"), "the side to move is 'sente'; it must be b (sente) or w"),
    "a king in hand": (
        unlike(hands={"b": {"OU": 1}, "w": {}}),
        "Sente's hand holds 'OU'; a hand holds HI KA KI GI KE KY FU",
    ),
    "a negative count": (
        unlike(hands={"b": {}, "w": {"FU": -1}}),
        "Gote's hand has -1 FU; a count is a whole number from 0",
    ),
    "no gote hand": (unlike(hands={"b": {}}), "Gote has no hand (hands are keyed b and w)"),
    "move 0": (unlike(move_number=0), "the move number is '0'; it must be a whole number from 1"),
    "too many for BOD": (unlike(hands=hands({"FU": 100})), "100 pieces of a kind in a hand are"),
}


@pytest.mark.parametrize("case", BAD_POSITIONS)
def test_a_position_that_is_not_one_is_refused_by_every_writer(case):
    position, message = BAD_POSITIONS[case]
    writers = [shogi_position.write_bod]
    if case != "too many for BOD":  # SFEN writes any count; only BOD's numerals end at 99
        writers += [shogi_position.write_sfen, shogi_position.position_warnings]
    for write in writers:
        with pytest.raises(PositionError, match=re.escape(message)):
            write(position)


KINGS = {"5a": "W_OU", "5i": "B_OU"}
WARNINGS = {
    "19 pawns counting hands": (
        Position(board(KINGS | {"5c": "W_FU", "5g": "B_TO"}), hands({"FU": 10}, {"FU": 7})),
        ["19 pawns on the board and in hands; a set has 18."],
    ),
    "5 golds and 3 rooks": (
        Position(board(KINGS | {"4a": "W_KI", "1i": "B_RY"}), hands({"KI": 4, "HI": 1}, {"HI": 1})),
        ["3 rooks on the board and in hands; a set has 2.",
         "5 golds on the board and in hands; a set has 4."],
    ),
    "two sente kings": (
        Position(board(KINGS | {"1i": "B_OU"})),
        ["Sente has 2 kings: 5i, 1i."],
    ),
    "no gote king": (
        Position(board({"5i": "B_OU"})),
        ["Gote has no king."],
    ),
    "no king at all, three gote kings elsewhere": (
        Position(board({"1a": "W_OU", "2a": "W_OU", "3b": "W_OU"})),
        ["Sente has no king.", "Gote has 3 kings: 2a, 1a, 3b."],
    ),
    "nifu": (
        Position(board(KINGS | {"5c": "B_FU", "5g": "B_FU", "4c": "B_TO", "4g": "B_FU",
                                "3c": "W_FU", "3d": "W_FU", "3e": "W_FU"})),
        ["Sente has 2 unpromoted pawns on file 5 (nifu): 5c, 5g.",
         "Gote has 3 unpromoted pawns on file 3 (nifu): 3c, 3d, 3e."],
    ),
    "pawn and lance on the last rank": (
        Position(board(KINGS | {"9a": "B_KY", "1a": "B_FU", "2i": "W_FU", "8i": "W_KY"})),
        ["Sente lance on 9a can never move.", "Sente pawn on 1a can never move.",
         "Gote lance on 8i can never move.", "Gote pawn on 2i can never move."],
    ),
    "knights on the last two ranks": (
        Position(board(KINGS | {"8a": "B_KE", "2b": "B_KE", "3h": "W_KE", "7i": "W_KE"})),
        ["Sente knight on 8a can never move.", "Sente knight on 2b can never move.",
         "Gote knight on 3h can never move.", "Gote knight on 7i can never move."],
    ),
    "legal: pieces that move backwards, promoted ones, the opponent's last ranks": (
        Position(board(KINGS | {"9a": "W_KY", "1a": "B_TO", "2b": "B_NK", "8b": "W_KE",
                                "3h": "B_KE", "9i": "B_KY", "1i": "W_NY", "5c": "W_FU",
                                "5g": "B_FU", "4g": "B_FU", "4f": "W_FU"}),
                 hands({"FU": 3}, {"FU": 10})),
        [],
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", WARNINGS)
def test_an_impossible_position_gets_exactly_its_warnings(case):
    position, expected = WARNINGS[case]
    assert shogi_position.position_warnings(position) == expected


def test_a_crafted_position_is_written_whatever_its_warnings():
    position, _ = WARNINGS["no king at all, three gote kings elsewhere"]
    assert shogi_position.parse_sfen(shogi_position.write_sfen(position)) == position
    assert shogi_position.parse_bod(shogi_position.write_bod(position)) == position


# --- the page's module -----------------------------------------------------------------------


def as_json(position: Position) -> dict:
    return {
        "board": position.board,
        "hands": position.hands,
        "turn": position.turn,
        "moveNumber": position.move_number,
    }


def run_in_python(name: str, argument):
    functions = {
        "writeSfen": shogi_position.write_sfen,
        "parseSfen": shogi_position.parse_sfen,
        "writeBod": shogi_position.write_bod,
        "parseBod": shogi_position.parse_bod,
        "positionWarnings": shogi_position.position_warnings,
    }
    if name in ("writeSfen", "writeBod", "positionWarnings"):
        argument = Position(argument["board"], argument["hands"], argument["turn"],
                            argument["moveNumber"])  # fmt: skip
    try:
        value = functions[name](argument)
    except PositionError as error:
        return {"error": str(error)}
    return {"value": as_json(value) if isinstance(value, Position) else value}


def test_the_page_module_gives_the_same_answers(tmp_path):
    subprocess.run([sys.executable, "-m", "doit", "node"], cwd=ROOT, env=clean_environment(),
                   capture_output=True, check=True)  # fmt: skip
    positions = [position for position, _, _ in KNOWN] + [PROMOTED]
    positions += [position for position, _ in WARNINGS.values()]
    positions += [position for position, _ in BAD_POSITIONS.values()]
    positions += random_positions(40, seed=11)
    positions.append(Position(START.board, hands({"FU": 15, "KY": 12}, {"KA": 2}), "w", 311))
    texts = [START_SFEN, HANDICAP_SFEN, IN_HAND_SFEN, PROMOTED_SFEN, *BAD_SFENS]
    bods = [START_BOD, HANDICAP_BOD, IN_HAND_BOD, *BAD_BODS]
    bods.append(
        START_BOD.replace("先手の持駒：なし", "下手の持駒：飛　歩十八　") + "手数＝3\n上手番\n"
    )
    calls = [
        *([name, as_json(position)] for position in positions
          for name in ("writeSfen", "writeBod", "positionWarnings")),
        *(["parseSfen", text] for text in texts),
        *(["parseBod", text] for text in bods),
    ]  # fmt: skip
    completed = subprocess.run(
        [str(ROOT / "artifacts" / "node" / "bin" / "node"), str(ROOT / "tests" / "position_ts.cjs"),
         str(ROOT / "web"), str(tmp_path)],
        input=json.dumps(calls), capture_output=True, text=True, encoding="utf-8", check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    on_page = json.loads(completed.stdout)
    assert len(on_page) == len(calls)
    differ = [
        (call, page, python)
        for call, page in zip(calls, on_page, strict=True)
        if page != (python := run_in_python(*call))
    ]
    assert differ == []
    # and the page's answers are not all errors
    assert sum("value" in answer for answer in on_page) > len(calls) // 2


# --- the command line ------------------------------------------------------------------------


def recognize(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.shogi.recognize", *arguments],
        cwd=ROOT, env=clean_environment(), capture_output=True, text=True, encoding="utf-8",
        check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def boards(tmp_path_factory) -> list[tuple[str, str]]:
    """Two fresh generated board screenshots, each with its SFEN board as the command line
    reads it by default (the shipped model, built first)."""
    from pipeline.shogi.bench import command_line

    completed = subprocess.run([sys.executable, "-m", "doit"], cwd=ROOT, env=clean_environment(),
                               capture_output=True, text=True, check=False)  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    drawn = command_line.draw_boards(tmp_path_factory.mktemp("boards"), 2, seed=20261201)
    paths = [str(path) for path, _ in drawn]
    plain = recognize(*paths)
    assert plain.returncode == 0, plain.stderr
    return list(zip(paths, plain.stdout.splitlines(), strict=True))


def test_the_command_line_prints_whole_sfens_with_the_side_to_move(boards):
    paths = [path for path, _ in boards]
    full = recognize("--full", *paths)
    assert full.returncode == 0, full.stderr
    assert full.stdout.splitlines() == [f"{sfen} b - 1" for _, sfen in boards]
    gote = recognize("--full", "--turn", "w", "--names", *paths)
    assert gote.returncode == 0, gote.stderr
    assert gote.stdout.splitlines() == [f"{path}\t{sfen} w - 1" for path, sfen in boards]
    assert_no_chatter(full.stderr + gote.stderr)


def test_the_command_line_prints_bod_diagrams_separated_by_a_blank_line(boards, tmp_path):
    (first, first_sfen), (second, second_sfen) = boards
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    completed = recognize("--bod", "--turn", "w", first, str(bad), second)
    assert completed.returncode == 1  # as without --bod: an image it cannot read
    assert str(bad) in completed.stderr
    diagrams = [
        shogi_position.write_bod(Position(shogi_data.labels_of(sfen), hands(), "w", 1))
        for sfen in (first_sfen, second_sfen)
    ]
    assert all(diagram.endswith("+\n先手の持駒：なし\n後手番\n") for diagram in diagrams)
    # the image it could not read has its blank line only
    assert completed.stdout == diagrams[0] + "\n" + "\n" + diagrams[1]
    named = recognize("--bod", "--names", first, second)
    assert named.returncode == 0, named.stderr
    assert named.stdout == "\n".join(
        f"# {path}\n{shogi_position.write_bod(Position(shogi_data.labels_of(sfen)))}"
        for path, sfen in boards
    )
    assert [shogi_position.parse_bod(text) for text in named.stdout.split("\n\n")] == [
        Position(shogi_data.labels_of(sfen)) for _, sfen in boards
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--full", "--turn", "x"], "argument --turn: invalid choice: 'x'"),
        (["--turn", "w"], "argument --turn: only with --full or --bod"),
        (["--full", "--bod"], "argument --bod: not allowed with argument --full"),
    ],
)
def test_bad_flags_are_refused_as_argparse_refuses_them(arguments, message, tmp_path):
    completed = recognize(*arguments, str(tmp_path / "board.png"))
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert f"recognize: error: {message}" in completed.stderr.splitlines()[-1]
