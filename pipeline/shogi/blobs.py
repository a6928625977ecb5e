"""Ink on a screenshot outside the board: connected blobs, text lines, glyphs.

What the hands reader (pipeline/shogi/hands.py) and the glyph classifier's training
(pipeline/shogi/glyphs.py) see of an image. The page does the same steps in
web/src/apps/shogi-board/blobs.ts; tests hold the two to each other.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

# A pixel is ink where one of its channels differs this much from the background's.
INK = 40.0
# The glyph classifier's picture of a glyph: CELLS x CELLS, then its height and width in
# line heights.
CELLS = 16
FEATURES = CELLS * CELLS + 2


@dataclass(frozen=True)
class Blob:
    """A connected piece of ink: its label in the labels image, its box (right and bottom
    exclusive) and how many pixels it has."""

    id: int
    left: int
    top: int
    right: int
    bottom: int
    size: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


def background(pixels: np.ndarray, where: np.ndarray) -> np.ndarray:
    """The colour most of the pixels `where` are: of the colours rounded to 16 levels a
    channel, the most common (the first of equals); each channel's lower median over the
    pixels of that colour."""
    values = np.round(pixels[where]).astype(np.int32)
    if len(values) == 0:
        return np.zeros(3, dtype=np.float32)
    bins = (values[:, 0] >> 4) * 256 + (values[:, 1] >> 4) * 16 + (values[:, 2] >> 4)
    common = values[bins == np.argmax(np.bincount(bins, minlength=4096))]
    return np.sort(common, axis=0)[(len(common) - 1) // 2].astype(np.float32)


def shade(pixels: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """How far each pixel is from `colour`: its largest channel difference, in INKs."""
    return (np.abs(pixels - colour).max(axis=2) / INK).astype(np.float32)


def ink(shades: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Where (within `where`) a pixel differs from the background by more than INK."""
    return (shades > 1) & where


def components(mask: np.ndarray) -> tuple[np.ndarray, list[Blob]]:
    """The 8-connected blobs of a boolean mask: (labels, blobs), labels an int32 image of
    blob ids (0 where there is no ink), blobs numbered 1... in the order their first pixel
    comes in, row by row."""
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    edges = np.diff(padded, axis=1)
    starts_y, starts_x = np.nonzero(edges == 1)
    _, ends_x = np.nonzero(edges == -1)  # row-major: each start's end comes in the same place
    runs = len(starts_x)
    sets = _Sets(runs)
    row_start = np.searchsorted(starts_y, np.arange(height + 1))
    ys, xs, xe = starts_y.tolist(), starts_x.tolist(), ends_x.tolist()
    for y in range(1, height):
        above, end_above = int(row_start[y - 1]), int(row_start[y])
        for run in range(end_above, int(row_start[y + 1])):
            # runs of the row above that touch this one, diagonals included
            while above < end_above and xe[above] < xs[run]:
                above += 1
            other = above
            while other < end_above and xs[other] <= xe[run]:
                sets.join(other, run)
                other += 1
    labels = np.zeros((height, width), dtype=np.int32)
    ids: dict[int, int] = {}
    boxes: list[list[int]] = []
    for run in range(runs):
        top = sets.root(run)
        if top not in ids:
            ids[top] = len(ids) + 1
            boxes.append([xs[run], ys[run], xe[run], ys[run] + 1, 0])
        number = ids[top]
        box = boxes[number - 1]
        box[0], box[2] = min(box[0], xs[run]), max(box[2], xe[run])
        box[3] = ys[run] + 1
        box[4] += xe[run] - xs[run]
        labels[ys[run], xs[run] : xe[run]] = number
    return labels, [Blob(number, *box) for number, box in enumerate(boxes, start=1)]


class _Sets:
    """Items 0 … n-1 in sets joined as the caller finds them together; a set's root is its
    first item, so that numbering by roots follows the items' order."""

    def __init__(self, count: int):
        self.parent = list(range(count))

    def root(self, item: int) -> int:
        parent = self.parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def join(self, a: int, b: int) -> None:
        a, b = self.root(a), self.root(b)
        self.parent[max(a, b)] = min(a, b)


def filled(mask: np.ndarray) -> np.ndarray:
    """The mask with its holes filled: what of the rest cannot be reached from the edge.
    (What is drawn on a stand in a colour the page has too is a hole in the stand.)"""
    labels, rest = components(~mask)
    height, width = mask.shape
    edge = {blob.id for blob in rest if blob.left == 0 or blob.top == 0 or blob.right == width or blob.bottom == height}
    return mask | ((labels > 0) & ~np.isin(labels, list(edge)))


def text_lines(blobs: list[Blob]) -> list[list[Blob]]:
    """Blobs that sit on one line of text together: level with each other (centres within
    half the taller one's height) and less than two heights apart, chained. Each line's
    blobs from left to right; lines from the top."""
    count = len(blobs)
    sets = _Sets(count)
    # Only blobs whose centres are within the tallest one's half height can be level: in
    # order of their centres, each is compared with those that follow it that closely (a
    # kifu viewer's move list has hundreds of characters).
    middles = [blob.top + blob.bottom for blob in blobs]  # twice the centre
    tallest = max((blob.height for blob in blobs), default=0)
    order = sorted(range(count), key=lambda index: middles[index])
    for place, i in enumerate(order):
        for j in (order[later] for later in range(place + 1, count)):
            if middles[j] - middles[i] > tallest:
                break
            a, b = blobs[i], blobs[j]
            tall = max(a.height, b.height)
            level = middles[j] - middles[i] <= tall
            apart = max(a.left, b.left) - min(a.right, b.right)
            if level and apart < 2 * tall:
                sets.join(i, j)
    lines: dict[int, list[Blob]] = {}
    for index in range(count):
        lines.setdefault(sets.root(index), []).append(blobs[index])
    ordered = [sorted(line, key=lambda blob: (blob.left, blob.top)) for line in _joined(list(lines.values()))]
    return sorted(ordered, key=lambda line: (min(blob.top for blob in line), line[0].left))


def _joined(lines: list[list[Blob]]) -> list[list[Blob]]:
    """Lines level with each other (centres within half the taller one's height) and less
    than two of its heights apart, joined, from the left: the strokes of a small, faint
    character may not reach their neighbours by their own heights."""
    joined: list[tuple[list[int], list[Blob]]] = []  # (left, top, right, bottom, height), blobs
    for line in sorted(lines, key=lambda line: (min(blob.left for blob in line), min(blob.top for blob in line))):
        left, top, right, bottom = box_of(line)
        height = line_height(line)
        for box, blobs in joined:
            tall = max(height, box[4])
            if abs((top + bottom) - (box[1] + box[3])) <= tall and left - box[2] < 2 * tall:
                box[:] = [min(box[0], left), min(box[1], top), max(box[2], right), max(box[3], bottom), tall]
                blobs.extend(line)
                break
        else:
            joined.append(([left, top, right, bottom, height], list(line)))
    return [blobs for _, blobs in joined]


def line_height(line: list[Blob]) -> int:
    return max(blob.height for blob in line)


def glyphs(line: list[Blob]) -> list[list[Blob]]:
    """A line's blobs grouped into characters: a blob joins the character before it while
    the two together are no wider than 1.1 line heights and the gap between them is under
    0.3 of one (the strokes of 二 or 八, the dots of ：). Fixed-width scripts only: kanji,
    kana, digits."""
    height = line_height(line)
    found: list[list[Blob]] = []
    for blob in line:
        if found:
            last = found[-1]
            left = min(part.left for part in last)
            right = max(part.right for part in last)
            if max(right, blob.right) - left <= 1.1 * height and blob.left - right < 0.3 * height:
                last.append(blob)
                continue
        found.append([blob])
    return found


def lies_on(mark: Blob, other: Blob, aside: int = 0) -> bool:
    """Whether `mark` is `other` or lies on it (its middle within `aside` pixels of its box)."""
    x, y = (mark.left + mark.right) / 2, (mark.top + mark.bottom) / 2
    return (other.left - aside <= x <= other.right + aside
            and other.top - aside <= y <= other.bottom + aside)  # fmt: skip


def cut(labels: np.ndarray, blob: Blob, columns: list[int]) -> list[Blob]:
    """`blob` cut before each of `columns` (counted from its left), each part's box shrunk
    to its ink: characters drawn touching are one blob. The parts keep the blob's id: a
    glyph is read within its box. (A blob has ink in every column of its box.)"""
    own = labels[blob.top : blob.bottom, blob.left : blob.right] == blob.id
    edges = [0, *columns, blob.width]
    parts = []
    for start, end in itertools.pairwise(edges):
        rows = np.nonzero(own[:, start:end].any(axis=1))[0]
        parts.append(Blob(blob.id, blob.left + start, blob.top + int(rows[0]), blob.left + end,
                          blob.top + int(rows[-1]) + 1, int(own[:, start:end].sum())))  # fmt: skip
    return parts


def apart(labels: np.ndarray, line: list[Blob], height: int) -> list[Blob]:
    """A line's blobs with characters drawn touching set apart, for `glyphs`: a blob about n
    line heights wide (n >= 2; kanji and kana are about as wide as they are high) is cut
    into n, each cut at the thinnest column (the first of equals) within a quarter height of
    where it would fall. Lines under 8 pixels high are too small to tell."""
    found = []
    for blob in line:
        count = (2 * blob.width + height) // (2 * height)  # rounded
        if count < 2 or height < 8:
            found.append(blob)
            continue
        ink = (labels[blob.top : blob.bottom, blob.left : blob.right] == blob.id).sum(axis=0)
        columns = []
        for number in range(1, count):
            at = (2 * number * blob.width + count) // (2 * count)
            low, high = max(1, at - height // 4), min(blob.width - 1, at + height // 4 + 1)
            columns.append(low + int(np.argmin(ink[low:high])))
        found += cut(labels, blob, columns)
    return sorted(found, key=lambda blob: (blob.left, blob.top))


def box_of(parts: list[Blob]) -> tuple[int, int, int, int]:
    return (min(part.left for part in parts), min(part.top for part in parts),
            max(part.right for part in parts), max(part.bottom for part in parts))  # fmt: skip


def glyph_features(labels: np.ndarray, shades: np.ndarray, parts: list[Blob], height: int) -> np.ndarray:
    """What the glyph classifier sees of a character made of `parts` on a line `height`
    pixels high: its shade, as a share of its darkest (or lightest) pixel's, and that of the
    faint edges around it that are no blob's ink (anti-aliasing tells much of a small glyph's
    strokes), centred in a square as big as its longer side; the mean of each of
    CELLS x CELLS cells (a cell no pixel centre falls in, when the glyph is smaller than
    CELLS, takes the pixel under its centre); then its height and width in line heights."""
    left, top, right, bottom = box_of(parts)
    width, tall = right - left, bottom - top
    own = np.isin(labels[top:bottom, left:right], [part.id for part in parts])
    seen = own | (labels[top:bottom, left:right] == 0)  # not another blob's ink
    shade_here = shades[top:bottom, left:right].astype(np.float64)
    values = np.where(seen, np.minimum(1.0, shade_here / shade_here[own].max()), 0.0)
    side = max(width, tall)
    pad_x, pad_y = (side - width) / 2, (side - tall) / 2
    columns = np.floor((np.arange(width) + pad_x + 0.5) * CELLS / side).astype(np.int64)
    rows = np.floor((np.arange(tall) + pad_y + 0.5) * CELLS / side).astype(np.int64)
    cell = rows[:, None] * CELLS + columns[None, :]
    sums = np.bincount(cell.ravel(), weights=values.ravel(), minlength=CELLS * CELLS)
    counts = np.bincount(cell.ravel(), minlength=CELLS * CELLS)
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    for index in np.nonzero(counts == 0)[0]:
        x = int(np.floor((index % CELLS + 0.5) * side / CELLS - pad_x))
        y = int(np.floor((index // CELLS + 0.5) * side / CELLS - pad_y))
        means[index] = values[y, x] if 0 <= x < width and 0 <= y < tall else 0.0
    return np.concatenate([means, [tall / height, width / height]]).astype(np.float32)
