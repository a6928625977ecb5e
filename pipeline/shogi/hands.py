"""Reading the pieces in hand from a board screenshot, where it shows them.

Apps draw each side's hand beside, above or below the board: one piece image a kind, on the
board's scale, with the count beside it when more than one is held. Kifu viewers write it
out instead: 「先手の持駒：歩二　角」. So, outside the board's grid:

1. ink is what differs from the page's main colour (blobs.ink); its connected blobs are
   sorted by size, in squares of the board: piece-sized ones are pieces perhaps, small ones
   are characters, and large ones (a stand the pieces lie on, the board's frame) are looked
   into again against their own colour;
2. lines of characters that read 「…手の持駒：」 (the glyph classifier, glyphs.py) give the
   hands as text, and then nothing else is looked at;
3. otherwise the piece-sized blobs are cut as board squares are and go through the same
   model as the board: the label gives kind and side (gote's pieces are drawn turned), and
   the digits just right of a piece its count.

`find` does all but the model's part; `hands_from` takes the model's reading of `find`'s
pieces and reads the counts beside those it takes for pieces. The page does the same in
web/src/apps/shogi-board/hands.ts; tests hold the two to each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from pipeline.shogi import blobs, glyphs, position, squares
from pipeline.shogi.squares import Box

# Sizes in squares of the board (a square's width across, its height up and down).
PIECE_HEIGHTS = (0.36, 1.25)
PIECE_WIDTHS = (0.25, 1.2)
CHARACTER_MOST = 0.65  # a character's longer side, in square heights
TOUCHING = 3  # characters drawn touching: a blob up to this many times as wide as high
DEPTH = 3  # levels of blobs in blobs: the page, a stand on it, ...
EDGE = 2  # pixels of a stand's edge that are not looked at
GRID_BORDER = 0.1  # beyond the grid's outer lines that is still the board's squares
COUNT_REACH = 0.6  # a count begins within this of its piece's right edge
COUNT_GAP = 0.3  # and its digits this close to each other (square heights)
DIGIT_HEIGHTS = (0.12, 0.5)  # a digit's height, in square heights
SPECK = 2  # pixels: a blob this small is noise, not a character's part
ASIDE = 2  # pixels beyond a piece's box where what lies is still the piece's
THINNEST = 2  # pixels: a narrower mark is the edge of something, not a digit
TWO_WIDE = 0.9  # a mark at least this wide (in line heights) may be two characters touching
# How sure the model and the glyph classifier must be to be believed: a count misread is
# worse than one left to the user.
SURE = 0.5
SURE_OF_DIGITS = 0.8
MOST_HELD = 18  # no hand holds more of a kind (pawns)
COUNTED = "123456789"  # what a count's digit may read as alone (a piece's outline may read 0)
SMALLER = 0.8  # a digit is at most this high, in the heights of the piece it counts


@dataclass
class Found:
    """What `find` saw: hands written out as text (side -> hand, and what of such lines could
    not be read), or else blobs that may be pieces (`pieces`, boxes in pixels), kept with
    what reading their counts takes once the model has said which are pieces."""

    text_hands: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    pieces: list[blobs.Blob] = field(default_factory=list)
    characters: list[blobs.Blob] = field(default_factory=list)
    labels: np.ndarray | None = None
    shades: np.ndarray | None = None
    square: tuple[float, float] = (0.0, 0.0)

    @property
    def as_text(self) -> bool:
        return bool(self.text_hands or self.problems)


@dataclass
class HandsRead:
    """Both hands as read, where from ("text", "pieces" or "nothing") and what could not be
    read, in words for the user."""

    hands: dict[str, dict[str, int]]
    source: str
    problems: list[str]

    def summary(self) -> str:
        said = {
            "text": "Pieces in hand read from the screenshot's text.",
            "pieces": "Pieces in hand read from the screenshot.",
            "nothing": "No pieces in hand seen in the screenshot: set them below if there are any.",
        }[self.source]
        return " ".join([said, *self.problems])


def find(pixels: np.ndarray, grid: Box) -> Found:
    """Hands in an (h, w, 3) image whose board has `grid`: see the module's steps 1 and 2."""
    pixels = np.asarray(pixels, dtype=np.float32)
    height, width = pixels.shape[:2]
    square = ((grid[2] - grid[0]) / 9, (grid[3] - grid[1]) / 9)
    outside = np.ones((height, width), dtype=bool)
    board = _clipped((grid[0] - GRID_BORDER * square[0], grid[1] - GRID_BORDER * square[1],
                      grid[2] + GRID_BORDER * square[0], grid[3] + GRID_BORDER * square[1]),
                     width, height)  # fmt: skip
    outside[board[1] : board[3], board[0] : board[2]] = False
    labels = np.zeros((height, width), dtype=np.int32)
    shades = np.zeros((height, width), dtype=np.float32)
    pieces, characters = [], []

    def look(box: tuple[int, int, int, int], where: np.ndarray, depth: int) -> None:
        """The blobs of ink against the main colour `where`, within `box`; long ones (a
        stand the pieces lie on, the board's frame, the two touching) looked into again."""
        left, top, right, bottom = box
        region = pixels[top:bottom, left:right]
        region_shades = blobs.shade(region, blobs.background(region, where))
        shades[top:bottom, left:right][where] = region_shades[where]
        inner_labels, inner = blobs.components(blobs.ink(region_shades, where))
        first = int(labels.max())
        area = labels[top:bottom, left:right]
        area[inner_labels > 0] = inner_labels[inner_labels > 0] + first
        for part in inner:
            blob = blobs.Blob(part.id + first, part.left + left, part.top + top,
                              part.right + left, part.bottom + top, part.size)  # fmt: skip
            across, down = blob.width / square[0], blob.height / square[1]
            if (across > PIECE_WIDTHS[1] or down > PIECE_HEIGHTS[1]) and depth < DEPTH:  # may hold pieces
                within = (slice(blob.top, blob.bottom), slice(blob.left, blob.right))
                own = labels[within] == blob.id
                # its holes too (what is drawn on it in the page's colour), but not other blobs
                inside = blobs.filled(own) & (own | (labels[within] == 0)) & outside[within]
                # its edge blends into what is around it: not ink on it
                inside[:EDGE], inside[-EDGE:], inside[:, :EDGE], inside[:, -EDGE:] = False, False, False, False
                look((blob.left, blob.top, blob.right, blob.bottom), inside, depth + 1)
                continue
            if PIECE_HEIGHTS[0] <= down <= PIECE_HEIGHTS[1] and PIECE_WIDTHS[0] <= across <= PIECE_WIDTHS[1]:
                pieces.append(blob)
            character = max(blob.width, blob.height) <= CHARACTER_MOST * square[1]
            touching = blob.height <= CHARACTER_MOST * square[1] and blob.width <= TOUCHING * blob.height
            if blob.size > SPECK and (character or touching):
                characters.append(blob)  # a large character may be a piece too, or the reverse

    look((0, 0, width, height), outside, 1)
    text_hands, problems = _read_text(labels, shades, characters, grid)
    if text_hands or problems:
        return Found(text_hands=text_hands, problems=problems)
    return Found(pieces=_one_a_piece(pieces), characters=characters, labels=labels, shades=shades, square=square)


def crops(pixels: np.ndarray, grid: Box, found: Found, size: int) -> np.ndarray:
    """`found`'s pieces cut as the board's squares are (squares.square_box): a square of the
    board's size centred on each, (n, size, size, 3) float32."""
    margin = squares.geometry().margin
    width, height = (grid[2] - grid[0]) / 9, (grid[3] - grid[1]) / 9
    cut = []
    for piece in found.pieces:
        x, y = (piece.left + piece.right) / 2, (piece.top + piece.bottom) / 2
        box = (x - width * (0.5 - margin), y - height * (0.5 - margin),
               x + width * (0.5 - margin), y + height * (0.5 - margin))  # fmt: skip
        cut.append(squares.cut(pixels, box, size))
    return np.stack(cut) if cut else np.zeros((0, size, size, 3), dtype=np.float32)


def hands_from(found: Found, read: list[tuple[str, float]]) -> HandsRead:
    """Both hands from `find`'s result and the model's (label, probability) for each of its
    pieces. Blobs the model does not take for a piece a hand can hold are not pieces (a
    count's digits may be among them); the counts are read beside those it does."""
    hands = position.empty_hands()
    if found.as_text:
        for side, hand in found.text_hands.items():
            hands[side] = hand
        return HandsRead(hands, "text", found.problems)
    taken = []
    for blob, (label, probability) in zip(found.pieces, read, strict=True):
        kind = position.UNPROMOTED.get(label[2:], label[2:])
        if probability >= SURE and kind in position.HAND_KINDS:
            taken.append((blob, "b" if label[0] == "B" else "w", kind))
    # a count's digit can be as large as a small piece, and the model may take it for one: a
    # sure digit smaller than a piece, where that piece's count is written, is its count
    placed = [piece for piece in taken
              if any(_beside(piece[0], other, found.square) and piece[0].height < SMALLER * other.height
                     for other, _, _ in taken)]  # fmt: skip
    alone = glyphs.classifier().read(
        [blobs.glyph_features(found.labels, found.shades, [blob], blob.height) for blob, _, _ in placed])  # fmt: skip
    counts = [piece for piece, (name, probability) in zip(placed, alone, strict=True)
              if name in COUNTED and probability >= SURE_OF_DIGITS]  # fmt: skip
    held = [piece for piece in taken if piece not in counts]
    # a piece's own parts apart from it (its kanji, a sliver of its edge) are no count's
    digits = [mark for mark in found.characters if not any(blobs.lies_on(mark, blob, ASIDE) for blob, _, _ in held)]
    problems = []
    for blob, side, kind in held:
        count = _count(found.labels, found.shades, blob, digits, found.square)
        if count is None:
            problems.append(f"The count beside {_name(side)}'s {position.PIECE_NAMES[kind]} could not be read: check it.")
        hands[side][kind] += count or 1
    seen = any(count for hand in hands.values() for count in hand.values())
    return HandsRead(hands, "pieces" if seen else "nothing", problems)


def _clipped(box, width: int, height: int) -> tuple[int, int, int, int]:
    left, top, right, bottom = box
    return (max(0, int(np.floor(left))), max(0, int(np.floor(top))),
            min(width, int(np.ceil(right))), min(height, int(np.ceil(bottom))))  # fmt: skip


def _one_a_piece(pieces: list[blobs.Blob]) -> list[blobs.Blob]:
    """The pieces without the blobs that lie on a larger one (a piece's glyph, when its
    body is apart from its outline)."""
    kept: list[blobs.Blob] = []
    for blob in sorted(pieces, key=lambda blob: -blob.width * blob.height):
        x, y = (blob.left + blob.right) / 2, (blob.top + blob.bottom) / 2
        if not any(other.left <= x < other.right and other.top <= y < other.bottom for other in kept):
            kept.append(blob)
    return sorted(kept, key=lambda blob: (blob.top, blob.left))


# 「先手の持駒：」 and the like; one of its characters may be misread (OTHER), no more.
HAND_LINE = re.compile(r"([先後上下?])([手?])([の?])([持?])([駒?])：?")
PREFIX = 6  # characters of it at most
CONTENT = "".join(glyphs.KIND_GLYPHS) + glyphs.NUMERALS + "なし"
# What a kifu line never says, so a misread: nothing after the colon (an empty hand is
# なし), a count of one (a kind alone is one).
MISREAD = re.compile(rf"^\s*$|[{''.join(glyphs.KIND_GLYPHS)}]一")


def _read_text(labels, shades, characters: list[blobs.Blob], grid: Box):
    """(side -> hand, problems): hands written as kifu viewers write them, and what of such
    lines could not be read. A line whose side is not read is gote's above the board's
    middle, sente's below it."""
    classifier = glyphs.classifier()
    hands, problems, seen = {}, [], set()
    for line in blobs.text_lines(characters):
        height = blobs.line_height(line)
        parts = blobs.glyphs(blobs.apart(labels, line, height))

        def features(characters: list[list[blobs.Blob]], height: int = height) -> list[np.ndarray]:
            return [blobs.glyph_features(labels, shades, character, height) for character in characters]

        # the rest of a line only if it starts as a hand line does (a move list has hundreds)
        read = classifier.read(features(parts[:PREFIX]))
        start = HAND_LINE.match("".join(name for name, _ in read))
        if not start or start.groups().count(glyphs.OTHER) > 1:
            continue
        read += classifier.read(features(parts[PREFIX:]))
        middle = (min(blob.top for blob in line) + max(blob.bottom for blob in line)) / 2
        if start[1] == glyphs.OTHER:
            side = "w" if middle < (grid[1] + grid[3]) / 2 else "b"
        else:
            side = "b" if start[1] in "先下" else "w"
        content = read[start.end() :]
        text = "".join(("　" + kind) if kind in glyphs.KIND_GLYPHS else kind for kind, _ in content)
        unsure = any(probability < SURE or kind not in CONTENT for kind, probability in content) or MISREAD.search(text)
        hand = None if unsure or side in seen else _hand_of(side, text)
        if hand is None:
            problems.append(f"The line of {_name(side)}'s pieces in hand could not be read: check them.")
        else:
            hands[side] = hand
        seen.add(side)
    if seen:
        problems += [f"No line of {_name(side)}'s pieces in hand was found: check them."
                     for side in position.SIDES if side not in seen]  # fmt: skip
    return hands, problems


def _hand_of(side: str, text: str) -> dict[str, int] | None:
    """The hand a line's pieces and counts (「　歩二　角」) make, or None if they make none."""
    try:
        return position.parse_hand_line(f"{position.BOD_SIDES[side][0]}の持駒：{text.strip()}")[1]
    except position.PositionError:
        return None


def _name(side: str) -> str:
    return position.SIDE_NAMES[side].lower()


def _count(labels, shades, piece: blobs.Blob, marks: list[blobs.Blob], square) -> int | None:
    """The number written just right of a piece: 1 if there is none, None if unreadable."""
    reach = piece.right + COUNT_REACH * square[0]
    beside = [mark for mark in marks if _beside(mark, piece, square)]
    near = sorted(
        (mark for mark in beside
         if DIGIT_HEIGHTS[0] * square[1] <= mark.height <= DIGIT_HEIGHTS[1] * square[1] and mark.width >= THINNEST),
        key=lambda mark: mark.left,
    )  # fmt: skip
    if not near or near[0].left > reach:
        return 1
    chain = [near[0]]
    for mark in near[1:]:
        last = chain[-1]
        level = abs((mark.top + mark.bottom) - (last.top + last.bottom)) <= max(mark.height, last.height)
        # what lies on a digit is read with it (_digit)
        if level and mark.left - last.right <= COUNT_GAP * square[1] and not blobs.lies_on(mark, last):
            chain.append(mark)
    height = blobs.line_height(chain)
    read = [glyph for digit in chain for glyph in _digit(labels, shades, digit, beside, height)]
    if read[0][0] in glyphs.KIND_GLYPHS and read[0][1] >= SURE_OF_DIGITS:
        return 1  # no count: the kanji of a piece beside it
    digits = "".join(name for name, _ in read if name != "×")
    if not digits or any(probability < SURE_OF_DIGITS or name not in glyphs.DIGITS for name, probability in read):
        return None
    count = int(digits)
    return count if 1 <= count <= MOST_HELD else None


def _beside(mark: blobs.Blob, piece: blobs.Blob, square) -> bool:
    """Whether `mark` is where `piece`'s count would be: just right of it, level with its
    lower part."""
    return (piece.right - GRID_BORDER * square[0] <= mark.left <= piece.right + 2 * COUNT_REACH * square[0]
            and piece.top + 0.3 * piece.height <= (mark.top + mark.bottom) / 2 <= piece.bottom + 0.15 * square[1])  # fmt: skip


def _digit(labels, shades, mark: blobs.Blob, marks: list[blobs.Blob], height: int) -> list[tuple[str, float]]:
    """What a digit-sized `mark` of a count reads as: alone, or with the `marks` that lie
    within it (a stroke blur parted from it, as the hook of a 2; a speck in its hole),
    whichever the glyph classifier is surer of. A mark as wide as two characters is two
    touching ("×4") where some cut of its middle half reads as two sure digits (the cut
    whose less sure half is surest), and no digit alone (a "×" may be that wide)."""
    classifier = glyphs.classifier()

    def read(characters: list[list[blobs.Blob]]) -> list[tuple[str, float]]:
        return classifier.read([blobs.glyph_features(labels, shades, parts, height) for parts in characters])

    within = [other for other in marks if other is not mark and blobs.lies_on(other, mark)]
    name, probability = max(read([[mark], [mark, *within]] if within else [[mark]]), key=lambda glyph: glyph[1])
    if mark.width < TWO_WIDE * height:
        return [(name, probability)]
    best, surest = None, 0.0
    for column in range(mark.width // 4, max(mark.width // 4 + 1, 3 * mark.width // 4)):
        halves = read([[half] for half in blobs.cut(labels, mark, [column])])
        least = min(sure if digit in glyphs.DIGITS else 0.0 for digit, sure in halves)
        if least >= SURE_OF_DIGITS and least > surest:
            best, surest = halves, least
    return best or [(name, 0.0 if name.isdigit() else probability)]
