"""`python -m pipeline.shogi.recognize IMAGE...`: the SFEN board of each board screenshot.

Finds the grid and cuts the 81 squares exactly as the page does (pipeline/shogi/grid.py,
pipeline/shogi/squares.py), classifies them with the frozen graph that `doit` built (loaded once,
the squares of several boards at a time), and prints one SFEN board string a line, in the
order the images were given. An image it cannot read gets an empty line; the reason goes to
stderr, and the exit status is 1. `--names` begins each line with the image and a tab.

`--full` prints whole SFENs instead (move 1), `--bod` a BOD diagram of each board
(pipeline/shogi/position.py), the diagrams separated by a blank line (an image it cannot
read gets no diagram, its blank line only); `--names` then puts a `# IMAGE` line, a comment
to KIF software, before each. `--turn b|w` is the side to move in either (b, sente, unless
given). Both hold the pieces in hand read from the screenshot (pipeline/shogi/hands.py);
where none were seen, or some could not be read, stderr says so (the exit status stays 0).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import BuildError
from pipeline.quiet import filter_tensorflow_chatter
from pipeline.shogi import data as shogi_data
from pipeline.shogi import grid, hands, position, squares


class RecognitionError(BuildError):
    """An image that is not a board screenshot the recogniser can read."""


def open_board(path: Path):
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            # decoded whole and as stored, as the page decodes it: squares are resampled
            # from it directly (squares.resample), whatever its size
            return image.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise RecognitionError(f"{path}: not an image this tool can read ({error})") from error
    except OSError as error:
        raise RecognitionError(f"{path}: cannot read ({error})") from error


# Boards whose squares go through the graph together: a run costs about as much for 81
# squares as for several hundred, and 8 boards of 96-pixel squares take 70 MB.
BOARDS_A_RUN = 8


def classify_boards(classify, images: Iterable, input_size: int, with_hands: bool = False) -> Iterator:
    """For each image (a PIL image, or the error that kept it from being opened), in order:
    `classify`'s output for its 81 squares (grid found, squares cut), or the error (a
    grid.GridError when no grid is found). `classify` maps float32 pixels (n, size, size, 3)
    to an array of n rows; it gets the squares of BOARDS_A_RUN boards at a time.
    `with_hands`: (output for the squares, hands.Found, output for its pieces) instead."""
    import itertools

    import numpy as np

    images = iter(images)
    while chunk := list(itertools.islice(images, BOARDS_A_RUN)):
        cut = []
        for image in chunk:
            if isinstance(image, Exception):
                cut.append(image)
                continue
            try:
                box = grid.find_grid(image)
            except grid.GridError as error:
                cut.append(error)
                continue
            board = squares.cut_board(image, box, input_size)
            if with_hands:
                pixels = squares.rgb_pixels(image)
                found = hands.find(pixels, box)
                cut.append((board, found, hands.crops(pixels, box, found, input_size)))
            else:
                cut.append((board, None, None))
        parts = [piece for item in cut if not isinstance(item, Exception)
                 for piece in (item[0], item[2]) if piece is not None]  # fmt: skip
        outputs = classify(np.concatenate(parts)) if parts else None
        at = 0
        for item in cut:
            if isinstance(item, Exception):
                yield item
                continue
            board, found, pieces = item
            squares_read = outputs[at : at + len(board)]
            at += len(board)
            if not with_hands:
                yield squares_read
                continue
            yield squares_read, found, outputs[at : at + len(pieces)]
            at += len(pieces)


@dataclass
class Reading:
    """A screenshot read: its 81 square labels in SFEN order, and its hands when asked for."""

    board: list[str]
    hands: hands.HandsRead | None


class Recognizer:
    """The frozen graph, loaded once, and what reads boards with it."""

    def __init__(self, graph_path: Path, input_size: int):
        import numpy as np

        from pipeline import freeze

        if not Path(graph_path).exists():
            raise RecognitionError(f"{graph_path}: missing; run `doit` to build the model first")
        self.run = freeze.graph_runner(freeze.load_graph_def(graph_path))
        self.input_size = input_size
        blank = np.zeros((1, input_size, input_size, 3), dtype=np.float32)
        self.labels = [label.decode("utf-8") for label in self.run(blank)["labels"]]
        unknown = sorted(set(self.labels) - set(shogi_data.LABELS))
        if unknown:
            raise RecognitionError(
                f"{graph_path}: the model's classes are not shogi squares: {unknown[:3]}"
            )

    def read(self, paths: list[Path], with_hands: bool = False) -> Iterator[tuple[Path, Reading | RecognitionError]]:
        """Each path, in order, with its reading or what kept it from being read; the hands
        only `with_hands`."""
        images = (self._open_or_error(path) for path in paths)
        read = classify_boards(
            lambda pixels: self.run(pixels)["probabilities"], images, self.input_size, with_hands
        )
        for path, board in zip(paths, read, strict=True):
            if isinstance(board, grid.GridError):
                yield path, RecognitionError(f"{path}: {board}")
            elif isinstance(board, RecognitionError):
                yield path, board
            elif with_hands:
                squares_read, found, pieces = board
                best = [(self.labels[i], float(row[i])) for row, i in zip(pieces, pieces.argmax(axis=1))]
                yield path, Reading(self._labels_of(squares_read), hands.hands_from(found, best))
            else:
                yield path, Reading(self._labels_of(board), None)

    def _labels_of(self, probabilities) -> list[str]:
        return [self.labels[i] for i in probabilities.argmax(axis=1)]

    @staticmethod
    def _open_or_error(path: Path):
        try:
            return open_board(path)
        except RecognitionError as error:
            return error


def main(argv: list[str] | None = None) -> int:
    from pipeline import config as settings
    from pipeline.quiet import import_tensorflow

    parser = argparse.ArgumentParser(prog="python -m pipeline.shogi.recognize", description=__doc__)
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    parser.add_argument("--names", action="store_true",
                        help="begin each line with the image's path and a tab")  # fmt: skip
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--full", action="store_true",
                      help="the whole SFEN: board, turn, the hands read, move number (1)")  # fmt: skip
    form.add_argument("--bod", action="store_true",
                      help="a BOD diagram (the KIF board diagram) of each board")  # fmt: skip
    parser.add_argument("--turn", choices=position.SIDES,
                        help="with --full or --bod, the side to move (default b)")  # fmt: skip
    options = parser.parse_args(argv)
    if options.turn and not (options.full or options.bod):
        parser.error("argument --turn: only with --full or --bod")
    try:
        config = settings.load()
        import_tensorflow()
        recognizer = Recognizer(config.frozen_dir / "model.pb", config.input_size)
    except BuildError as error:
        print(f"recognize: {error}", file=sys.stderr)
        return 1
    status = 0
    read = recognizer.read(options.images, with_hands=options.full or options.bod)
    for number, (path, reading) in enumerate(read):
        if isinstance(reading, RecognitionError):
            print(f"recognize: {reading}", file=sys.stderr, flush=True)
            text, status = "", 1  # the lines after it still belong to their images
        else:
            text = shown(reading, options)
            if reading.hands and (reading.hands.problems or reading.hands.source == "nothing"):
                print(f"recognize: {path}: {reading.hands.summary()}", file=sys.stderr, flush=True)
        if options.bod:  # many lines a board: a blank line between boards, a comment names them
            name = f"# {path}\n" if options.names else ""
            print(("\n" if number else "") + name + text, end="", flush=True)
        else:
            print(f"{path}\t{text}" if options.names else text, flush=True)
    return status


def shown(reading: Reading, options: argparse.Namespace) -> str:
    """A reading as the options ask: the SFEN board, the whole SFEN or BOD."""
    if not (options.full or options.bod):
        return shogi_data.sfen_board(reading.board)
    held = reading.hands.hands if reading.hands else position.empty_hands()
    found = position.Position(reading.board, hands=held, turn=options.turn or "b")
    return position.write_bod(found) if options.bod else position.write_sfen(found)


if __name__ == "__main__":
    filter_tensorflow_chatter()
    sys.exit(main())
