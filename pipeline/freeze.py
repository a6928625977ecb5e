"""Stage 1: the newest checkpoint -> a frozen inference graph with its labels embedded.

The graph takes float32 pixels 0-255 (NHWC, any batch size) and has three named outputs:
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

from pipeline import checkpoints, half_turn, network
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
    (labels, input size, checkpoint step and fingerprint) to `info_path` as JSON.

    Both are serialized deterministically: an unchanged checkpoint gives unchanged bytes, so
    the stages after this one see nothing new.
    """
    # Read from a copy: the trainer may save a new checkpoint while this runs.
    with tempfile.TemporaryDirectory(prefix="checkpoint-") as copy:
        source = checkpoints.snapshot(config.checkpoint_dir, Path(copy))
        try:
            graph_def, info = _freeze_snapshot(config, Path(copy))
        except (checkpoints.CheckpointError, ParityError) as error:
            # name the user's files, not the copy's
            message = str(error).replace(copy, str(config.checkpoint_dir))
            raise type(error)(message) from error
        card = {name: _read_optional(Path(copy) / name) for name in checkpoints.CARD_NAMES}
        present = [Path(copy) / name for name, data in card.items() if data is not None]
        card_digest = digest_files(present)
    write_atomically(graph_path, graph_def.SerializeToString(deterministic=True))
    info_text = json.dumps(info, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_atomically(info_path, info_text.encode("utf-8"))
    # The model card travels with the model; a checkpoint without one gets none.
    for name, data in card.items():
        if data is None:
            (Path(graph_path).parent / name).unlink(missing_ok=True)
        else:
            write_atomically(Path(graph_path).parent / name, data)
    # The site task learns of a changed model card from this file: card files may come and
    # go, and a file that may be missing cannot be a file_dep.
    write_atomically(Path(graph_path).with_name(CARD_DIGEST_NAME), f"{card_digest}\n".encode())
    # What this build read, for `snapshot_is_current`: doit records its file_dep state only
    # after the action, and by then the directory may hold a newer checkpoint.
    write_atomically(Path(graph_path).with_name(SOURCE_NAME), f"{source}\n".encode())


def _read_optional(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def _freeze_snapshot(config: Config, checkpoint_dir: Path):
    # What can be checked without TensorFlow is, so such a mistake is reported at once.
    prefix = checkpoints.latest_prefix(checkpoint_dir)
    labels = checkpoints.read_labels(checkpoint_dir / checkpoints.LABELS_NAME)
    tf = import_tensorflow()
    import keras
    import numpy as np
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    fingerprint = checkpoints.fingerprint(prefix)  # first: it tells a damaged checkpoint apart
    # Keras numbers unnamed layers per process, and layer names become node names.
    keras.backend.clear_session()
    model = network.build_classifier(
        config.architecture, config.alpha, config.input_size, len(labels), config.network_options
    )
    step = checkpoints.restore(prefix, model)
    size = config.input_size
    turns = half_turn.reading_turns(labels, config.half_turn)

    @tf.function(input_signature=[tf.TensorSpec([None, size, size, 3], tf.float32, INPUT_NAME)])
    def infer(pixels):
        # training=False: BatchNorm on its moving statistics, dropout off
        logits = model(pixels, training=False)
        if turns is not None:
            # only the doubtful images pay for a second reading
            sure = tf.reduce_max(tf.nn.softmax(logits), axis=1)
            # and the least sure one, so that the second batch is never empty
            least_sure = tf.range(tf.shape(sure)[0]) == tf.argmin(sure, output_type=tf.int32)
            doubtful = tf.where(tf.logical_or(sure < half_turn.SURE_UPRIGHT, least_sure))
            turned = model(tf.reverse(tf.gather_nd(pixels, doubtful), [1, 2]), training=False)
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

    batch = np.random.default_rng(0).uniform(0, 255, (4, size, size, 3)).astype(np.float32)
    expected = half_turn.read_both_ways(
        lambda pixels: model(pixels, training=False).numpy(), batch, turns
    )
    outputs = run_graph(graph_def, batch)
    difference = float(np.max(np.abs(outputs["logits"] - expected)))
    if difference > PARITY_TOLERANCE:
        raise ParityError(
            f"{prefix}: frozen graph logits differ from the restored model's by {difference:.2e}"
            f" (tolerance {PARITY_TOLERANCE:.0e})"
        )
    if [label.decode("utf-8") for label in outputs["labels"]] != labels:
        raise ParityError(f"{prefix}: labels did not survive freezing")

    info = {
        "architecture": config.architecture,
        "alpha": config.alpha,
        "input_size": size,
        "labels": labels,
        "read_half_turned": turns is not None,
        "checkpoint_step": step,
        "checkpoint_fingerprint": fingerprint,
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
    names = ("architecture", "alpha", "input_size", "half_turn", "network_options")
    plugin = network.plugin_source(config.architecture)  # a user's network is code too
    code = code_digest(sys.modules[__name__], checkpoints, half_turn, network, files=[plugin])
    return {
        "doc": "newest checkpoint -> frozen inference graph with labels (artifacts/frozen)",
        "file_dep": [str(path) for path in checkpoint_dependencies(config)],
        "targets": [str(graph_path), str(info_path), str(config.frozen_dir / CARD_DIGEST_NAME)],
        "actions": [(reported(freeze), [config, graph_path, info_path])],
        "uptodate": [
            config_changed({**settings_of(config, *names), "code": code}),
            (snapshot_is_current, [config]),
        ],
        "clean": [(shutil.rmtree, [config.frozen_dir, True])],
    }


def snapshot_is_current(config: Config) -> bool:
    """Whether the last freeze read the checkpoint the directory holds now."""
    try:
        recorded = (config.frozen_dir / SOURCE_NAME).read_text(encoding="utf-8").strip()
        return recorded == checkpoints.source_digest(config.checkpoint_dir)
    except (OSError, checkpoints.CheckpointError):
        return False


def checkpoint_dependencies(config: Config) -> list[Path]:
    """The index file, the labels and the files of the checkpoint the index names.

    When the index is missing or broken only it is listed, and the action reports why.
    """
    index = config.checkpoint_dir / checkpoints.INDEX_NAME
    labels = config.checkpoint_dir / checkpoints.LABELS_NAME
    try:
        prefix = checkpoints.latest_prefix(config.checkpoint_dir)
    except checkpoints.CheckpointError:
        return [index]
    return [index, labels, *checkpoints.files_of(prefix)]
