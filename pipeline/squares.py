"""The one rule for cutting a board image into the squares the classifier sees.

The rule's constants live in web/src/board-geometry.json, which the page imports too, so the
training data, the Python recogniser and the browser cut squares the same way.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

GEOMETRY_PATH = Path(__file__).resolve().parent.parent / "web" / "src" / "board-geometry.json"

# (left, top, right, bottom) in pixels; for a grid, the centres of its outer lines.
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Geometry:
    files: int
    ranks: int
    margin: float


@functools.cache
def geometry(path: Path = GEOMETRY_PATH) -> Geometry:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    # The page implements only this aspect rule and resampling; another value would make the
    # two sides disagree silently.
    if document["aspect"] != "stretch" or document["resample"] != "bilinear":
        raise ValueError(f"{path}: only aspect 'stretch' and resample 'bilinear' are implemented")
    return Geometry(document["files"], document["ranks"], float(document["margin"]))


def square_box(grid: Box, file: int, rank: int) -> Box:
    """The pixel box of square (file, rank), 1-based as in shogi notation: file 9 is the
    leftmost column and rank 1 the top row, seen from sente."""
    shape = geometry()
    if not (1 <= file <= shape.files and 1 <= rank <= shape.ranks):
        raise ValueError(f"no square ({file}, {rank}) on a {shape.files}x{shape.ranks} board")
    left, top, right, bottom = grid
    width = (right - left) / shape.files
    height = (bottom - top) / shape.ranks
    column = shape.files - file
    row = rank - 1
    return (
        left + (column + shape.margin) * width,
        top + (row + shape.margin) * height,
        left + (column + 1 - shape.margin) * width,
        top + (row + 1 - shape.margin) * height,
    )


def square_order() -> list[tuple[int, int]]:
    """(file, rank) of every square in SFEN order: rank 1 first, file 9 to file 1."""
    shape = geometry()
    return [
        (file, rank) for rank in range(1, shape.ranks + 1) for file in range(shape.files, 0, -1)
    ]


def cut(image, box: Box, size: int):
    """The square at `box` of a PIL image as a `size` x `size` RGB PIL image."""
    from PIL import Image

    # resize(box=...) samples the fractional box directly, as the page's drawImage does
    return image.convert("RGB").resize((size, size), Image.Resampling.BILINEAR, box=box)


def cut_board(image, grid: Box, size: int):
    """All squares of a board image as float32 pixels 0-255, shape (81, size, size, 3), in
    SFEN order (see `square_order`)."""
    import numpy as np

    rgb = image.convert("RGB")
    return np.stack(
        [
            np.asarray(cut(rgb, square_box(grid, file, rank), size), dtype=np.float32)
            for file, rank in square_order()
        ]
    )
