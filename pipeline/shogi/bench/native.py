"""The native references, on the same squares as the page: the build's TFLite model with
XNNPACK (the physical reference: what an app on this machine would run), and the frozen
graph in TensorFlow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline import freeze, tflite
from pipeline.quiet import import_tensorflow
from pipeline.shogi import grid, recognize, squares
from pipeline.shogi.bench.timing import seconds


def board_squares(board: Path, input_size: int):
    """The 81 squares of a board screenshot, found and cut as the page does (float32, SFEN
    order)."""
    image = recognize.open_board(board)
    return squares.cut_board(image, grid.find_grid(image), input_size)


class Native:
    def __init__(self, graph_path: Path):
        self.version = import_tensorflow().__version__
        self.run = freeze.graph_runner(freeze.load_graph_def(graph_path))

    def timer(self, pixels, batch: int) -> Callable[[], float]:
        """A measurement of all of `pixels` in batches of `batch` (milliseconds)."""
        return _timer(self.run, _batches(pixels, batch))

    def labels(self, pixels) -> list[str]:
        outputs = self.run(pixels)
        names = [label.decode("utf-8") for label in outputs["labels"]]
        return [names[index] for index in outputs["probabilities"].argmax(axis=1)]


class NativeTflite:
    """The TFLite model the build wrote for the page's full batch."""

    def __init__(self, model_path: Path, batch: int):
        self.model_path, self.batch = model_path, batch

    def timer(self, pixels, threads: int) -> Callable[[], float]:
        """A measurement of all of `pixels` on `threads` threads, in milliseconds, set up and
        run once beforehand. As on the page, the last batch is padded with zeros."""
        import numpy as np

        padding = np.zeros((-len(pixels) % self.batch, *pixels.shape[1:]), pixels.dtype)
        batches = _batches(np.concatenate([pixels, padding]), self.batch)
        return _timer(tflite.runner(self.model_path, threads), batches)


def _batches(pixels, batch: int) -> list:
    return [pixels[start : start + batch] for start in range(0, len(pixels), batch)]


def _timer(run: Callable, batches: list) -> Callable[[], float]:
    """A measurement of `run` over `batches` (milliseconds). The first run of each shape
    sets things up; it happens here, not in the measurement."""
    for chunk in batches:
        run(chunk)
    return lambda: 1000 * seconds(lambda: [run(chunk) for chunk in batches])
