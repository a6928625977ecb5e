"""Training data made from the CC0 piece and board images in pipeline/shogi/assets/shogi-images.

Two generators share one way of drawing pieces on a board texture:
- `random_squares`: classifier inputs that look like squares cut from board screenshots;
- `random_board`: a whole board with a random plausible position, and its SFEN board part.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline import checkpoints
from pipeline.errors import BuildError
from pipeline.shogi import squares

ASSETS_DIR = Path(__file__).resolve().parent / "assets" / "shogi-images"
PIECES_DIR = ASSETS_DIR / "pieces"
BOARDS_DIR = ASSETS_DIR / "boards"
# Third-party designs from public shogi apps (CC BY / CC BY-SA; README there).
PIECE_SETS_DIR = ASSETS_DIR.parent / "piece-sets"

# The original classifier's classes, in its output order. B_ is sente, W_ is gote.
LABELS = (
    "BLANK",
    "B_FU", "B_KY", "B_KE", "B_GI", "B_KI", "B_KA", "B_HI", "B_OU",
    "B_TO", "B_NY", "B_NK", "B_NG", "B_UM", "B_RY",
    "W_FU", "W_KY", "W_KE", "W_GI", "W_KI", "W_KA", "W_HI", "W_OU",
    "W_TO", "W_NY", "W_NK", "W_NG", "W_UM", "W_RY",
)  # fmt: skip
BLANK = "BLANK"

# Piece image file names (SIDE_KIND.png) -> label parts; the table in the assets README.
SIDES = {"black": "B", "white": "W"}
KINDS = {
    "pawn": "FU", "lance": "KY", "knight": "KE", "silver": "GI", "gold": "KI",
    "bishop": "KA", "rook": "HI", "king": "OU", "king2": "OU",
    "prom_pawn": "TO", "prom_lance": "NY", "prom_knight": "NK", "prom_silver": "NG",
    "horse": "UM", "dragon": "RY",
}  # fmt: skip
SFEN_LETTERS = {
    "FU": "P", "KY": "L", "KE": "N", "GI": "S", "KI": "G", "KA": "B", "HI": "R", "OU": "K",
    "TO": "+P", "NY": "+L", "NK": "+N", "NG": "+S", "UM": "+B", "RY": "+R",
}  # fmt: skip
PROMOTED = {"FU": "TO", "KY": "NY", "KE": "NK", "GI": "NG", "KA": "UM", "HI": "RY"}

# The board textures' grid as measured in the assets README: the outer lines' centres.
TEXTURE_SIZE = (458, 500)
TEXTURE_GRID: squares.Box = (6.5, 6.0, 6.5 + 9 * 49.44, 6.0 + 9 * 54.17)
# A piece on a real board is about this fraction of a square's height.
PIECE_HEIGHT = 0.9

# One side's pieces in a full set.
FULL_SET = {"OU": 1, "HI": 1, "KA": 1, "KI": 2, "GI": 2, "KE": 2, "KY": 2, "FU": 9}

Style = dict[str, list]  # label -> its piece images (RGBA PIL images); OU has two

# A style folder's file names -> labels, in its two naming schemes (see load_pieces).
KIND_NAMES = {
    f"{side}_{kind}.png": f"{code}_{KINDS[kind]}" for side, code in SIDES.items() for kind in KINDS
}
CSA_NAMES = {
    f"{number}{kind}.png": f"{code}_{kind}"
    for number, code in (("0", "B"), ("1", "W"))
    for kind in SFEN_LETTERS
}


class DataError(BuildError):
    """Training input that cannot be used; the message names the file and the cause."""


def load_pieces(pieces_dir: Path = PIECES_DIR) -> dict[str, Style]:
    """Every style folder of `pieces_dir` (style name -> Style), each complete and readable.

    A folder names its images in one of two ways: SIDE_KIND.png (black_pawn.png, as in the
    CC0 set) or the piece sets' SIDE + CSA code (0FU.png sente, 1FU.png gote)."""
    pieces_dir = Path(pieces_dir)
    folders = (
        sorted(path for path in pieces_dir.iterdir() if path.is_dir())
        if (pieces_dir.is_dir())
        else []
    )
    if not folders:
        raise DataError(f"{pieces_dir}: no piece style folders")
    styles = {}
    for folder in folders:
        expected = CSA_NAMES if (folder / "0FU.png").exists() else KIND_NAMES
        for path in sorted(folder.iterdir()):
            if path.name not in expected:
                raise DataError(
                    f"{path}: not a piece image this project knows (expected "
                    "SIDE_KIND.png or 0XX.png/1XX.png as listed in the assets READMEs)"
                )
        style: Style = {}
        for name, label in sorted(expected.items()):
            path = folder / name
            if not path.is_file():
                raise DataError(f"{path}: missing (every style needs all {len(expected)} images)")
            style.setdefault(label, []).append(_read_image(path).convert("RGBA"))
        styles[folder.name] = style
    return styles


def categories(pieces_dirs) -> dict[str, str]:
    """Style name -> its kind of design, as the piece sets' sets.json says (kanji,
    kanji_marks, glyph_only, symbol); styles it does not list are kanji."""
    found = {}
    for pieces_dir in pieces_dirs:
        path = Path(pieces_dir) / "sets.json"
        if path.is_file():
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
                found |= {name: entry["category"] for name, entry in document.items()}
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                raise DataError(f"{path}: not a piece set index ({error!r})") from error
    return found


def load_piece_folders(pieces_dirs) -> dict[str, Style]:
    """The styles of several piece folders together; a style name may appear only once."""
    styles: dict[str, Style] = {}
    for pieces_dir in pieces_dirs:
        for name, style in load_pieces(pieces_dir).items():
            if name in styles:
                raise DataError(f"{Path(pieces_dir) / name}: a second style named {name!r}")
            styles[name] = style
    return styles


def load_boards(boards_dir: Path = BOARDS_DIR) -> dict[str, object]:
    """Every board texture (*.png) of `boards_dir`: name -> RGB PIL image."""
    paths = sorted(Path(boards_dir).glob("*.png"))
    if not paths:
        raise DataError(f"{boards_dir}: no board textures (*.png)")
    boards = {}
    for path in paths:
        image = _read_image(path)
        # The grid was measured on textures of this size; another size would misplace pieces.
        if image.size != TEXTURE_SIZE:
            raise DataError(
                f"{path}: {image.width}x{image.height}, expected "
                f"{TEXTURE_SIZE[0]}x{TEXTURE_SIZE[1]} with the measured grid"
            )
        boards[path.stem] = image.convert("RGB")
    return boards


def read_labels(path: Path) -> list[str]:
    """A labels file (one class a line, in output order) whose classes this data can make."""
    try:
        labels = checkpoints.read_labels(path)
    except checkpoints.CheckpointError as error:
        raise DataError(str(error)) from error
    for number, label in enumerate(labels, start=1):
        if label not in LABELS:
            raise DataError(f"{path}:{number}: unknown label {label!r} (known: {' '.join(LABELS)})")
    return labels


def _read_image(path: Path):
    from PIL import Image

    try:
        image = Image.open(path)
        image.load()  # decodes now, so a truncated file fails here and not mid-training
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise DataError(f"{path}: cannot read ({error})") from error
    return image


@dataclass(frozen=True)
class Placement:
    """A piece image on a square: its scale (1 = PIECE_HEIGHT of the square's height), its
    offset from the square's centre in fractions of the square, and rotation in degrees."""

    image: object
    scale: float = 1.0
    dx: float = 0.0
    dy: float = 0.0
    angle: float = 0.0
    # Pixel-art sets: the piece is drawn this many pixels high, then enlarged without
    # smoothing (0: drawn smooth at its size).
    pixel_height: int = 0


def draw_pieces(canvas, grid: squares.Box, placements: dict[tuple[int, int], Placement]) -> None:
    """Composites pieces onto an RGBA `canvas` whose board grid is `grid`; `placements` is
    keyed by (file, rank)."""
    from PIL import Image

    width = (grid[2] - grid[0]) / 9
    height = (grid[3] - grid[1]) / 9
    for (file, rank), placement in placements.items():
        piece = placement.image
        piece_height = height * PIECE_HEIGHT * placement.scale
        size = (
            max(1, round(piece_height * piece.width / piece.height)),
            max(1, round(piece_height)),
        )
        if placement.pixel_height:
            small = (max(1, round(size[0] * placement.pixel_height / size[1])), placement.pixel_height)
            piece = piece.resize(small, Image.Resampling.BOX).resize(size, Image.Resampling.NEAREST)
        else:
            piece = piece.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
        if placement.angle:
            piece = piece.rotate(placement.angle, Image.Resampling.BICUBIC, expand=True)
        centre_x = grid[0] + (9 - file + 0.5 + placement.dx) * width
        centre_y = grid[1] + (rank - 0.5 + placement.dy) * height
        # floor(x + 0.5), not round(): round() ties to even, so a crop's whole-pixel origin
        # shift could move a piece by a pixel
        corner = (
            math.floor(centre_x - piece.width / 2 + 0.5),
            math.floor(centre_y - piece.height / 2 + 0.5),
        )
        canvas.alpha_composite(piece, corner)


def render_board(texture, placements: dict[tuple[int, int], Placement]):
    """A board texture with pieces on it, as an RGB PIL image (grid TEXTURE_GRID)."""
    canvas = texture.convert("RGBA")
    draw_pieces(canvas, TEXTURE_GRID, placements)
    return canvas.convert("RGB")


# --- boards -----------------------------------------------------------------------------


def random_position(rng) -> list[str]:
    """81 labels in SFEN order (see squares.square_order) for a plausible position: both
    kings on the board, at most a full set of pieces, no unpromoted piece where it could not
    move, no two unpromoted pawns of one side on a file."""
    order = squares.square_order()
    board: dict[tuple[int, int], str] = {}
    on_board = rng.uniform(0.3, 1.0)  # sparse endgames to full openings
    for kind, count in FULL_SET.items():
        for _ in range(2 * count):
            if kind != "OU" and rng.random() > on_board:
                continue  # in a hand
            side = "B" if rng.random() < 0.5 else "W"
            if kind == "OU":
                side = "B" if "B_OU" not in board.values() else "W"
            shown = PROMOTED[kind] if kind in PROMOTED and rng.random() < 0.25 else kind
            free = [
                square
                for square in order
                if square not in board and _may_stand(board, side, shown, *square)
            ]
            if free:
                board[free[rng.integers(len(free))]] = f"{side}_{shown}"
    return [board.get(square, BLANK) for square in order]


def _may_stand(board: dict, side: str, kind: str, file: int, rank: int) -> bool:
    # ranks counted from this side's far end: 1 is the last rank it moves towards
    ahead = rank if side == "B" else 10 - rank
    if kind in ("FU", "KY") and ahead == 1:
        return False
    if kind == "KE" and ahead <= 2:
        return False
    if kind == "FU":
        return all(board.get((file, other)) != f"{side}_FU" for other in range(1, 10))
    return True


def sfen_board(position: list[str]) -> str:
    """The board part of an SFEN for 81 labels in SFEN order (sente uppercase)."""
    rows = []
    for row in range(9):
        text, empty = "", 0
        for label in position[row * 9 : row * 9 + 9]:
            if label == BLANK:
                empty += 1
                continue
            letter = SFEN_LETTERS[label[2:]]
            text += (str(empty) if empty else "") + (letter if label[0] == "B" else letter.lower())
            empty = 0
        rows.append(text + (str(empty) if empty else ""))
    return "/".join(rows)


def labels_of(sfen: str) -> list[str]:
    """81 labels in SFEN order from an SFEN board part: the inverse of `sfen_board`. A board
    that is not one raises position.PositionError, a ValueError."""
    from pipeline.shogi import position  # imported here: it builds on this module

    return position.parse_board(sfen)


def random_board(pieces: dict[str, Style], boards: dict, rng, jitter: bool = True):
    """(RGB PIL board image with grid TEXTURE_GRID, its SFEN board part) for a random
    plausible position in one random piece style on one random texture. With `jitter`,
    pieces sit slightly off-centre, scaled and rotated as on a real board."""
    style = pieces[_choice(rng, sorted(pieces))]
    texture = boards[_choice(rng, sorted(boards))]
    position = random_position(rng)
    placements = {
        square: _random_placement(style, label, rng, 0.05 if jitter else 0.0)
        for square, label in zip(squares.square_order(), position)
        if label != BLANK
    }
    return render_board(texture, placements), sfen_board(position)


def screenshot_board(pieces: dict[str, Style], textures: dict, rng, square_heights=(28.0, 90.0)):
    """(RGB PIL image, its SFEN board part): a random plausible position in one of `pieces`'
    styles as a screenshot of an app shows it. The board is a `random_texture` with two
    squares marked (last move, check, a coordinate...) and pieces a little off-centre; the
    screenshot scales it to a square height in `square_heights` (a non-integer factor),
    changes its colours, blurs a third and JPEG-compresses half, and has page margins."""
    canvas, position, _ = app_board(pieces, textures, rng)
    shot = replace(random_screenshot(rng), square_height=float(rng.uniform(*square_heights)),
                   grid_error=(0.0, 0.0, 0.0, 0.0))  # fmt: skip
    board, _ = photograph(canvas.convert("RGB"), TEXTURE_GRID, shot)
    return on_page(board, rng), sfen_board(position)


def app_board(pieces: dict[str, Style], textures: dict, rng):
    """(RGBA board image with grid TEXTURE_GRID, its 81 labels, the style drawn in): a random
    plausible position in one of `pieces`' styles on a `random_texture`, as an app draws it:
    two squares marked (last move, check, a coordinate...), pieces a little off-centre."""
    style = pieces[_choice(rng, sorted(pieces))]
    canvas = random_texture(textures, rng).convert("RGBA")
    order = squares.square_order()
    for index in rng.choice(len(order), 2, replace=False):
        mark_square(canvas, TEXTURE_GRID, *order[index], rng)
    position = random_position(rng)
    placements = {
        square: _random_placement(style, label, rng, 0.05)
        for square, label in zip(order, position)
        if label != BLANK
    }
    draw_pieces(canvas, TEXTURE_GRID, placements)
    return canvas, position, style


def on_page(board, rng, background=None):
    """The board image on a page (of `background`, else a random light grey) with margins
    of 0 to 59 pixels, as a screenshot of an app's window shows it."""
    from PIL import Image

    left, top, right, bottom = (int(value) for value in rng.integers(0, 60, 4))
    if background is None:
        background = tuple(int(value) for value in rng.integers(200, 256, 3))
    page = Image.new("RGB", (board.width + left + right, board.height + top + bottom), background)
    page.paste(board, (left, top))
    return page


def _random_placement(style: Style, label: str, rng, jitter: float, larger: float = 0.0) -> Placement:
    """Up to `jitter` off-centre, turned and smaller or larger; up to `larger` more larger."""
    images = style[label]
    return Placement(
        images[rng.integers(len(images))],
        scale=1 + rng.uniform(-jitter, jitter + larger),
        dx=rng.uniform(-jitter, jitter),
        dy=rng.uniform(-jitter, jitter),
        angle=rng.uniform(-3, 3) * jitter / 0.1,
    )


def _choice(rng, items: list):
    return items[rng.integers(len(items))]


# --- how apps draw boards ------------------------------------------------------------

# Colours apps mark squares with: last move, selection, hints; and check.
HIGHLIGHTS = ((255, 214, 0), (155, 199, 0), (80, 160, 255), (255, 140, 40), (120, 220, 160))
CHECK = (230, 30, 30)
BOARD_COLOURS = (
    (220, 180, 110), (240, 205, 140), (200, 150, 90), (250, 230, 180), (180, 130, 70),
    (120, 150, 110), (150, 170, 190), (60, 60, 64), (40, 44, 52), (235, 235, 235),
)  # fmt: skip


def random_texture(textures: dict, rng):
    """A board with grid TEXTURE_GRID: half the time one of `textures`, the other half a
    generated one (flat, gradient or grain, light or dark themes); either way its grid lines
    redrawn, in 30 % of cases, thinner or thicker in another colour."""
    import numpy as np
    from PIL import Image

    if rng.random() < 0.5:
        image = textures[_choice(rng, sorted(textures))].copy()
        dark = False
        if rng.random() > 0.3:
            return image
    else:
        colour = np.asarray(BOARD_COLOURS[rng.integers(len(BOARD_COLOURS))], dtype=np.float32)
        colour = np.clip(colour * rng.uniform(0.85, 1.15, 3), 0, 255)
        width, height = TEXTURE_SIZE
        y, x = np.mgrid[0:height, 0:width].astype(np.float32)
        finish = rng.integers(3)
        if finish == 1:  # gradient
            shade = 1 + rng.uniform(-0.12, 0.12) * (x / width - 0.5) + rng.uniform(-0.12, 0.12) * (
                y / height - 0.5
            )
        elif finish == 2:  # wood grain
            waver = np.cumsum(rng.normal(0, 0.5, height))[:, None]
            frequency = rng.uniform(0.1, 0.5)
            shade = 0.93 + 0.07 * np.sin((x + waver) * frequency + 2 * np.sin(y * 0.013))
        else:
            shade = np.ones_like(x)
        pixels = colour * shade[..., None] + rng.normal(0, rng.uniform(0, 4), (height, width, 1))
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
        dark = colour.mean() < 100
    _draw_grid(image, rng, dark)
    return image


def _draw_grid(image, rng, dark: bool) -> None:
    from PIL import ImageDraw

    draw = ImageDraw.Draw(image)
    shade = int(rng.integers(150, 230)) if dark else int(rng.integers(0, 90))
    colour = (shade, shade, shade)
    width = int(rng.choice([1, 1, 2, 2, 3, 4]))
    left, top, right, bottom = TEXTURE_GRID
    for k in range(10):
        x = left + k * (right - left) / 9
        y = top + k * (bottom - top) / 9
        # lines centred on the grid, whatever their width
        draw.rectangle((round(x - width / 2), top - width / 2, round(x - width / 2) + width - 1,
                        bottom + width / 2), fill=colour)  # fmt: skip
        draw.rectangle((left - width / 2, round(y - width / 2), right + width / 2,
                        round(y - width / 2) + width - 1), fill=colour)  # fmt: skip
    if rng.random() < 0.6:  # star points
        for file, rank in ((6, 3), (3, 3), (6, 6), (3, 6)):
            x = left + file * (right - left) / 9
            y = top + rank * (bottom - top) / 9
            radius = 2 + width
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)


def mark_square(canvas, grid: squares.Box, file: int, rank: int, rng) -> None:
    """Marks square (file, rank) of an RGBA canvas as apps do, under its piece: a coloured
    fill (last move, hints), a frame (selection), a red glow (check) or a coordinate in its
    corner."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    left, top, right, bottom = (
        grid[0] + (9 - file) * (grid[2] - grid[0]) / 9,
        grid[1] + (rank - 1) * (grid[3] - grid[1]) / 9,
        grid[0] + (10 - file) * (grid[2] - grid[0]) / 9,
        grid[1] + rank * (grid[3] - grid[1]) / 9,
    )
    box = (round(left), round(top), round(right), round(bottom))
    size = (max(1, box[2] - box[0]), max(1, box[3] - box[1]))
    kind = rng.integers(4)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    if kind == 0:
        colour = HIGHLIGHTS[rng.integers(len(HIGHLIGHTS))]
        draw.rectangle((0, 0, *size), fill=colour + (int(rng.integers(70, 160)),))
    elif kind == 1:
        colour = HIGHLIGHTS[rng.integers(len(HIGHLIGHTS))]
        width = int(rng.integers(2, 5))
        draw.rectangle((0, 0, size[0] - 1, size[1] - 1), outline=colour + (230,), width=width)
    elif kind == 2:
        y, x = np.mgrid[0 : size[1], 0 : size[0]].astype(np.float32)
        distance = np.hypot(x / size[0] - 0.5, y / size[1] - 0.5) / 0.7
        alpha = np.clip(1 - distance, 0, 1) * rng.uniform(150, 230)
        glow = np.zeros((size[1], size[0], 4), dtype=np.uint8)
        glow[..., :3] = CHECK
        glow[..., 3] = alpha.astype(np.uint8)
        layer = Image.fromarray(glow, "RGBA")
    else:
        # files as digits, ranks as digits or letters (international apps write a-i)
        text = str(file) if rng.random() < 0.5 else _choice(rng, [str(rank), "abcdefghi"[rank - 1]])
        height = max(6, round(size[1] * rng.uniform(0.18, 0.3)))
        font = ImageFont.load_default(height)
        shade = int(rng.integers(0, 120))
        corner = (size[0] - height, 1) if rng.random() < 0.5 else (2, size[1] - height - 2)
        draw.text(corner, text, fill=(shade, shade, shade, 255), font=font)
    canvas.alpha_composite(layer, box[:2])


# --- squares ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Screenshot:
    """How a screenshot changes a board: the square height it shows the board at, the
    resampling, how far off the grid was found (fractions of a square, per edge of the grid
    box), colour changes, blur and JPEG compression."""

    square_height: float
    resample: int
    grid_error: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    brightness: float = 1.0
    contrast: float = 1.0
    saturation: float = 1.0
    gains: tuple[float, float, float] = (1.0, 1.0, 1.0)
    blur: float = 0.0
    jpeg_quality: int = 0  # 0: not compressed


def random_screenshot(rng) -> Screenshot:
    from PIL import Image

    resamplers = [
        Image.Resampling.BILINEAR,
        Image.Resampling.BICUBIC,
        Image.Resampling.LANCZOS,
        Image.Resampling.BOX,
        Image.Resampling.NEAREST,
    ]
    return Screenshot(
        square_height=float(rng.uniform(26, 120)),
        resample=int(_choice(rng, resamplers)),
        grid_error=tuple(float(error) for error in rng.uniform(-0.04, 0.04, 4)),
        brightness=float(rng.uniform(0.7, 1.3)),
        contrast=float(rng.uniform(0.7, 1.3)),
        saturation=float(rng.uniform(0.5, 1.4)),
        gains=tuple(float(gain) for gain in rng.uniform(0.85, 1.15, 3)),
        blur=float(rng.uniform(0.2, 1.2)) if rng.random() < 0.3 else 0.0,
        jpeg_quality=int(rng.integers(30, 96)) if rng.random() < 0.5 else 0,
    )


def render_square(
    texture,
    placements: dict[tuple[int, int], Placement],
    file: int,
    rank: int,
    size: int,
    screenshot: Screenshot | None = None,
    marks: tuple = (),
):
    """Square (file, rank) of a board texture with pieces on it (and on its neighbours), as
    squares.cut cuts it from a screenshot of that board: (size, size, 3) float32 pixels.
    `marks`: ((file, rank), seed) of squares `mark_square` marks first.

    Only the square and its neighbours are drawn; without `screenshot` and `marks` the
    result is the square of `render_board(texture, placements)` as squares.cut_board cuts
    it."""
    import numpy as np

    cell = squares.square_box(TEXTURE_GRID, file, rank)
    width = (TEXTURE_GRID[2] - TEXTURE_GRID[0]) / 9
    height = (TEXTURE_GRID[3] - TEXTURE_GRID[1]) / 9
    # one square of context on every side, so neighbours bleed in as they would
    left = max(0, int(cell[0] - width))
    top = max(0, int(cell[1] - height))
    right = min(texture.width, int(cell[2] + width) + 1)
    bottom = min(texture.height, int(cell[3] + height) + 1)
    canvas = texture.crop((left, top, right, bottom)).convert("RGBA")
    grid = moved(TEXTURE_GRID, -left, -top, 1.0, 1.0)
    nearby = {
        square: placement
        for square, placement in placements.items()
        if abs(square[0] - file) <= 1 and abs(square[1] - rank) <= 1
    }
    for (marked_file, marked_rank), seed in marks:
        mark_square(canvas, grid, marked_file, marked_rank, np.random.default_rng(seed))
    draw_pieces(canvas, grid, nearby)
    image = canvas.convert("RGB")
    if screenshot is not None:
        image, grid = photograph(image, grid, screenshot)
    return squares.cut(squares.rgb_pixels(image), squares.square_box(grid, file, rank), size)


def moved(grid: squares.Box, dx: float, dy: float, sx: float, sy: float) -> squares.Box:
    return ((grid[0] + dx) * sx, (grid[1] + dy) * sy, (grid[2] + dx) * sx, (grid[3] + dy) * sy)


def photograph(image, grid: squares.Box, shot: Screenshot):
    """The image as the screenshot shows it, and where the grid is found in it."""
    import io

    import numpy as np
    from PIL import Image, ImageEnhance, ImageFilter

    scale = shot.square_height / ((grid[3] - grid[1]) / 9)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    grid = moved(grid, 0, 0, size[0] / image.width, size[1] / image.height)
    image = image.resize(size, shot.resample)
    image = ImageEnhance.Brightness(image).enhance(shot.brightness)
    image = ImageEnhance.Contrast(image).enhance(shot.contrast)
    image = ImageEnhance.Color(image).enhance(shot.saturation)
    pixels = np.asarray(image, dtype=np.float32) * np.asarray(shot.gains, dtype=np.float32)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if shot.blur:
        image = image.filter(ImageFilter.GaussianBlur(shot.blur))
    if shot.jpeg_quality:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=shot.jpeg_quality)
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    square_width = (grid[2] - grid[0]) / 9
    square_height = (grid[3] - grid[1]) / 9
    error = shot.grid_error
    found = (
        grid[0] + error[0] * square_width,
        grid[1] + error[1] * square_height,
        grid[2] + error[2] * square_width,
        grid[3] + error[3] * square_height,
    )
    return image, found


def inverted(style: Style) -> Style:
    """The style with light and dark swapped but hues kept: a black glyph on a light piece
    becomes a white glyph on a dark one, a red glyph a pink one."""
    import numpy as np
    from PIL import Image

    def invert(image):
        rgba = np.asarray(image, dtype=np.float32)
        lightness = rgba[..., :3] @ np.asarray([0.299, 0.587, 0.114], dtype=np.float32)
        rgba[..., :3] += (255 - 2 * lightness)[..., None]
        return Image.fromarray(np.clip(rgba, 0, 255).astype(np.uint8), "RGBA")

    return {label: [invert(image) for image in images] for label, images in style.items()}


# Squares drawn from one seed: the data are the same however many processes draw them.
CHUNK = 256
TEXTURES_A_CHUNK = 6


def random_squares(
    pieces: dict[str, Style],
    boards: dict,
    labels: list[str],
    count: int,
    size: int,
    rng,
    invert: bool = False,
    processes: int = 1,
    progress: str = "",
):
    """`count` training squares, classes balanced: (uint8 pixels (count, size, size, 3),
    class indices into `labels` (count,)).

    Each is one square of a random texture at a random place (so BLANK includes star points
    and edges) with its piece off-centre, scaled and turned a little, neighbours that bleed
    in at the borders, and the changes of a random screenshot. With `invert`, 30 % of
    them show their style `inverted` (most apps' pieces are light), so that a glyph's shape
    is not learnt as belonging to one piece colour (the CC0 styles draw some promoted pieces differently on light pieces).

    `processes` > 1 draws in that many processes; `progress` (a description) draws a
    progress bar on stderr."""
    import numpy as np
    from tqdm import tqdm

    targets = rng.permutation(np.arange(count) % len(labels))
    seeds = rng.integers(0, 2**63 - 1, -(-count // CHUNK))
    chunks = [
        (targets[index * CHUNK : (index + 1) * CHUNK], seed) for index, seed in enumerate(seeds)
    ]
    bar = tqdm(total=count, unit="square", desc=progress, file=sys.stderr, disable=not progress)
    drawer = _SquareDrawer(pieces, boards, labels, size, invert)
    parts = []
    with bar:
        for part in _draw_chunks(drawer, chunks, processes):
            parts.append(part)
            bar.update(len(part))
    return np.concatenate(parts), targets


def _draw_chunks(drawer: _SquareDrawer, chunks: list, processes: int):
    """The squares of each (targets, seed) chunk, in order, drawn in up to `processes`
    processes."""
    if processes <= 1 or len(chunks) <= 1:
        yield from (drawer.draw(*chunk) for chunk in chunks)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the caller may have started TensorFlow's threads
    with ProcessPoolExecutor(
        min(processes, len(chunks)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(drawer,),
    ) as pool:
        yield from pool.map(_draw_in_worker, chunks)


class _SquareDrawer:
    """Draws the squares of `random_squares` for given classes from a seed."""

    def __init__(self, pieces, boards, labels, size, invert):
        self.pieces, self.boards, self.labels = pieces, boards, labels
        self.size, self.invert = size, invert
        self.swapped = {name: inverted(style) for name, style in pieces.items()} if invert else {}
        self.style_names, self.board_names = sorted(pieces), sorted(boards)

    def draw(self, targets, seed):
        import numpy as np

        rng = np.random.default_rng(seed)
        pixels = np.empty((len(targets), self.size, self.size, 3), dtype=np.uint8)
        everything = [label for label in LABELS if label != BLANK]
        # a few boards a chunk: generating one costs more than drawing a square on it
        textures = [random_texture(self.boards, rng) for _ in range(TEXTURES_A_CHUNK)]
        for index, target in enumerate(targets):
            name = _choice(rng, self.style_names)
            swap = self.invert and rng.random() < 0.3
            style = self.swapped[name] if swap else self.pieces[name]
            texture = textures[rng.integers(len(textures))]
            file, rank = (int(value) for value in rng.integers(1, 10, 2))
            placements = {}
            for neighbour_file in (file - 1, file, file + 1):
                for neighbour_rank in (rank - 1, rank, rank + 1):
                    if 1 <= neighbour_file <= 9 and 1 <= neighbour_rank <= 9 and rng.random() < 0.5:
                        placements[neighbour_file, neighbour_rank] = _random_placement(
                            style, _choice(rng, everything), rng, 0.1
                        )
            label = self.labels[target]
            placements.pop((file, rank), None)
            if label != BLANK:
                placement = _random_placement(style, label, rng, 0.1, larger=0.1)
                if rng.random() < 0.08:
                    placement = replace(placement, pixel_height=int(rng.integers(14, 33)))
                placements[file, rank] = placement
            marks = tuple(
                (square, int(rng.integers(2**31)))
                for square in sorted(placements.keys() | {(file, rank)})
                if rng.random() < (0.3 if square == (file, rank) else 0.05)
            )
            square = render_square(
                texture, placements, file, rank, self.size, random_screenshot(rng), marks
            )
            pixels[index] = np.clip(np.floor(square + 0.5), 0, 255)
        return pixels


_worker_drawer: _SquareDrawer | None = None


def _start_worker(drawer: _SquareDrawer) -> None:
    import os
    import threading

    global _worker_drawer
    _worker_drawer = drawer
    # A parent stopped by a signal it cannot catch (or one that ends it before the pool
    # shuts down) leaves its workers behind; they notice and go too.
    threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()


def _exit_with(parent: int) -> None:
    import os
    import time

    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _draw_in_worker(chunk):
    return _worker_drawer.draw(*chunk)
