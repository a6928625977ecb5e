"""How well a model reads whole boards of piece designs it never trained on.

Each held-out design gets boards drawn as screenshots of an app show them
(`shogi_data.screenshot_board`), read the way the command line and the page read them:
grid found, squares cut, classified. What counts is the pieces (occupied squares: empty
ones are easy and would flatter a square figure) and the boards read exactly.

The page outlines a square it is less than DOUBTFUL_BELOW sure of; the probabilities are
first calibrated (`fit_temperature`, on squares of the training styles, never on the
held-out designs), and the report says what share of the wrong squares are outlined and
what share of the right ones.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.network import softmax
from pipeline.shogi import data as shogi_data
from pipeline.shogi import grid, recognize

# The page's threshold (web/src/apps/shogi-board/boardview.ts); a test holds the two equal.
DOUBTFUL_BELOW = 0.9


def design_of(style: str) -> str:
    """The design a piece style is a colouring of: `hitomoji_gothic_dark` is
    `hitomoji_gothic` on dark pieces."""
    return style.removesuffix("_dark")


def draw_boards(pieces: dict, textures: dict, styles: list[str], count: int, rng) -> dict:
    """`count` screenshot boards for each design among `styles`: design -> [(image, sfen)]."""
    designs: dict[str, dict] = {}
    for name in styles:
        designs.setdefault(design_of(name), {})[name] = pieces[name]
    return {
        design: [shogi_data.screenshot_board(group, textures, rng) for _ in range(count)]
        for design, group in sorted(designs.items())
    }


def read_boards(classify, boards: list, input_size: int) -> list:
    """For each (image, sfen): the logits of its 81 squares (81, classes), or None when no
    grid is found; read as the command line reads (recognize.classify_boards). `classify`
    maps float32 pixels (n, size, size, 3) to logits."""
    read = recognize.classify_boards(classify, (image for image, _ in boards), input_size)
    return [None if isinstance(logits, grid.GridError) else logits for logits in read]


def fit_temperature(logits, truth) -> float:
    """The temperature T that makes softmax(logits / T) most likely to give `truth` (the
    mean negative log-likelihood, minimised over T from 0.25 to 8 on a log scale)."""
    import numpy as np

    def loss(temperature: float) -> float:
        probabilities = softmax(logits, temperature)
        return float(-np.mean(np.log(probabilities[np.arange(len(truth)), truth] + 1e-12)))

    low, high = np.log(0.25), np.log(8.0)
    for _ in range(60):  # golden-section search: the loss is unimodal in log T
        a = high - (high - low) / 1.618034
        b = low + (high - low) / 1.618034
        if loss(np.exp(a)) < loss(np.exp(b)):
            high = b
        else:
            low = a
    return float(np.exp((low + high) / 2))


def report(boards: dict, logits: dict, labels: list[str]) -> dict:
    """Per design, and mean and worst over the designs of each category: pieces read right,
    empty squares read right, boards read exactly, and the outlined shares."""
    import numpy as np

    def index(label: str) -> int:  # a class the model lacks is read wrong
        return labels.index(label) if label in labels else -1

    blank = index(shogi_data.BLANK)
    designs = {}
    for design, drawn in boards.items():
        pieces_right = pieces = empty_right = empty = exact = 0
        wrong_outlined = wrong = right_outlined = right = no_grid = 0
        for (_, sfen), board_logits in zip(drawn, logits[design], strict=True):
            truth = np.asarray([index(label) for label in shogi_data.labels_of(sfen)])
            if board_logits is None:  # counted as read wrong, outlines aside
                no_grid += 1
                pieces += int((truth != blank).sum())
                empty += int((truth == blank).sum())
                continue
            probabilities = softmax(board_logits)
            best = probabilities.argmax(axis=1)
            correct = best == truth
            outlined = probabilities.max(axis=1) < DOUBTFUL_BELOW
            occupied = truth != blank
            pieces += int(occupied.sum())
            pieces_right += int((correct & occupied).sum())
            empty += int((~occupied).sum())
            empty_right += int((correct & ~occupied).sum())
            exact += bool(correct.all())
            wrong += int((~correct).sum())
            wrong_outlined += int((~correct & outlined).sum())
            right += int(correct.sum())
            right_outlined += int((correct & outlined).sum())
        designs[design] = {
            "boards": len(drawn),
            "pieces": pieces,
            "pieces_right": _share(pieces_right, pieces),
            "empty_right": _share(empty_right, empty),
            "exact_boards": _share(exact, len(drawn)),
            "no_grid_found": no_grid,
            "wrong_squares": wrong,
            "wrong_outlined": _share(wrong_outlined, wrong),
            "right_outlined": _share(right_outlined, right),
        }
    return {"doubtful_below": DOUBTFUL_BELOW, "designs": designs}


def summary(designs: dict, categories: dict[str, str]) -> dict:
    """Mean and worst of each figure over the designs of each category (kanji takes every
    design that is not international)."""
    groups = {
        "kanji": [name for name in designs if categories.get(name, "kanji") != "symbol"],
        "international": [name for name in designs if categories.get(name, "kanji") == "symbol"],
    }
    result = {}
    for group, names in groups.items():
        if not names:
            continue
        result[group] = {
            "designs": names,
            **{
                f"{figure}_{kind}": round(function(designs[name][figure] for name in names), 4)
                for figure in ("pieces_right", "exact_boards")
                for kind, function in (("mean", _mean), ("worst", min))
            },
        }
    return result


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 1.0


def main(argv: list[str] | None = None) -> int:
    """`python -m pipeline.shogi.evaluation`: the held-out table for a frozen graph."""
    import argparse
    import json

    import numpy as np

    from pipeline import config as settings
    from pipeline import freeze
    from pipeline.quiet import import_tensorflow
    from pipeline.shogi import train

    import_tensorflow()
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.shogi.evaluation",
        description="Reads the held-out designs' screenshot boards (as `doit train` draws them "
        "for a seed) with a frozen graph and prints each design's figures.",
    )
    config = settings.load()
    parser.add_argument("--graph", type=Path, default=config.frozen_dir / "model.pb")
    parser.add_argument("--boards", type=int, default=train.FULL.boards_per_design)
    parser.add_argument("--seed", type=int, default=0, help="the training seed to draw for")
    parser.add_argument(
        "--group",
        choices=train.GROUPS,
        default="test",
        help="test: the designs `doit train` holds out; development: the earlier group, "
        "looked at while choosing the recipe",
    )
    options = parser.parse_args(argv)

    pieces = shogi_data.load_piece_folders(train.PIECE_DIRS)
    held_out = train.styles_of(options.group)
    rng = np.random.default_rng(train.data_seeds(options.seed).boards)
    drawn = draw_boards(pieces, shogi_data.load_boards(), held_out, options.boards, rng)
    runner = freeze.graph_runner(freeze.load_graph_def(options.graph))
    labels = [label.decode() for label in runner(np.zeros((1, config.input_size,
              config.input_size, 3), np.float32))["labels"]]  # fmt: skip
    read = {
        design: read_boards(lambda x: runner(x)["logits"], boards, config.input_size)
        for design, boards in drawn.items()
    }
    figures = report(drawn, read, labels)
    figures["summary"] = summary(figures["designs"], shogi_data.categories(train.PIECE_DIRS))
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    import sys

    from pipeline.quiet import filter_tensorflow_chatter

    filter_tensorflow_chatter()
    sys.exit(main())
