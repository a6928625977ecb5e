"""The one rule for cutting a board image into the squares the classifier sees.

The rule's constants live in web/src/apps/shogi-board/board-geometry.json, which the page imports too, and
the resampling is spelt out here and in web/src/resample.ts step for step (a browser's
canvas and PIL each resample in their own way), so the training data, the Python recogniser
and the browser cut the same pixels from the same image.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

GEOMETRY_PATH = (
    Path(__file__).resolve().parents[2] / "web" / "src" / "apps" / "shogi-board" / "board-geometry.json"
)

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
    if document["aspect"] != "stretch" or document["resample"] != "triangle":
        raise ValueError(f"{path}: only aspect 'stretch' and resample 'triangle' are implemented")
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


def resample_weights(start: float, end: float, length: int, size: int):
    """(first, weights): output pixel i of the span [start, end) of a row of `length` pixels
    is sum_k weights[i, k] * pixel[first + k], the mean of the pixels under a triangle
    centred on it: as wide as one output pixel when shrinking (so every source pixel
    counts), two source pixels when enlarging (bilinear). Pixel j's centre is at j + 0.5.
    Where the triangle falls wholly off the image, the nearest pixel stands in."""
    import math

    import numpy as np

    scale = (end - start) / size
    support = max(scale, 1.0)
    first = min(max(0, math.floor(start - support)), length - 1)
    last = max(min(length, math.ceil(end + support)), first + 1)
    centres = start + (np.arange(size) + 0.5) * scale
    weights = np.maximum(
        0.0, 1.0 - np.abs(np.arange(first, last) + 0.5 - centres[:, None]) / support
    )
    off_image = weights.sum(axis=1) == 0
    nearest = np.clip(np.floor(centres), first, last - 1).astype(int) - first
    weights[off_image, nearest[off_image]] = 1.0
    return first, weights / weights.sum(axis=1, keepdims=True)


def resample(pixels, box: Box, width: int, height: int):
    """The part `box` of an (h, w, channels) pixel array as (height, width, channels)
    float32, each axis by `resample_weights`: rows first, then columns."""
    import numpy as np

    left, top, right, bottom = box
    first_row, rows = resample_weights(top, bottom, pixels.shape[0], height)
    first_column, columns = resample_weights(left, right, pixels.shape[1], width)
    region = np.asarray(
        pixels[first_row : first_row + rows.shape[1], first_column : first_column + columns.shape[1]],
        dtype=np.float64,
    )
    by_rows = np.tensordot(rows, region, axes=(1, 0))  # (height, w, channels)
    return np.einsum("iwc,jw->ijc", by_rows, columns, optimize=True).astype(np.float32)


def rgb_pixels(image):
    """A PIL image's pixels as an (h, w, 3) uint8 array, alpha dropped."""
    import numpy as np

    return np.asarray(image.convert("RGB"))


def cut(pixels, box: Box, size: int):
    """The square at `box` of an (h, w, 3) pixel array as (size, size, 3) float32 pixels."""
    return resample(pixels, box, size, size)


def cut_board(image, grid: Box, size: int):
    """All squares of a board image (a PIL image) as float32 pixels 0-255, shape
    (81, size, size, 3), in SFEN order (see `square_order`)."""
    import numpy as np

    pixels = rgb_pixels(image)
    return np.stack([cut(pixels, square_box(grid, file, rank), size) for file, rank in square_order()])
