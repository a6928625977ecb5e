"""`doit train`: trains the classifier on generated squares and saves it as the newest checkpoint.

A group of whole piece designs (HELD_OUT_STYLES) is left out of training entirely and read
on screenshot boards; those figures say how well the model carries over to pieces it has
never seen. The training styles are all the others: the CC0 ones, those rendered from fonts
(pipeline/shogi/font_pieces.py) and the third-party piece sets. Beside the checkpoint go
metrics.json (accuracies, confusion matrix, how the model was made) and confusion.png, both
written before the checkpoint, whose index file is written last.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shlex
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from pipeline import checkpoints, half_turn, sources, stopping
from pipeline.config import Config
from pipeline.errors import BuildError, reported
from pipeline.files import write_atomically
from pipeline.quiet import filter_tensorflow_chatter, import_tensorflow
from pipeline.shogi import data as shogi_data
from pipeline.shogi import evaluation, font_pieces

# Whole designs left out of training and reported on (the test group), fixed before any
# model was run on them: a kanji design in two bodies (one glyph family: the 3-D body and the
# shadowed one with guides), kanji with movement marks, and two international designs (line
# drawings of the usual pictograms; circles with romanised names and arrows). None is a
# colouring or sibling of a training style, though `1kanji_3d` shares its 3-D body with
# `2kanji_3d` and its promoted glyphs with the two-kanji family of `orangain`. The earlier
# group (DEVELOPMENT_STYLES) was looked at while choosing the recipe, so it no longer says
# what the model does on designs nobody tuned to; it trains.
HELD_OUT_STYLES = "1kanji_3d,kanji_guide_shadowed,shogi_cz,international,logy_games"
DEVELOPMENT_STYLES = (
    "hitomoji_gothic,hitomoji_gothic_dark,ryoko_1kanji,shogi_bnw,engraved_cz,simple_kanji,western"
)
# Group names that `--held-out` and `--set-aside` take besides style names.
GROUPS = {"test": HELD_OUT_STYLES, "development": DEVELOPMENT_STYLES}
# `--held-out none`: train on every style (once the choices are fixed, for the shipped model).
NOTHING_HELD_OUT = "none"
PIECE_DIRS = (shogi_data.PIECES_DIR, font_pieces.FONT_PIECES_DIR, shogi_data.PIECE_SETS_DIR)
METRICS_NAME = "metrics.json"
CONFUSION_NAME = "confusion.png"
METRICS_FORMAT = 2
# Written into metrics.json, so that the file explains itself.
NOTES = {
    "accuracy": "share of squares classified correctly; per_class: the same for each true class",
    "confusion": "rows: true class, columns: predicted class, both in the order of labels",
    "held_out_style": "squares of the piece styles left out of training entirely",
    "same_styles": "fresh squares of the training styles, never trained on (an ordinary split)",
    "step": "the checkpoint's step: the directory's previous step (or, if greater, that of the"
    " checkpoint training started from) plus training_steps",
    "started_from": "the checkpoint whose weights training went on from; null: fresh weights",
    "seconds": "wall time of the whole run: data generation, training and evaluation",
    "calibration": "the logits layer was divided by this temperature, fitted on same_styles",
    "read_half_turned": "every figure reads the squares as the frozen graph does: true, a"
    f" square read upright with less than {half_turn.SURE_UPRIGHT:.0%} confidence is read"
    " turned half round too, and the two readings averaged (pipeline/half_turn.py)",
    "held_out_boards": "screenshot boards of each held-out design read as the command line "
    "reads them; pieces_right counts occupied squares only; wrong_outlined and right_outlined: "
    "shares of the wrong and right squares the page outlines (top probability below "
    "doubtful_below), with the calibrated model",
}


@dataclass(frozen=True)
class Plan:
    """How much data and training a run gets."""

    train_per_class: int
    same_styles_per_class: int
    # More: the targets are per class, and with 150 squares one square is 0.67 points.
    held_out_per_class: int
    epochs: int
    # Screenshot boards a held-out design is read on (about 25 pieces a board).
    boards_per_design: int = 40
    batch_size: int = 64
    learning_rate: float = 2e-3


FULL = Plan(train_per_class=2000, same_styles_per_class=150, held_out_per_class=150, epochs=5)
# Enough to exercise every step (and write a real checkpoint) in well under a minute.
QUICK = Plan(
    train_per_class=6, same_styles_per_class=2, held_out_per_class=2, epochs=1,
    boards_per_design=1, batch_size=32,
)  # fmt: skip


def train(
    config: Config,
    *,
    quick: bool = False,
    epochs: int = 0,
    seed: int = 0,
    alpha: float = 0.0,
    held_out: str = HELD_OUT_STYLES,
    set_aside: str = "",
    per_class: int = 0,
    checkpoint_dir: Path | None = None,
    start_from: Path | None = None,
    learning_rate: float = 0.0,
    labels_path: Path | None = None,
    pieces_dirs: tuple[Path, ...] = PIECE_DIRS,
    boards_dir: Path = shogi_data.BOARDS_DIR,
    command: str = "",
) -> dict:
    """Trains `config`'s network (width `alpha` if given) and saves it to `checkpoint_dir`
    (default: the configured one), holding out the styles named in `held_out` (comma
    separated; a name of GROUPS stands for its styles) and leaving those of `set_aside`
    alone altogether (neither trained on nor read: a group kept unseen while a recipe is
    chosen on another); `per_class` training squares a class instead of the plan's.
    With `start_from`, training goes on from the newest checkpoint there (same network and
    labels) instead of fresh weights; `learning_rate` replaces the plan's peak rate.
    Returns the metrics it wrote.

    Every input is read and checked before anything is written, so bad input leaves the
    checkpoint directory as it was.
    """
    started = time.monotonic()
    plan = QUICK if quick else FULL
    if per_class:
        plan = replace(plan, train_per_class=per_class)
    if learning_rate:
        plan = replace(plan, learning_rate=learning_rate)
    epochs = epochs or plan.epochs
    alpha = alpha or config.alpha
    checkpoint_dir = Path(checkpoint_dir or config.model_source)
    if sources.kind_of(checkpoint_dir) != sources.CHECKPOINTS or checkpoint_dir.is_file():
        raise BuildError(
            f"{checkpoint_dir}: training saves checkpoints, into a directory; model_source (or"
            " --checkpoint-dir) names a file or a SavedModel"
        )
    labels = shogi_data.read_labels(labels_path) if labels_path else list(shogi_data.LABELS)
    pieces = shogi_data.load_piece_folders(pieces_dirs)
    boards = shogi_data.load_boards(boards_dir)
    held_out_styles = [] if held_out == NOTHING_HELD_OUT else styles_of(held_out)
    set_aside_styles = styles_of(set_aside)
    where = ", ".join(map(str, pieces_dirs))
    not_held_out = [name for name in pieces if name not in held_out_styles]
    _require(set_aside_styles, not_held_out, where, "set aside besides those held out")
    pieces = {name: style for name, style in pieces.items() if name not in set_aside_styles}
    if held_out != NOTHING_HELD_OUT:
        _require(held_out_styles or [""], pieces, where, "hold out")
    training_styles = {name: style for name, style in pieces.items() if name not in held_out_styles}
    if not training_styles:
        raise shogi_data.DataError(f"{where}: no style left to train on besides {held_out!r}")

    model, started_at = _initial_model(config, alpha, labels, seed, start_from)

    import numpy as np

    train_seed, same_seed, held_out_seed, boards_seed = data_seeds(seed)
    size = config.input_size
    processes = os.cpu_count() or 1
    train_x, train_y = shogi_data.random_squares(
        training_styles,
        boards,
        labels,
        plan.train_per_class * len(labels),
        size,
        np.random.default_rng(train_seed),
        invert=True,
        processes=processes,
        progress="training squares",
    )
    evaluations = {"same_styles": (training_styles, same_seed, plan.same_styles_per_class)}
    if held_out_styles:
        evaluations["held_out_style"] = (
            {name: pieces[name] for name in held_out_styles},
            held_out_seed,
            plan.held_out_per_class,
        )
    eval_sets = {
        name: shogi_data.random_squares(
            styles,
            boards,
            labels,
            per_class * len(labels),
            size,
            np.random.default_rng(stream),
            processes=processes,
            progress=f"{name.replace('_', ' ')} squares",
        )
        for name, (styles, stream, per_class) in evaluations.items()
    }

    held_out_boards = evaluation.draw_boards(
        pieces, boards, held_out_styles, plan.boards_per_design, np.random.default_rng(boards_seed)
    )

    turned = half_turn.turned_classes(labels, config.half_turn)
    training_steps = _fit(model, turned, train_x, train_y, plan, epochs, seed)

    # Read as the frozen graph will: doubtful squares both ways, when every class has its
    # turned counterpart.
    turns = half_turn.reading_turns(labels, config.half_turn)

    def logits_of(x):
        return half_turn.read_both_ways(lambda pixels: _logits(model, pixels), x, turns)

    same_x, same_y = eval_sets["same_styles"]
    temperature = evaluation.fit_temperature(logits_of(same_x), same_y)
    _divide_logits(model, temperature)
    results = {name: _evaluate(logits_of(x), y, labels) for name, (x, y) in eval_sets.items()}
    read = {
        design: evaluation.read_boards(logits_of, drawn, size)
        for design, drawn in held_out_boards.items()
    }
    on_boards = evaluation.report(held_out_boards, read, labels)
    on_boards["summary"] = evaluation.summary(
        on_boards["designs"], shogi_data.categories(pieces_dirs)
    )

    step = max(_previous_step(checkpoint_dir), started_at["step"]) + training_steps
    metrics = {
        "format": METRICS_FORMAT,
        "labels": labels,
        "architecture": config.architecture,
        "alpha": alpha,
        "input_size": size,
        "read_half_turned": turns is not None,
        "parameters": model.count_params(),
        "step": step,
        "training_steps": training_steps,
        "epochs": epochs,
        "batch_size": plan.batch_size,
        "learning_rate": plan.learning_rate,
        "started_from": started_at,
        "seed": seed,
        "quick": quick,
        "command": command,
        "trained_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round(time.monotonic() - started, 1),
        "data": {
            "training_styles": sorted(training_styles),
            "held_out_styles": held_out_styles,
            "set_aside_styles": set_aside_styles,
            "boards": sorted(boards),
            "training_squares": len(train_y),
            "evaluation_squares_per_class": {
                name: per_class for name, (_, _, per_class) in evaluations.items()
            },
        },
        "calibration": {"temperature": round(temperature, 4), "fitted_on": "same_styles"},
        "evaluations": results,
        **({"held_out_boards": on_boards} if held_out_boards else {}),
        "notes": NOTES,
    }
    write_atomically(checkpoint_dir / METRICS_NAME, metrics_text(metrics).encode("utf-8"))
    shown = "held_out_style" if held_out_styles else "same_styles"
    about = f"held-out {held_out}" if held_out_styles else "fresh squares of the training styles"
    title = f"{about}: {results[shown]['accuracy']:.2%} of squares"
    png = confusion_png(labels, results[shown]["confusion"], title)
    write_atomically(checkpoint_dir / CONFUSION_NAME, png)
    checkpoints.save(checkpoint_dir, _without_optimizer(model, config, alpha, labels), step, labels)
    lines = [f"saved step {step} to {checkpoint_dir}; held-out designs, pieces read right:"
             if held_out_boards else f"saved step {step} to {checkpoint_dir}; nothing held out"]  # fmt: skip
    for design, figures in on_boards["designs"].items():
        lines.append(f"  {design}: {figures['pieces_right']:.2%} of pieces,"
                     f" {figures['exact_boards']:.0%} of boards exact")  # fmt: skip
    for group, figures in on_boards["summary"].items():
        lines.append(f"  {group}: mean {figures['pieces_right_mean']:.2%},"
                     f" worst {figures['pieces_right_worst']:.2%}")  # fmt: skip
    lines.append(f"  same styles: {results['same_styles']['accuracy']:.2%} of squares")
    print("\n".join(lines), file=sys.stderr)
    return metrics


class DataSeeds(NamedTuple):
    train: object
    same_styles: object
    held_out_style: object
    boards: object


def styles_of(names: str) -> list[str]:
    """The style names of a comma-separated list, a group's name standing for its styles."""
    named = (GROUPS.get(name, name) for name in names.split(",") if name)
    return [style for styles in named for style in styles.split(",")]


def _require(names: list[str], styles, where: str, purpose: str) -> None:
    """A DataError naming `where` and the styles there are, for the first of `names` that is
    not among `styles`."""
    for name in names:
        if name not in styles:
            listed = " ".join(sorted(styles))
            raise shogi_data.DataError(f"{where}: no style {name!r} to {purpose} (styles: {listed})")


def data_seeds(seed: int) -> DataSeeds:
    """The independent random streams a run's data come from (numpy SeedSequences), so that
    `python -m pipeline.shogi.evaluation` draws the same held-out boards as training did."""
    import numpy as np

    return DataSeeds(*np.random.SeedSequence(seed).spawn(4))


def metrics_text(metrics: dict) -> str:
    """metrics.json's text: indented, with each confusion-matrix row on one line."""
    text = json.dumps(metrics, ensure_ascii=False, indent=2)
    row = re.compile(r"\[\s+(\d+(?:,\s+\d+)*)\s+\]")
    return row.sub(lambda match: "[" + ", ".join(re.split(r",\s+", match[1])) + "]", text) + "\n"


def _initial_model(config: Config, alpha: float, labels: list[str], seed: int, start_from):
    """The network to train, and where its weights came from: fresh ones drawn from `seed`,
    or the newest checkpoint in `start_from`, which must hold this network and `labels`
    (checked before any data is drawn)."""
    import_tensorflow()
    import keras

    from pipeline.network import build_classifier

    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    model = build_classifier(
        config.architecture, alpha, config.input_shape, len(labels), config.network_options
    )
    if start_from is None:
        return model, {"checkpoint": None, "step": 0}
    prefix = checkpoints.latest_prefix(Path(start_from))
    labels_file = Path(start_from) / checkpoints.LABELS_NAME
    if checkpoints.read_labels(labels_file) != labels:
        raise checkpoints.CheckpointError(
            f"{labels_file}: other classes, or another order, than this run trains"
        )
    step = checkpoints.restore(prefix, model)
    return model, {"checkpoint": str(prefix), "step": step,
                   "fingerprint": checkpoints.fingerprint(prefix)}  # fmt: skip


def _fit(model, turned: list[int], x, y, plan: Plan, epochs: int, seed: int) -> int:
    """Trains `model` in place; returns the number of steps."""
    import keras
    import numpy as np

    x, y = _both_ways(x, y, turned)
    steps_per_epoch = -(-len(y) // plan.batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(
        plan.learning_rate, decay_steps=steps_per_epoch * epochs, alpha=0.01
    )
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(
        x,
        y,
        batch_size=plan.batch_size,
        epochs=epochs,
        shuffle=True,
        verbose=0,
        callbacks=[_progress_bar(steps_per_epoch * epochs)],
    )
    _recalibrate_batch_norm(model, x, plan.batch_size, np.random.default_rng(seed))
    return steps_per_epoch * epochs


def _both_ways(x, y, turned: list[int]):
    """The squares as drawn, then turned half round and relabelled (`turned`, as
    `half_turn.turned_classes` gives it): a sente piece upside down is the gote piece, so
    every drawn square serves as two. Classes with no turned counterpart (-1) are not
    turned."""
    import numpy as np

    other_side = np.asarray(turned)[y]
    turnable = other_side >= 0
    upside_down = x[turnable][:, ::-1, ::-1]
    return np.concatenate([x, upside_down]), np.concatenate([y, other_side[turnable]])


def _recalibrate_batch_norm(model, x, batch_size: int, rng, batches: int = 100) -> None:
    """Sets every BatchNorm layer's moving statistics to the average over `batches` training
    batches run through the final weights.

    During training the moving averages trail weights that were still changing; trained
    from scratch, the mismatch compounds over the network's 52 BatchNorm layers until the
    inference-mode network answers one class for everything.
    """
    import keras

    layers = [
        layer for layer in _all_layers(model) if isinstance(layer, keras.layers.BatchNormalization)
    ]
    order = rng.permutation(len(x))
    starts = range(0, len(x) - batch_size + 1, batch_size)
    for count, start in enumerate(list(starts)[:batches]):
        for layer in layers:
            layer.momentum = count / (count + 1)  # a running mean; the first batch replaces
        model(x[order[start : start + batch_size]].astype("float32"), training=True)


def _all_layers(model) -> list:
    """Every layer, also those inside nested models (the MobileNetV2 backbone is one)."""
    layers = []
    for layer in model.layers:
        layers += [layer, *(_all_layers(layer) if hasattr(layer, "layers") else [])]
    return layers


def _progress_bar(total: int):
    """A Keras callback drawing one tqdm bar (on stderr) over all training steps."""
    import keras
    from tqdm import tqdm

    class ProgressBar(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.bar = tqdm(total=total, unit="step", desc="training", file=sys.stderr)

        def on_epoch_begin(self, epoch, logs=None):
            self.bar.set_description(f"training, epoch {epoch + 1}")

        def on_train_batch_end(self, batch, logs=None):
            stopping.stop_if_requested()  # in case TensorFlow swallowed the KeyboardInterrupt
            self.bar.update(1)
            logs = logs or {}
            self.bar.set_postfix(
                loss=f"{logs.get('loss', 0):.3f}", accuracy=f"{logs.get('accuracy', 0):.3f}"
            )

        def on_train_end(self, logs=None):
            self.bar.close()

    return ProgressBar()


def _logits(model, x):
    return model.predict(x.astype("float32"), batch_size=128, verbose=0)


def _divide_logits(model, temperature: float) -> None:
    """Divides the logits layer's weights by `temperature`: the model then gives calibrated
    probabilities itself, in every later stage, with no change to the graph."""
    layer = model.get_layer("logits")
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel / temperature, bias / temperature])


def _evaluate(logits, y, labels: list[str]) -> dict:
    """Accuracy overall and per class, and the confusion matrix (rows: true class, columns:
    predicted class, in `labels` order), of squares read as `logits`."""
    import numpy as np

    predicted = np.argmax(logits, axis=1)
    confusion = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(confusion, (y, predicted), 1)
    totals = confusion.sum(axis=1)
    per_class = {
        label: round(float(confusion[index, index] / totals[index]), 4)
        for index, label in enumerate(labels)
        if totals[index]
    }
    return {
        "squares": len(y),
        "accuracy": round(float(np.trace(confusion) / len(y)), 4),
        "per_class": per_class,
        "lowest_class": min(per_class, key=per_class.get),
        "confusion": confusion.tolist(),
    }


def _previous_step(checkpoint_dir: Path) -> int:
    """The step of the directory's newest checkpoint, 0 if none. A new checkpoint continues
    the count, so it never reuses (and overwrites in place) the files the index names."""
    try:
        prefix = checkpoints.latest_prefix(checkpoint_dir)
    except checkpoints.CheckpointError:
        return 0
    match = re.search(r"-(\d+)$", prefix.name)
    return int(match[1]) if match else 0


def _without_optimizer(model, config: Config, alpha: float, labels: list[str]):
    """A copy of the trained network with no optimizer attached, so the checkpoint holds the
    weights only."""
    from pipeline.network import build_classifier

    bare = build_classifier(
        config.architecture, alpha, config.input_shape, len(labels), config.network_options
    )
    bare.set_weights(model.get_weights())
    return bare


def confusion_png(labels: list[str], confusion: list[list[int]], title: str) -> bytes:
    """The confusion matrix as a PNG: rows are true classes, columns predicted ones; a cell's
    shade is its share of the row, and off-diagonal counts are printed."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    cell, margin, top = 22, 56, 76
    side = margin + cell * len(labels)
    image = Image.new("RGB", (side + 8, top + cell * len(labels) + 8), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(11)
    draw.text((4, 4), title, fill="black", font=ImageFont.load_default(14))
    draw.text((4, 24), "rows: true class, columns: predicted class", fill="black", font=font)
    for index, label in enumerate(labels):
        draw.text((4, top + index * cell + 5), label, fill="black", font=font)
        column = Image.new("RGBA", (40, 14), (255, 255, 255, 0))
        ImageDraw.Draw(column).text((0, 0), label, fill="black", font=font)
        column = column.rotate(90, expand=True)
        image.paste(column, (margin + index * cell + 4, top - 42), column)
    for row, counts in enumerate(confusion):
        total = max(1, sum(counts))
        for col, count in enumerate(counts):
            share = count / total
            colour = (
                (int(255 - 200 * share), int(255 - 120 * share), 255)
                if row == col
                else (
                    255,
                    int(255 - 215 * min(1.0, 5 * share)),
                    int(255 - 215 * min(1.0, 5 * share)),
                )
            )
            x, y = margin + col * cell, top + row * cell
            draw.rectangle((x, y, x + cell - 1, y + cell - 1), fill=colour, outline=(225, 225, 225))
            if count and row != col:
                draw.text((x + 3, y + 5), str(count), fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _run(
    config: Config, program: str, quick, epochs, seed, alpha, held_out, set_aside, per_class,
    checkpoint_dir, start_from, learning_rate, labels,
) -> None:
    """Trains with the options of `doit train`, recording them as the command."""
    options = {
        "--quick": quick,
        "--epochs": epochs,
        "--seed": seed,
        "--alpha": alpha,
        "--held-out": held_out if held_out != HELD_OUT_STYLES else "",
        "--set-aside": set_aside,
        "--per-class": per_class,
        "--checkpoint-dir": checkpoint_dir,
        "--start-from": start_from,
        "--learning-rate": learning_rate,
        "--labels": labels,
    }
    command = shlex.split(program)
    for name, value in options.items():
        if value is True:
            command.append(name)
        elif value:
            command += [name, str(value)]
    train(
        config,
        quick=quick,
        epochs=epochs,
        seed=seed,
        alpha=alpha,
        held_out=held_out,
        set_aside=set_aside,
        per_class=per_class,
        checkpoint_dir=Path(checkpoint_dir) if checkpoint_dir else None,
        start_from=Path(start_from) if start_from else None,
        learning_rate=learning_rate,
        labels_path=Path(labels) if labels else None,
        command=shlex.join(command),
    )


def _param(name: str, kind: type, default, help: str) -> dict:
    return {"name": name, "long": name.replace("_", "-"), "type": kind, "default": default,
            "help": help}  # fmt: skip


PARAMS = [
    _param("quick", bool, False,
           "a tiny run (well under a minute) that exercises every step; its model is not useful"),
    _param("epochs", int, 0,
           "passes over the training squares, each seen as drawn and turned half round"
           f" (0: {FULL.epochs}, or {QUICK.epochs} quick)"),
    _param("seed", int, 0, "seed for the generated data and the initial weights"),
    _param("alpha", float, 0.0,
           "MobileNetV2 width to try (0: pyproject's alpha; the build only reads that one)"),
    _param("held_out", str, HELD_OUT_STYLES,
           "piece styles (comma separated; 'test' and 'development' name the groups) left out"
           f" of training and reported on; {NOTHING_HELD_OUT!r} trains on every style"),
    _param("set_aside", str, "",
           "piece styles (or groups) neither trained on nor read, e.g. 'test' while a recipe"
           " is chosen on '--held-out development'"),
    _param("per_class", int, 0,
           f"training squares a class (0: {FULL.train_per_class}, or {QUICK.train_per_class}"
           " quick)"),
    _param("checkpoint_dir", str, "", "where to save (default: pyproject's model_source)"),
    _param("start_from", str, "",
           "a checkpoint directory whose newest checkpoint training goes on from (fine-tuning)"
           " instead of fresh weights"),
    _param("learning_rate", float, 0.0,
           f"peak learning rate of the cosine schedule (0: {FULL.learning_rate})"),
    _param("labels", str, "",
           "a labels file (one class a line) to train other classes or another order"),
]  # fmt: skip


def task(config: Config) -> dict:
    return {
        "doc": "train the classifier on generated squares -> new checkpoint (run on demand)",
        "params": PARAMS,
        "actions": [(reported(_run), [config, "doit train"])],
        "uptodate": [False],  # asking for training means training
        "verbosity": 2,
    }


def main(argv: list[str] | None = None) -> None:
    """`python -m pipeline.shogi.train` with the same options as `doit train`."""
    from pipeline import config as settings

    parser = argparse.ArgumentParser(prog="python -m pipeline.shogi.train", description=__doc__)
    for param in PARAMS:
        flag = f"--{param['long']}"
        if param["type"] is bool:
            parser.add_argument(flag, dest=param["name"], action="store_true", help=param["help"])
        else:
            parser.add_argument(
                flag,
                dest=param["name"],
                type=param["type"],
                default=param["default"],
                help=param["help"],
            )
    options = parser.parse_args(argv)
    try:
        _run(settings.load(), "python -m pipeline.shogi.train", **vars(options))
    except BuildError as error:
        sys.exit(f"python -m pipeline.shogi.train: {error}")


if __name__ == "__main__":
    filter_tensorflow_chatter()
    main()
