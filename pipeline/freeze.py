"""Stage 1: the model source (pipeline/sources.py) -> a frozen inference graph with its
labels embedded.

The graph takes float32 pixels 0-255 (NHWC, any batch size, the model's height, width and
channels) and has three named outputs:
`logits`, `probabilities` and `labels` (the class names as a UTF-8 string tensor). With the
`half_turn` setting, an image it reads upright with doubt is read turned half round too, and
its logits are the mean of the two readings (pipeline/half_turn.py).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from doit.tools import config_changed

from pipeline import checkpoints, half_turn, network, sources
from pipeline.config import Config, settings_of
from pipeline.errors import BuildError, reported
from pipeline.files import code_digest, digest_files, write_atomically
from pipeline.quiet import import_tensorflow

INPUT_NAME = "pixels"
OUTPUT_NAMES = ("logits", "probabilities", "labels")
PARITY_TOLERANCE = 1e-4
SOURCE_NAME = "source-digest.txt"
CARD_DIGEST_NAME = "card-digest.txt"


class ParityError(BuildError):
    """The frozen graph does not compute what the restored model computes."""


def freeze(config: Config, graph_path: Path, info_path: Path) -> None:
    """Writes the frozen graph to `graph_path` and what later stages need to know about it
    (labels, input shape, training step and weights' fingerprint) to `info_path` as JSON.

    Both are serialized deterministically: an unchanged model gives unchanged bytes, so the
    stages after this one see nothing new.
    """
    # Read from a copy: the trainer may save a new model while this runs.
    with tempfile.TemporaryDirectory(prefix="model-") as copy:
        source, digest = sources.snapshot(config.model_source, Path(copy))
        try:
            graph_def, info = _freeze_snapshot(config, source)
        except BuildError as error:
            # name the user's files, not the copy's
            message = str(error).replace(copy, str(sources.home(config.model_source)))
            raise type(error)(message) from error
        card = {name: _read_optional(Path(copy) / name) for name in checkpoints.CARD_NAMES}
        present = [Path(copy) / name for name, data in card.items() if data is not None]
        card_digest = digest_files(present)
    write_atomically(graph_path, graph_def.SerializeToString(deterministic=True))
    info_text = json.dumps(info, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_atomically(info_path, info_text.encode("utf-8"))
    # The model card travels with the model; a model without one gets none.
    for name, data in card.items():
        if data is None:
            (Path(graph_path).parent / name).unlink(missing_ok=True)
        else:
            write_atomically(Path(graph_path).parent / name, data)
    # The site task learns of a changed model card from this file: card files may come and
    # go, and a file that may be missing cannot be a file_dep.
    write_atomically(Path(graph_path).with_name(CARD_DIGEST_NAME), f"{card_digest}\n".encode())
    # What this build read, for `snapshot_is_current`: doit records its file_dep state only
    # after the action, and by then the source may hold a newer model.
    write_atomically(Path(graph_path).with_name(SOURCE_NAME), f"{digest}\n".encode())


def _read_optional(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def _freeze_snapshot(config: Config, source: Path):
    # What can be checked without TensorFlow is, so such a mistake is reported at once.
    labels = checkpoints.read_labels(sources.labels_path(source))
    tf = import_tensorflow()
    import keras
    import numpy as np
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    # Keras numbers unnamed layers per process, and layer names become node names.
    keras.backend.clear_session()
    model = sources.load(source, config, len(labels))
    height, width, channels = model.input_shape
    classes = model.logits(tf.zeros([1, height, width, channels])).shape[-1]
    if classes != len(labels):
        raise sources.SourceError(
            f"{source}: gives {classes} scores an image, but {sources.labels_path(source)}"
            f" lists {len(labels)} labels"
        )
    turns = half_turn.reading_turns(labels, config.half_turn)
    shape = [None, height, width, channels]

    @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32, INPUT_NAME)])
    def infer(pixels):
        logits = model.logits(pixels)  # in inference mode: BatchNorm on its moving statistics
        if turns is not None:
            # only the doubtful images pay for a second reading
            sure = tf.reduce_max(tf.nn.softmax(logits), axis=1)
            # and the least sure one, so that the second batch is never empty
            least_sure = tf.range(tf.shape(sure)[0]) == tf.argmin(sure, output_type=tf.int32)
            doubtful = tf.where(tf.logical_or(sure < half_turn.SURE_UPRIGHT, least_sure))
            turned = model.logits(tf.reverse(tf.gather_nd(pixels, doubtful), [1, 2]))
            mean = (tf.gather_nd(logits, doubtful) + tf.gather(turned, turns, axis=1)) / 2
            logits = tf.tensor_scatter_nd_update(logits, doubtful, mean)
        return {
            "logits": tf.identity(logits, name="logits"),
            "probabilities": tf.identity(tf.nn.softmax(logits), name="probabilities"),
            "labels": tf.identity(tf.constant(labels, dtype=tf.string), name="labels"),
        }

    frozen = convert_variables_to_constants_v2(infer.get_concrete_function())
    graph_def = frozen.graph.as_graph_def()
    # Captured weights come out in set order; sorted by name, the bytes are reproducible.
    nodes = sorted(graph_def.node, key=lambda node: node.name)
    del graph_def.node[:]
    graph_def.node.extend(nodes)

    batch = np.random.default_rng(0).uniform(0, 255, (4, *shape[1:])).astype(np.float32)
    expected = half_turn.read_both_ways(lambda pixels: model.logits(pixels).numpy(), batch, turns)
    outputs = run_graph(graph_def, batch)
    difference = float(np.max(np.abs(outputs["logits"] - expected)))
    if difference > PARITY_TOLERANCE:
        raise ParityError(
            f"{source}: frozen graph logits differ from the restored model's by {difference:.2e}"
            f" (tolerance {PARITY_TOLERANCE:.0e})"
        )
    if [label.decode("utf-8") for label in outputs["labels"]] != labels:
        raise ParityError(f"{source}: labels did not survive freezing")

    kind = sources.kind_of(source)
    info = {
        "source_kind": kind,
        # the settings' network, for checkpoints; the other kinds carry their own
        "architecture": config.architecture if kind == sources.CHECKPOINTS else None,
        "alpha": config.alpha if kind == sources.CHECKPOINTS else None,
        "input_shape": [height, width, channels],
        "labels": labels,
        "read_half_turned": turns is not None,
        "checkpoint_step": model.step,
        "checkpoint_fingerprint": model.fingerprint,
        "input": INPUT_NAME,
        "outputs": list(OUTPUT_NAMES),
    }
    return graph_def, info


def run_graph(graph_def, pixels) -> dict:
    """Runs a frozen graph (as written by `freeze`) on a batch of pixels."""
    return graph_runner(graph_def)(pixels)


def graph_runner(graph_def):
    """A function from a batch of pixels to a frozen graph's outputs (name -> array); made
    once, it runs the graph any number of times without loading it again."""
    import tensorflow as tf

    def load():
        tf.compat.v1.import_graph_def(graph_def, name="")

    wrapped = tf.compat.v1.wrap_function(load, [])
    graph = wrapped.graph
    run = wrapped.prune(
        graph.get_tensor_by_name(f"{INPUT_NAME}:0"),
        [graph.get_tensor_by_name(f"{name}:0") for name in OUTPUT_NAMES],
    )

    def outputs(pixels) -> dict:
        values = run(tf.constant(pixels))
        return {name: value.numpy() for name, value in zip(OUTPUT_NAMES, values)}

    return outputs


def load_graph_def(path: Path):
    import tensorflow as tf

    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(Path(path).read_bytes())
    return graph_def


def task(config: Config) -> dict:
    graph_path = config.frozen_dir / "model.pb"
    info_path = config.frozen_dir / "model-info.json"
    names = ("model_source", "architecture", "alpha", "input_shape", "half_turn",
             "network_options")  # fmt: skip
    plugin = network.plugin_source(config.architecture)  # a user's network is code too
    code = code_digest(
        sys.modules[__name__], checkpoints, sources, half_turn, network, files=[plugin]
    )
    return {
        "doc": "model source -> frozen inference graph with labels (artifacts/frozen)",
        "file_dep": [str(path) for path in sources.dependencies(config.model_source)],
        "targets": [str(graph_path), str(info_path), str(config.frozen_dir / CARD_DIGEST_NAME)],
        "actions": [(reported(freeze), [config, graph_path, info_path])],
        "uptodate": [
            config_changed({**settings_of(config, *names), "code": code}),
            (snapshot_is_current, [config]),
        ],
        "clean": [(shutil.rmtree, [config.frozen_dir, True])],
    }


def snapshot_is_current(config: Config) -> bool:
    """Whether the last freeze read the model the source holds now."""
    try:
        recorded = (config.frozen_dir / SOURCE_NAME).read_text(encoding="utf-8").strip()
        return recorded == sources.source_digest(config.model_source)
    except (OSError, BuildError):
        return False
