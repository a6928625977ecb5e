"""Stage 2: frozen graph -> TensorFlow.js graph model (`model.json` + weight shards)."""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
from pathlib import Path

from doit.tools import config_changed

from pipeline import compact
from pipeline import freeze as freezing
from pipeline.config import Config, settings_of
from pipeline.errors import reported
from pipeline.files import code_digest, fresh_directory, replace_directory
from pipeline.quiet import import_tensorflow

METADATA_KEY = "classifier"
_QUANTIZATION_MAPS = {"none": None, "float16": {"float16": True}, "uint8": {"uint8": True}}


def convert(config: Config, graph_path: Path, info_path: Path, output_dir: Path) -> None:
    """Converts the frozen graph with the tensorflowjs converter into `output_dir`.

    The model is written to a fresh directory that then replaces `output_dir` whole, so shards
    of an earlier conversion never linger beside a new `model.json`.
    """
    import_tensorflow()
    from tensorflowjs.converters.tf_saved_model_conversion_v2 import convert_tf_frozen_model

    info = json.loads(Path(info_path).read_text(encoding="utf-8"))
    metadata = {
        key: info[key]
        for key in ("labels", "input_shape", "checkpoint_step", "checkpoint_fingerprint")
    }
    metadata["quantization"] = config.quantization
    staging = fresh_directory(Path(output_dir))
    try:
        with _bias_adds_of_vectors_only():
            convert_tf_frozen_model(
                str(graph_path),
                ",".join(freezing.OUTPUT_NAMES),
                str(staging),
                quantization_dtype_map=_QUANTIZATION_MAPS[config.quantization],
                weight_shard_size_bytes=config.shard_size_bytes,
                metadata={METADATA_KEY: metadata},
            )
        compact.compact(staging, config.shard_size_bytes)
        replace_directory(staging, Path(output_dir))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def _bias_adds_of_vectors_only():
    """tensorflowjs 4.22 turns every addition to a convolution's output into a BiasAdd, for
    fusing; a residual addition too (EfficientNet, ResNet50), and TF.js then refuses the
    fused convolution's "bias" of rank 4. While this is open, only an addition of a constant
    vector becomes a BiasAdd."""
    from tensorflowjs.converters import normalize_bias_add

    original = normalize_bias_add.normalize_bias_add_op

    def of_vectors_only(graph_def):
        additions = {node.name: node.op for node in graph_def.node if node.op in ("Add", "AddV2")}
        graph_def = original(graph_def)
        nodes = {node.name: node for node in graph_def.node}
        for node in graph_def.node:
            if node.op == "BiasAdd" and node.name in additions:
                bias = nodes.get(node.input[1].split(":")[0])
                if not (bias and bias.op == "Const"
                        and len(bias.attr["value"].tensor.tensor_shape.dim) == 1):  # fmt: skip
                    node.op = additions[node.name]
                    del node.attr["data_format"]
        return graph_def

    normalize_bias_add.normalize_bias_add_op = of_vectors_only
    try:
        yield
    finally:
        normalize_bias_add.normalize_bias_add_op = original


def task(config: Config) -> dict:
    graph_path = config.frozen_dir / "model.pb"
    info_path = config.frozen_dir / "model-info.json"
    return {
        "doc": "frozen graph -> TensorFlow.js graph model and weight shards (artifacts/tfjs)",
        "file_dep": [str(graph_path), str(info_path)],
        "targets": [str(config.tfjs_dir / "model.json")],
        "actions": [(reported(convert), [config, graph_path, info_path, config.tfjs_dir])],
        "uptodate": [
            config_changed(
                {
                    **settings_of(config, "quantization", "shard_size_bytes"),
                    "code": code_digest(sys.modules[__name__], compact),
                }
            )
        ],
        "clean": [(shutil.rmtree, [config.tfjs_dir, True])],
    }
