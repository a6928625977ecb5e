"""The command line in bulk: `python -m pipeline.shogi.recognize` on boards the generator draws
fresh, timed from the command to its exit (Python and TensorFlow start-up included)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipeline.config import Config
from pipeline.shogi import data as shogi_data
from pipeline.shogi.bench import BenchError
from pipeline.shogi.bench.timing import seconds, summary


def draw_boards(directory: Path, count: int, seed: int = 20261129) -> list[tuple[Path, str]]:
    """PNG screenshots of random positions in the CC0 styles, rescaled 0.7-1.6x as
    screenshots are, inside page margins, with their SFEN."""
    import numpy as np
    from PIL import Image

    directory.mkdir(parents=True, exist_ok=True)
    pieces, textures = shogi_data.load_pieces(), shogi_data.load_boards()
    rng = np.random.default_rng(seed)
    drawn = []
    for number in range(count):
        board, sfen = shogi_data.random_board(pieces, textures, rng)
        scale = rng.uniform(0.7, 1.6)
        size = (round(board.width * scale), round(board.height * scale))
        board = board.resize(size, Image.Resampling.LANCZOS)
        path = directory / f"board-{number}.png"
        shogi_data.on_page(board, rng, "white").save(path)
        drawn.append((path, sfen))
    return drawn


def measure(config: Config, scratch: Path, count: int, runs: int) -> dict:
    """`count` boards read `runs` times in one command each; how long, and how many exactly."""
    boards = draw_boards(scratch / "boards", count)
    command = [sys.executable, "-m", "pipeline.shogi.recognize", *(str(path) for path, _ in boards)]
    outputs = []

    def read() -> None:
        # the same settings as the bench: the working directory, and MODELSITE_CONFIG if set
        completed = subprocess.run(command, cwd=config.root, capture_output=True, text=True,
                                   check=False)  # fmt: skip
        if completed.returncode != 0:
            raise BenchError(f"the command line failed on generated boards:\n{completed.stderr}")
        outputs.append(completed.stdout.splitlines())

    samples = [seconds(read) for _ in range(runs)]
    truth = [sfen for _, sfen in boards]
    return {
        "boards": count,
        "seconds": summary(samples),
        "exact_boards": sum(found == true for found, true in zip(outputs[-1], truth, strict=True)),
    }
