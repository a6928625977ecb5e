"""`python -m pipeline.shogi.samples`: the page's gallery of sample boards, drawn by the board
generator and kept in web/src/apps/shogi-board/samples with their true SFEN (samples.json)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pipeline.shogi import data as shogi_data

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "web" / "src" / "apps" / "shogi-board" / "samples"
INDEX_NAME = "samples.json"


def make_samples(directory: Path = SAMPLES_DIR, count: int = 6, seed: int = 2026) -> list[dict]:
    import numpy as np

    pieces, boards = shogi_data.load_pieces(), shogi_data.load_boards()
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    samples = []
    for number in range(1, count + 1):
        image, sfen = shogi_data.random_board(pieces, boards, rng)
        name = f"board-{number}.png"
        image.save(directory / name, optimize=True)
        samples.append({"file": name, "sfen": sfen})
    (directory / INDEX_NAME).write_text(json.dumps(samples, indent=1) + "\n", encoding="utf-8")
    return samples


if __name__ == "__main__":
    for sample in make_samples():
        print(sample["file"], sample["sfen"], file=sys.stderr)
