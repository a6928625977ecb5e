"""Finding the 9x9 grid of a shogi board in a screenshot.

The grid's lines are thin and run the whole width or height of the board; piece
strokes are short. So each column (and row) is scored by how much of it is a thin
line, and the grid is the ten equally spaced columns (rows) that score best together.
A row of pieces in hand or the edge of their stand beside the board can line up as well as
the board's outer line, which is often thick or the frame's edge; but only the board's
cells are crossed by the lines running the other way, so the grid moves a line over when
the cell beyond it is crossed and its own cell at the other end is not.
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
# How much more of a cell beyond the grid than of its cell at the other end the lines running
# the other way must cross for the grid to move over one line (0 to 1: a share of its width).
CROSSED = 0.5
# Larger screenshots are searched at this size (longer side), then scaled back: the page
# must find the grid on its main thread well within a frame budget.
SEARCH_SIDE = 640


class GridError(BuildError):
    """No board grid in the image; the message says why."""


def line_mask(gray: np.ndarray, axis: int) -> np.ndarray:
    """Which pixels are on a thin line running up and down (axis=0) or across (axis=1):
    darker (or, on dark boards, lighter) by LINE_CONTRAST than the paper WINDOW pixels to
    both sides. Both sides, so that the edge of a piece does not count."""
    pixels = gray if axis == 0 else gray.T
    padded = np.pad(pixels, ((0, 0), (WINDOW, WINDOW)), mode="edge")
    before = padded[:, : -2 * WINDOW]
    after = padded[:, 2 * WINDOW :]
    darker = (np.minimum(before, after) - pixels) > LINE_CONTRAST
    lighter = (pixels - np.maximum(before, after)) > LINE_CONTRAST
    lines = darker | lighter
    return lines if axis == 0 else lines.T


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
    vertical, horizontal = line_mask(gray, axis=0), line_mask(gray, axis=1)
    columns, rows = vertical.mean(axis=0), horizontal.mean(axis=1)
    left, column_spacing, column_score = best_lines(columns)
    top, row_spacing, row_score = best_lines(rows)
    for profile, score in ((columns, column_score), (rows, row_score)):
        if score / LINES - np.median(profile) < STANDOUT:
            raise GridError("no 9x9 grid of lines found (is this a shogi board screenshot?)")
    left = settled(left, column_spacing, horizontal, top, row_spacing)
    top = settled(top, row_spacing, vertical.T, left, column_spacing)
    return (left, top, left + column_spacing * (LINES - 1), top + row_spacing * (LINES - 1))


def settled(first: float, spacing: float, crossing: np.ndarray, other_first: float, other_spacing: float) -> float:
    """The first of ten lines `spacing` apart, moved over by one where a cell beyond them is
    crossed by the lines the other way (`crossing`, a line mask with those lines as its rows,
    at `other_first` and `other_spacing`) by CROSSED more than their cell at the other end."""

    def crossed(cell: int) -> float:
        start, end = _pixel(first + cell * spacing), _pixel(first + (cell + 1) * spacing)
        if start < 0 or end > crossing.shape[1]:
            return -1.0  # beyond the image
        # along the eight inner lines the other way, which a shift by one of those leaves
        shares = []
        for line in range(1, LINES - 1):
            at = _pixel(other_first + line * other_spacing)
            shares.append(crossing[max(0, at - 1) : at + 2, start:end].any(axis=0).mean())
        return float(np.mean(shares))

    back = crossed(-1) - crossed(LINES - 2)
    forward = crossed(LINES - 1) - crossed(0)
    if max(back, forward) <= CROSSED:
        return first
    return first - spacing if back > forward else first + spacing


def _pixel(position: float) -> int:
    """The pixel a position falls in, rounded half up as the page rounds."""
    return int(np.floor(position + 0.5))
