"""Screenshots with the pieces in hand shown, as apps and kifu viewers show them, to measure
reading the hands (pipeline/shogi/hands.py) on.

Three layouts:
- "beside": each hand a column of piece images beside the board, gote's (turned) on one
  side from the top, sente's on the other from the bottom, a count beside a piece held
  more than once; sometimes on a stand of its own colour;
- "above_below": gote's hand a row above the board, sente's below, counts as above;
- "kifu_text": the kanji lines of a kifu viewer, 「後手の持駒：飛 歩三」 above the board and
  「先手の持駒：角 金二」 below (なし for an empty hand).

Pieces are the board's own style and scale; digits and text are drawn in fonts the glyph
classifier never trained on (glyphs.HELD_OUT_FONTS).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.shogi import data as shogi_data
from pipeline.shogi import glyphs, position, squares

LAYOUTS = ("beside", "above_below", "kifu_text")


@dataclass
class HandScreenshot:
    image: object  # RGB PIL image
    board: list[str]  # 81 labels in SFEN order
    hands: dict[str, dict[str, int]]  # side -> kind -> count, as position.Position has them
    layout: str
    grid: squares.Box  # where the board's grid is


def random_hands(board: list[str], rng) -> dict[str, dict[str, int]]:
    """The pieces of a full set that are not on `board` (promoted ones counted as their
    kind), each given to a side at random."""
    hands = position.empty_hands()
    for kind in position.HAND_KINDS:
        on_board = sum(
            position.UNPROMOTED.get(label[2:], label[2:]) == kind
            for label in board
            if label != shogi_data.BLANK
        )
        for _ in range(position.SET_COUNTS[kind] - on_board):
            hands["b" if rng.random() < 0.5 else "w"][kind] += 1
    return hands


def hand_screenshot(layout: str, pieces: dict, textures: dict, rng) -> HandScreenshot:
    """A random position in `layout` (see LAYOUTS): one of `pieces`' styles on a
    `shogi_data.random_texture`, screenshot at a square height of 32 to 80 pixels."""
    from PIL import Image

    if layout not in LAYOUTS:
        raise ValueError(f"no layout {layout!r} (known: {', '.join(LAYOUTS)})")
    board_image, board, style = shogi_data.app_board(pieces, textures, rng)
    hands = random_hands(board, rng)

    dark = rng.random() < 0.25
    background = tuple(int(v) for v in (rng.integers(20, 70, 3) if dark else rng.integers(200, 256, 3)))
    ink = tuple(int(v) for v in (rng.integers(200, 256, 3) if dark else rng.integers(0, 60, 3)))
    square = ((shogi_data.TEXTURE_GRID[2] - shogi_data.TEXTURE_GRID[0]) / 9,
              (shogi_data.TEXTURE_GRID[3] - shogi_data.TEXTURE_GRID[1]) / 9)  # fmt: skip
    drawer = _HandDrawer(style, square, ink, rng)
    margin = int(rng.integers(8, 40))
    if layout == "beside":
        items = {side: drawer.items(hands[side], side) for side in position.SIDES}
        column = max([drawer.column_width(items[side]) for side in position.SIDES] + [square[0]])
        gap = int(rng.integers(6, 30))
        size = (board_image.width + 2 * (column + gap + margin), board_image.height + 2 * margin)
        page = Image.new("RGBA", (round(size[0]), size[1]), background + (255,))
        board_at = (round(margin + column + gap), margin)
        gote_left = rng.random() < 0.7  # most apps put gote's hand at the top left
        left_x, right_x = margin, board_at[0] + board_image.width + gap
        drawer.column(page, items["w"], left_x if gote_left else right_x, margin, column, from_top=True)
        drawer.column(page, items["b"], right_x if gote_left else left_x, margin + board_image.height,
                      column, from_top=False)  # fmt: skip
    elif layout == "above_below":
        items = {side: drawer.items(hands[side], side) for side in position.SIDES}
        row_height = round(square[1] * 1.15)
        width = max([drawer.row_width(items[side]) for side in position.SIDES] + [board_image.width])
        size = (round(width) + 2 * margin, board_image.height + 2 * (row_height + margin))
        page = Image.new("RGBA", size, background + (255,))
        board_at = (margin, margin + row_height)
        drawer.row(page, items["w"], margin, margin, row_height)
        drawer.row(page, items["b"], margin, board_at[1] + board_image.height, row_height)
    else:
        font = glyphs.held_out_font(rng, round(square[1] * rng.uniform(0.38, 0.55)))
        names = {side: position.BOD_SIDES[side][int(rng.random() < 0.15)] for side in position.SIDES}
        lines = {side: f"{names[side]}の持駒：{position.hand_text(hands[side])}" for side in position.SIDES}
        line_height = round(font.size * 1.6)
        width = max([font.getlength(line) for line in lines.values()] + [board_image.width])
        size = (round(width) + 2 * margin, board_image.height + 2 * (line_height + margin))
        page = Image.new("RGBA", size, background + (255,))
        board_at = (margin, margin + line_height)
        glyphs.draw_text(page, (margin, margin), lines["w"], font, ink)
        glyphs.draw_text(page, (margin, board_at[1] + board_image.height + round(font.size * 0.5)),
                         lines["b"], font, ink)  # fmt: skip
    page.alpha_composite(board_image, board_at)
    grid = shogi_data.moved(shogi_data.TEXTURE_GRID, *board_at, 1.0, 1.0)
    shot = shogi_data.random_screenshot(rng)
    shot = shogi_data.Screenshot(
        square_height=float(rng.uniform(32, 80)), resample=shot.resample,
        brightness=shot.brightness, contrast=shot.contrast, saturation=shot.saturation,
        gains=shot.gains, blur=float(rng.uniform(0.2, 0.6)) if rng.random() < 0.2 else 0.0,
        jpeg_quality=int(rng.integers(60, 96)) if rng.random() < 0.3 else 0,
    )  # fmt: skip
    image, grid = shogi_data.photograph(page.convert("RGB"), grid, shot)
    return HandScreenshot(image, board, hands, layout, grid)


@dataclass
class _Item:
    piece: object  # RGBA PIL image, sized
    count: str  # drawn beside the piece; empty for one


class _HandDrawer:
    """Draws hands as apps do: one piece image a kind, the count beside it."""

    def __init__(self, style, square, ink, rng):
        self.style, self.square, self.ink, self.rng = style, square, ink, rng
        self.scale = rng.uniform(0.75, 1.0)  # hands are often drawn a little smaller
        self.font = glyphs.held_out_font(rng, round(square[1] * rng.uniform(0.32, 0.45)))
        self.times = rng.random() < 0.25  # "×2" rather than "2"
        self.stand = rng.random() < 0.5
        light = [colour for colour in shogi_data.BOARD_COLOURS if sum(colour) > 3 * 140]
        self.stand_colour = light[rng.integers(len(light))]  # counts on it are drawn dark
        self.spacing = rng.uniform(0.08, 0.3) * square[1]

    def items(self, hand: dict[str, int], side: str) -> list[_Item]:
        from PIL import Image

        found = []
        kinds = list(position.HAND_KINDS)
        if self.rng.random() < 0.5:
            kinds.reverse()
        for kind in kinds:
            if not hand[kind]:
                continue
            images = self.style[f"{'B' if side == 'b' else 'W'}_{kind}"]
            piece = images[self.rng.integers(len(images))]
            height = self.square[1] * shogi_data.PIECE_HEIGHT * self.scale
            size = (max(1, round(height * piece.width / piece.height)), max(1, round(height)))
            piece = piece.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
            count = str(hand[kind]) if hand[kind] > 1 else ""
            found.append(_Item(piece, ("×" + count) if count and self.times else count))
        return found

    def item_width(self, item: _Item) -> float:
        text = self.font.getlength(item.count) if item.count else 0
        return item.piece.width + (self.square[0] * 0.12 + text if item.count else 0)

    def column_width(self, items: list[_Item]) -> float:
        return max([self.item_width(item) for item in items] + [0]) + 8

    def row_width(self, items: list[_Item]) -> float:
        return sum(self.item_width(item) + self.spacing for item in items) + 8

    def column(self, page, items, x, y, width, from_top: bool) -> None:
        heights = sum(item.piece.height + self.spacing for item in items)
        top = y if from_top else y - heights
        if self.stand and items:
            self._stand(page, (x - 4, top - 4, x + width, top + heights + 4))
        for item in items:
            self._item(page, item, x, top)
            top += item.piece.height + self.spacing

    def row(self, page, items, x, y, height) -> None:
        if self.stand and items:
            self._stand(page, (x - 4, y, x + self.row_width(items), y + height))
        for item in items:
            self._item(page, item, x, round(y + (height - item.piece.height) / 2))
            x += self.item_width(item) + self.spacing

    def _stand(self, page, box) -> None:
        from PIL import ImageDraw

        ImageDraw.Draw(page).rectangle(tuple(round(v) for v in box), fill=self.stand_colour + (255,))

    def _item(self, page, item: _Item, x, y) -> None:
        x, y = round(x), round(y)
        page.alpha_composite(item.piece, (x, y))
        if item.count:
            ink = self.ink if not self.stand else (20, 20, 20)
            # beside the piece, level with its lower half
            bottom = y + item.piece.height
            glyphs.draw_text(page, (x + item.piece.width + round(self.square[0] * 0.1),
                                    bottom - round(self.font.size * 1.15)), item.count, self.font, ink)  # fmt: skip
