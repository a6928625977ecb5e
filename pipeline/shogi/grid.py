"""Finding the 9x9 grid of a shogi board in a screenshot.

The grid's lines are thin and run the whole width or height of the board; piece
strokes are short. So each column (and row) is scored by how much of it is a thin
line, and the grid is the ten equally spaced columns (rows) that score best together.
The page implements the same steps in web/src/apps/shogi-board/grid.ts; tests hold the two to each other.
"""

from __future__ import annotations

import numpy as np

from pipeline.errors import BuildError
from pipeline.shogi import squares
from pipeline.shogi.squares import Box

LINES = 10  # a 9x9 board has ten lines each way
SMALLEST_SQUARE = 8  # pixels; below this the pieces cannot be told apart anyway
LINE_CONTRAST = 12.0  # grey levels a line must be darker (or lighter) than the paper beside it
WINDOW = 3  # pixels beside a line that count as its paper
# How much more of its length each grid line must be line than the median column (row) is:
# pieces drawn a little oversize cover a good part of the lines on a full board, while in
# noise or a photo every column looks alike (within a few hundredths).
STANDOUT = 0.2
# Larger screenshots are searched at this size (longer side), then scaled back: the page
# must find the grid on its main thread well within a frame budget.
SEARCH_SIDE = 640


class GridError(BuildError):
    """No board grid in the image; the message says why."""


def line_profile(gray: np.ndarray, axis: int) -> np.ndarray:
    """For each column (axis=0) or row (axis=1): the share of its length that is a thin
    line, i.e. darker (or, on dark boards, lighter) by LINE_CONTRAST than the paper WINDOW
    pixels to both sides. Both sides, so that the edge of a piece does not count."""
    pixels = gray if axis == 0 else gray.T
    padded = np.pad(pixels, ((0, 0), (WINDOW, WINDOW)), mode="edge")
    before = padded[:, : -2 * WINDOW]
    after = padded[:, 2 * WINDOW :]
    darker = (np.minimum(before, after) - pixels) > LINE_CONTRAST
    lighter = (pixels - np.maximum(before, after)) > LINE_CONTRAST
    return (darker | lighter).mean(axis=0)


def best_lines(profile: np.ndarray) -> tuple[float, float, float]:
    """(first line, spacing, score) of the LINES equally spaced positions whose profile
    values add up most: a coarse search over every spacing, then a fine one around the best."""
    length = len(profile)
    widest = (length - 1) / (LINES - 1)
    first, spacing, _ = _search(profile, np.arange(SMALLEST_SQUARE, widest + 1e-9, 0.25), None)
    fine = np.arange(spacing - 0.25, spacing + 0.25 + 1e-9, 0.02)
    return _search(profile, fine[(fine >= SMALLEST_SQUARE) & (fine <= widest)], first)


def _search(profile, spacings, near: float | None) -> tuple[float, float, float]:
    length = len(profile)
    positions = np.arange(length, dtype=np.float64)
    best = (0.0, 0.0, -1.0)
    for spacing in spacings:
        last_start = length - 1 - spacing * (LINES - 1)
        if near is None:
            starts = np.arange(0, last_start + 1e-9, 0.5)
        else:
            starts = np.arange(max(0, near - 1), min(last_start, near + 1) + 1e-9, 0.1)
        if len(starts) == 0:
            continue
        lines = starts[:, None] + spacing * np.arange(LINES)[None, :]
        score = np.interp(lines, positions, profile).sum(axis=1)
        index = int(np.argmax(score))
        if score[index] > best[2]:
            best = (float(starts[index]), float(spacing), float(score[index]))
    return best


def find_grid(image) -> Box:
    """The grid box (centres of the outer lines) of the board in a PIL image."""
    width, height = image.size
    if min(width, height) < SMALLEST_SQUARE * (LINES - 1):
        raise GridError(f"{width}x{height} pixels is too small to hold a 9x9 board")
    scale = min(1.0, SEARCH_SIDE / max(width, height))
    size = (round(width * scale), round(height * scale))
    # resampled as the page does it (squares.resample), so both search the same pixels
    rgb = squares.resample(squares.rgb_pixels(image), (0, 0, width, height), *size)
    box = _find_grid(luma(rgb))
    return (box[0] * width / size[0], box[1] * height / size[1],
            box[2] * width / size[0], box[3] * height / size[1])  # fmt: skip


def luma(rgb: np.ndarray) -> np.ndarray:
    """Luma of (h, w, 3) RGB floats with PIL's "L" weights (ITU-R 601), unrounded; the page
    computes it in the same order (web/src/apps/shogi-board/grid.ts)."""
    red, green, blue = (rgb[..., channel].astype(np.float64) for channel in range(3))
    return ((red * 19595 + green * 38470 + blue * 7471) / 65536).astype(np.float32)


def _find_grid(gray: np.ndarray) -> Box:
    height, width = gray.shape
    if min(width, height) < SMALLEST_SQUARE * (LINES - 1):
        raise GridError(f"{width}x{height} pixels is too small to find a 9x9 board in")
    columns, rows = line_profile(gray, axis=0), line_profile(gray, axis=1)
    left, column_spacing, column_score = best_lines(columns)
    top, row_spacing, row_score = best_lines(rows)
    for profile, score in ((columns, column_score), (rows, row_score)):
        if score / LINES - np.median(profile) < STANDOUT:
            raise GridError("no 9x9 grid of lines found (is this a shogi board screenshot?)")
    return (left, top, left + column_spacing * (LINES - 1), top + row_spacing * (LINES - 1))
