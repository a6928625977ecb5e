"""The model a build starts from, the `model_source` setting. Three kinds, told apart by what
is there:

- a directory of TF2 checkpoints (a `checkpoint` index file): weights only, so the settings
  say which network (`architecture`, `alpha`, the input shape) they belong to;
- a Keras `.keras` file;
- a SavedModel directory (`saved_model.pb`), whose `serving_default` signature is used.

The last two carry their network. Beside each (in the directory, or beside the file) go
`labels.txt`, one class a line in output order, and optionally the model-card files a
trainer leaves (checkpoints.CARD_NAMES). Listing and copying the files needs no TensorFlow;
loading does.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from pipeline import checkpoints, network
from pipeline.errors import BuildError
from pipeline.files import digest_files

CHECKPOINTS, KERAS, SAVED_MODEL = "checkpoints", "keras", "saved_model"
SAVED_MODEL_NAME = "saved_model.pb"
SIGNATURE = "serving_default"


class SourceError(BuildError):
    """A model source that cannot be built from; the message names the file."""


def kind_of(source: Path) -> str:
    source = Path(source)
    if source.suffix == ".keras":
        return KERAS
    if (source / SAVED_MODEL_NAME).is_file():
        return SAVED_MODEL
    return CHECKPOINTS  # also a directory with nothing saved yet: reported as such


def home(source: Path) -> Path:
    """The directory that holds the labels and model-card files."""
    return Path(source).parent if kind_of(source) == KERAS else Path(source)


def labels_path(source: Path) -> Path:
    return home(source) / checkpoints.LABELS_NAME


def model_files(source: Path) -> list[Path]:
    """The files that hold the model itself."""
    source = Path(source)
    kind = kind_of(source)
    if kind == CHECKPOINTS:
        if source.is_file():
            raise SourceError(
                f"{source}: a file, but model_source names a checkpoint directory, a .keras file"
                " or a SavedModel directory"
            )
        prefix = checkpoints.latest_prefix(source)
        return [source / checkpoints.INDEX_NAME, *checkpoints.files_of(prefix)]
    if kind == KERAS:
        if not source.is_file():
            raise SourceError(f"{source}: missing (model_source names a .keras file)")
        return [source]
    beside = {checkpoints.LABELS_NAME, *checkpoints.CARD_NAMES}
    return sorted(
        path for path in source.rglob("*")
        if path.is_file() and not (path.parent == source and path.name in beside)
    )  # fmt: skip


def source_files(source: Path) -> list[Path]:
    """Everything a build reads: the model, its labels, and the model-card files there are."""
    directory = home(source)
    card = [directory / name for name in checkpoints.CARD_NAMES if (directory / name).exists()]
    return [*model_files(source), labels_path(source), *card]


def watched(source: Path) -> list[Path]:
    """Where a new model shows up: the directory of checkpoints or the SavedModel, or the
    .keras file and the files beside it that go with it (not the whole folder around it)."""
    source = Path(source)
    if kind_of(source) != KERAS:
        return [source]
    return [source, labels_path(source), *(home(source) / name for name in checkpoints.CARD_NAMES)]


def dependencies(source: Path) -> list[Path]:
    """`source_files` for doit's file_dep; when they cannot be listed (no checkpoint saved
    yet, a broken index, no .keras file), the one file that should say, and freeze reports
    why."""
    try:
        return source_files(source)
    except BuildError:
        if kind_of(source) == KERAS:
            return [Path(source)]
        return [Path(source) / checkpoints.INDEX_NAME]


def source_digest(source: Path) -> str:
    """A content hash of `source_files`."""
    try:
        return digest_files(source_files(source), home(source))
    except OSError as error:
        raise SourceError(f"{error.filename}: cannot read ({error.strerror})") from error


def snapshot(source: Path, into: Path, attempts: int = 3) -> tuple[Path, str]:
    """Copies the model source's files into the directory `into`, laid out as they were, and
    returns the copy's source path and the files' digest. A trainer may save a new model at
    any moment: the copy is taken again until the source held still while it was made."""
    source, into = Path(source), Path(into)
    # what is wrong said plainly, before the copy would fail to read it
    model_files(source)
    checkpoints.read_labels(labels_path(source))
    copy = into / source.name if kind_of(source) == KERAS else into
    for _ in range(attempts):
        before = source_digest(source)
        for path in source_files(source):
            target = into / path.relative_to(home(source))
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        if source_digest(copy) == before == source_digest(source):
            return copy, before
    raise SourceError(f"{source}: the model kept changing while it was read; try again later")


class Loaded(NamedTuple):
    """A model restored for inference."""

    logits: Callable  # float32 pixels 0-255 (NHWC) -> logits, both TensorFlow tensors
    input_shape: tuple[int, int, int]  # height, width, channels
    step: int | None  # the training step a checkpoint records; None for the other kinds
    fingerprint: str  # of the weights: the same weights, the same fingerprint


def load(source: Path, config, num_classes: int) -> Loaded:
    """Restores the model at `source` (a copy `snapshot` made) in inference mode."""
    source = Path(source)
    kind = kind_of(source)
    if kind == CHECKPOINTS:
        loaded = _load_checkpoint(source, config, num_classes)
    elif kind == KERAS:
        loaded = _load_keras(source)
    else:
        loaded = _load_saved_model(source)
    channels = loaded.input_shape[2]
    if channels not in (1, 3):
        raise SourceError(
            f"{source}: takes images of {channels} channels; the page gives 1 (grey) or 3 (RGB)"
        )
    return loaded


def _load_checkpoint(source: Path, config, num_classes: int) -> Loaded:
    prefix = checkpoints.latest_prefix(source)
    fingerprint = checkpoints.fingerprint(prefix)  # first: it tells a damaged checkpoint apart
    model = network.build_classifier(
        config.architecture, config.alpha, config.input_shape, num_classes, config.network_options
    )
    step = checkpoints.restore(prefix, model)
    return Loaded(_inference(model), config.input_shape, step, fingerprint)


def _load_keras(source: Path) -> Loaded:
    import keras

    try:
        model = keras.models.load_model(source, compile=False)
    except Exception as error:  # Keras raises many kinds for a file it cannot read
        raise SourceError(
            f"{source}: not a Keras model this Keras can load ({checkpoints.first_line(error)})"
        ) from error
    digest = hashlib.sha256()
    for weight in model.weights:
        value = keras.ops.convert_to_numpy(weight)
        digest.update(f"{weight.path}:{value.dtype}:{value.shape}".encode())
        digest.update(value.tobytes())
    shape = _image_shape(source, model.input_shape)
    return Loaded(_inference(model), shape, None, digest.hexdigest())


def _inference(model) -> Callable:
    """A Keras model's logits with BatchNorm on its moving statistics and dropout off."""
    return lambda pixels: model(pixels, training=False)


def _load_saved_model(source: Path) -> Loaded:
    import tensorflow as tf

    # reading every weight first tells a damaged SavedModel apart, as for checkpoints
    fingerprint = checkpoints.fingerprint(source / "variables" / "variables")
    try:
        loaded = tf.saved_model.load(str(source))
    except (tf.errors.OpError, ValueError, OSError, IndexError) as error:
        raise SourceError(
            f"{source}: damaged, or not a SavedModel this TensorFlow can load"
            f" ({checkpoints.first_line(error)})"
        ) from error
    signature = loaded.signatures.get(SIGNATURE)
    if signature is None:
        raise SourceError(f"{source}: has no '{SIGNATURE}' signature to classify with")
    inputs = signature.structured_input_signature[1]
    outputs = signature.structured_outputs
    if len(inputs) != 1 or len(outputs) != 1:
        raise SourceError(
            f"{source}: its '{SIGNATURE}' signature should take one input (the pixels) and give"
            f" one output (the logits); it takes {sorted(inputs)} and gives {sorted(outputs)}"
        )
    [(input_name, spec)] = inputs.items()
    [output_name] = outputs
    if spec.dtype != tf.float32:
        raise SourceError(
            f"{source}: its '{SIGNATURE}' signature takes {spec.dtype.name} pixels; the page gives"
            " float32"
        )
    shape = _image_shape(source, tuple(spec.shape))

    def logits(pixels):
        # through `loaded`, which must live as long as this: its signature holds its
        # variables only weakly
        return loaded.signatures[SIGNATURE](**{input_name: pixels})[output_name]

    return Loaded(logits, shape, None, fingerprint)


def _image_shape(source: Path, shape: tuple) -> tuple[int, int, int]:
    if len(shape) != 4 or not all(isinstance(side, int) and side > 0 for side in shape[1:]):
        raise SourceError(
            f"{source}: takes input of shape {shape}; expected a batch of images of a fixed"
            " size, (None, height, width, channels)"
        )
    return (shape[1], shape[2], shape[3])
