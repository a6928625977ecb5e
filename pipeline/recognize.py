"""`python -m pipeline.recognize IMAGE...`: the SFEN board of each board screenshot.

Finds the grid and cuts the 81 squares exactly as the page does (pipeline/grid.py,
pipeline/squares.py), classifies them with the frozen graph that `doit` built, and prints
one SFEN board string a line. An image it cannot read is reported on stderr with the
reason, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline import grid, shogi_data, squares
from pipeline.errors import BuildError
from pipeline.quiet import filter_tensorflow_chatter

# Screenshots larger than this are shrunk first: squares end up at the model's input size
# anyway, and an 8000x8000 image would only cost memory and time.
LONGEST_SIDE = 2048


class RecognitionError(BuildError):
    """An image that is not a board screenshot the recogniser can read."""


def open_board(path: Path):
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.draft("RGB", (LONGEST_SIDE, LONGEST_SIDE))  # JPEGs decode at a smaller scale
            image.thumbnail((LONGEST_SIDE, LONGEST_SIDE), Image.Resampling.LANCZOS)
            return image.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise RecognitionError(f"{path}: not an image this tool can read ({error})") from error
    except OSError as error:
        raise RecognitionError(f"{path}: cannot read ({error})") from error


class Recognizer:
    def __init__(self, graph_path: Path, input_size: int):
        from pipeline import freeze

        if not Path(graph_path).exists():
            raise RecognitionError(f"{graph_path}: missing; run `doit` to build the model first")
        self.graph = freeze.load_graph_def(graph_path)
        self.input_size = input_size
        self.run_graph = freeze.run_graph

    def squares(self, image):
        """The 81 labels of a board image in SFEN order."""
        box = grid.find_grid(image)
        pixels = squares.cut_board(image, box, self.input_size)
        outputs = self.run_graph(self.graph, pixels)
        labels = [label.decode("utf-8") for label in outputs["labels"]]
        unknown = sorted(set(labels) - set(shogi_data.LABELS))
        if unknown:
            raise RecognitionError(f"the model's classes are not shogi squares: {unknown[:3]}")
        return [labels[index] for index in outputs["probabilities"].argmax(axis=1)]

    def sfen(self, path: Path) -> str:
        image = open_board(path)
        try:
            return shogi_data.sfen_board(self.squares(image))
        except grid.GridError as error:
            raise RecognitionError(f"{path}: {error}") from error


def main(argv: list[str] | None = None) -> int:
    from pipeline import config as settings
    from pipeline.quiet import import_tensorflow

    parser = argparse.ArgumentParser(prog="python -m pipeline.recognize", description=__doc__)
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    options = parser.parse_args(argv)
    try:
        config = settings.load()
        import_tensorflow()
        recognizer = Recognizer(config.frozen_dir / "model.pb", config.input_size)
    except BuildError as error:
        print(f"recognize: {error}", file=sys.stderr)
        return 1
    status = 0
    for path in options.images:
        try:
            print(recognizer.sfen(path), flush=True)
        except BuildError as error:
            print(f"recognize: {error}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    filter_tensorflow_chatter()
    sys.exit(main())
