"""TF2 object-based checkpoints as `tf.train.CheckpointManager` writes them.

Finding the newest checkpoint and reading labels needs no TensorFlow, so dodo.py can
list a checkpoint's files as dependencies without slowing down a no-op build.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pipeline.errors import BuildError
from pipeline.files import write_atomically

INDEX_NAME = "checkpoint"
LABELS_NAME = "labels.txt"
# What a trainer may leave beside its checkpoint for the site's model card (optional): its
# metrics, its confusion matrix, and, for a model trained on everything, the metrics of a
# run of the same recipe that held data out (what it does on data nobody trained on).
CARD_NAMES = ("metrics.json", "confusion.png", "held-out-run-metrics.json")
# Bookkeeping that a re-save changes without changing the model.
_NOT_CONTENT = ("_CHECKPOINTABLE_OBJECT_GRAPH", "save_counter/.ATTRIBUTES/VARIABLE_VALUE")
_PATH_LINE = re.compile(r'^model_checkpoint_path:\s*"(?P<path>(?:[^"\\]|\\.)*)"\s*$', re.MULTILINE)


class CheckpointError(BuildError):
    """A checkpoint directory that cannot be built from; the message names the file."""


def latest_prefix(checkpoint_dir: Path) -> Path:
    """The newest checkpoint's prefix (`.../ckpt-12`), read from the `checkpoint` index file."""
    index = Path(checkpoint_dir) / INDEX_NAME
    try:
        text = index.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CheckpointError(f"{index}: no checkpoint index file (no checkpoint saved?)") from None
    except OSError as error:
        raise CheckpointError(f"{index}: cannot read ({error.strerror})") from error
    match = _PATH_LINE.search(text)
    if not match:
        raise CheckpointError(f"{index}: no model_checkpoint_path line")
    prefix = Path(checkpoint_dir) / match["path"].encode().decode("unicode_escape")
    if not Path(f"{prefix}.index").is_file():
        raise CheckpointError(f"{index}: points to {prefix}, whose .index file is missing")
    return prefix


def files_of(prefix: Path) -> list[Path]:
    """The files that hold one checkpoint: its .index and its data shards."""
    prefix = Path(prefix)
    shards = sorted(prefix.parent.glob(f"{prefix.name}.data-*"))
    return [Path(f"{prefix}.index"), *shards]


def read_labels(path: Path) -> list[str]:
    """Class names, one a line, in output order."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing (it lists the classes, one a line)") from None
    except UnicodeDecodeError as error:
        raise CheckpointError(f"{path}: not UTF-8 text ({error.reason})") from error
    except OSError as error:
        raise CheckpointError(f"{path}: cannot read ({error.strerror})") from error
    labels = text.splitlines()
    if not labels:
        raise CheckpointError(f"{path}: empty, expected one class name a line")
    seen: dict[str, int] = {}
    for number, label in enumerate(labels, start=1):
        if not label.strip():
            raise CheckpointError(f"{path}:{number}: empty label")
        if label in seen:
            raise CheckpointError(
                f"{path}:{number}: duplicate label {label!r} (first on line {seen[label]})"
            )
        seen[label] = number
    return labels


def save(checkpoint_dir: Path, model, step: int, labels: list[str], max_to_keep: int = 3) -> Path:
    """Saves `model` and `step`; the index file is written last, so readers never see a
    half-written checkpoint. Returns the new checkpoint's prefix."""
    import tensorflow as tf

    checkpoint_dir = Path(checkpoint_dir)
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    labels_text = "".join(f"{label}\n" for label in labels)
    write_atomically(checkpoint_dir / LABELS_NAME, labels_text.encode("utf-8"))
    checkpoint = tf.train.Checkpoint(model=model, step=tf.Variable(step, dtype=tf.int64))
    manager = tf.train.CheckpointManager(checkpoint, str(checkpoint_dir), max_to_keep=max_to_keep)
    return Path(manager.save(checkpoint_number=step))


def restore(prefix: Path, model) -> int:
    """Loads the weights at `prefix` into `model` and returns the saved step.

    Every variable of the model must come from the checkpoint: a model built with another
    architecture, width or class count fails here instead of running on random weights.
    """
    import tensorflow as tf

    step = tf.Variable(0, dtype=tf.int64)
    checkpoint = tf.train.Checkpoint(model=model, step=step)
    try:
        status = checkpoint.restore(str(prefix))
        status.assert_existing_objects_matched()
        status.expect_partial()  # the manager's save counter and optimizer slots may remain
    except (tf.errors.OpError, AssertionError, ValueError) as error:
        raise CheckpointError(
            f"{prefix}: does not fit the configured network ({first_line(error)})"
        ) from error
    return int(step.numpy())


def fingerprint(prefix: Path) -> str:
    """SHA-256 over every saved tensor (name, dtype, value): the same weights give the same
    fingerprint whatever the file names or timestamps.

    Reading every tensor also proves the files whole: a truncated or corrupted checkpoint
    fails here, with a message that says so.
    """
    import tensorflow as tf

    digest = hashlib.sha256()
    try:
        reader = tf.train.load_checkpoint(str(prefix))
        for name in sorted(reader.get_variable_to_shape_map()):
            if name in _NOT_CONTENT:
                continue
            value = reader.get_tensor(name)
            digest.update(name.encode())
            digest.update(str(getattr(value, "dtype", type(value))).encode())
            digest.update(value.tobytes() if hasattr(value, "tobytes") else bytes(value))
    except (tf.errors.OpError, IndexError, ValueError, OSError) as error:
        raise CheckpointError(
            f"{prefix}: damaged, not a whole checkpoint ({first_line(error)})"
        ) from error
    return digest.hexdigest()


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
