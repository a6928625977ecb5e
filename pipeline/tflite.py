"""Stage 2b: frozen graph -> TFLite models (`artifacts/tflite`), for LiteRT.js in the page
and for native TFLite, the speed reference of `doit bench`.

TFLite runs a fixed batch: one model is written for each batch size the page runs, the
configured batch and a lone image (`batch-27.tflite`, `batch-1.tflite`). Each takes the
frozen graph's input and gives its `probabilities`; a model read both ways keeps its second
reading of doubtful images (built-in TFLite operations only, which LiteRT.js runs).
"""

from __future__ import annotations

import json
import shutil
import sys
import warnings
from pathlib import Path

from doit.tools import config_changed

from pipeline import freeze as freezing
from pipeline.config import Config, settings_of
from pipeline.errors import BuildError, reported
from pipeline.files import code_digest, fresh_directory, replace_directory
from pipeline.quiet import import_tensorflow

OUTPUT_NAME = "probabilities"
# Largest difference of a probability from the frozen graph's, by quantization. On the
# check's random pixels the default model's moved by 0.002 with float16 weights and by
# 0.025 with 8-bit ones (2e-5 and 3e-4 on a real board's squares).
TOLERANCES = {"none": 1e-4, "float16": 0.02, "uint8": 0.1}


class TfliteError(BuildError):
    """The TFLite model does not compute what the frozen graph computes."""


def model_name(batch: int) -> str:
    return f"batch-{batch}.tflite"


def batch_sizes(config: Config) -> list[int]:
    """The batches the page runs: full batches of many images, and a lone image."""
    return sorted({config.batch_size, 1}, reverse=True)


def convert(config: Config, graph_path: Path, info_path: Path, output_dir: Path) -> None:
    """Writes one TFLite model per batch size into `output_dir`, each checked against the
    frozen graph; the directory is replaced whole, as the TF.js stage's is."""
    tf = import_tensorflow()
    # the model's own input: a .keras file or a SavedModel brings its size with it
    input_shape = json.loads(Path(info_path).read_text(encoding="utf-8"))["input_shape"]
    reference = freezing.graph_runner(freezing.load_graph_def(graph_path))
    staging = fresh_directory(Path(output_dir))
    try:
        for batch in batch_sizes(config):
            converter = tf.compat.v1.lite.TFLiteConverter.from_frozen_graph(
                str(graph_path),
                input_arrays=[freezing.INPUT_NAME],
                output_arrays=[OUTPUT_NAME],
                input_shapes={freezing.INPUT_NAME: [batch, *input_shape]},
            )
            if config.quantization != "none":
                converter.optimizations = [tf.lite.Optimize.DEFAULT]  # 8-bit weights
            if config.quantization == "float16":
                converter.target_spec.supported_types = [tf.float16]
            model = converter.convert()
            _check(model, reference, [batch, *input_shape], config, graph_path)
            (staging / model_name(batch)).write_bytes(model)
        replace_directory(staging, Path(output_dir))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def runner(model, threads: int = 1):
    """A function from a batch of pixels (the model's batch size) to its probabilities: a
    TFLite interpreter on `model` (bytes or a path) computing on `threads` threads, with the
    XNNPACK delegate TFLite applies by default on a CPU."""
    tf = import_tensorflow()
    given = {"model_path": str(model)} if isinstance(model, Path) else {"model_content": model}
    with warnings.catch_warnings():
        # TensorFlow 2.19 says tf.lite.Interpreter moves to another package in 2.20; this
        # project pins 2.19
        warnings.filterwarnings("ignore", message=r"\s*Warning: tf.lite.Interpreter")
        interpreter = tf.lite.Interpreter(**given, num_threads=threads)
    interpreter.allocate_tensors()
    [source] = interpreter.get_input_details()
    [output] = interpreter.get_output_details()

    def probabilities(pixels):
        interpreter.set_tensor(source["index"], pixels)
        interpreter.invoke()
        return interpreter.get_tensor(output["index"])

    return probabilities


def _check(model: bytes, reference, shape: list[int], config: Config, graph_path: Path) -> None:
    import numpy as np

    pixels = np.random.default_rng(0).uniform(0, 255, shape).astype(np.float32)
    batch = shape[0]
    expected = reference(pixels)[OUTPUT_NAME]
    difference = float(np.max(np.abs(runner(model)(pixels) - expected)))
    tolerance = TOLERANCES[config.quantization]
    if difference > tolerance:
        raise TfliteError(
            f"{graph_path}: the TFLite model of batch {batch} ({config.quantization} weights)"
            f" differs from the frozen graph by {difference:.2e} (tolerance {tolerance:.0e})"
        )


def task(config: Config) -> dict:
    graph_path = config.frozen_dir / "model.pb"
    info_path = config.frozen_dir / "model-info.json"
    return {
        "doc": "frozen graph -> TFLite models, one per batch size (artifacts/tflite)",
        "file_dep": [str(graph_path), str(info_path)],
        "targets": [str(config.tflite_dir / model_name(b)) for b in batch_sizes(config)],
        "actions": [(reported(convert), [config, graph_path, info_path, config.tflite_dir])],
        "uptodate": [
            config_changed(
                {
                    **settings_of(config, "quantization", "batch_size"),
                    "code": code_digest(sys.modules[__name__]),
                }
            )
        ],
        "clean": [(shutil.rmtree, [config.tflite_dir, True])],
    }
