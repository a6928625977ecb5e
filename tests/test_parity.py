"""The converted TF.js model computes what the frozen graph computes."""

from __future__ import annotations

import json

import numpy as np
from support import (
    BATCH_SIZE,
    INPUT_SIZE,
    LABELS,
    run_tfjs,
    sample_pixels,
    sure_and_doubtful_squares,
)

from pipeline import convert, freeze


def test_tfjs_wasm_logits_match_tensorflow(project):
    pixels = sample_pixels(BATCH_SIZE, seed=21)
    expected = freeze.run_graph(freeze.load_graph_def(project.artifacts / "frozen" / "model.pb"), pixels)
    result = run_tfjs(project, pixels)
    assert result["backend"] == "wasm"
    assert np.max(np.abs(np.array(result["logits"]) - expected["logits"])) <= 1e-4


def test_tfjs_model_returns_the_labels_intact(project):
    result = run_tfjs(project, sample_pixels(1, seed=22))
    assert result["labels"] == LABELS


def test_model_metadata_names_the_checkpoint(project):
    model = json.loads((project.artifacts / "tfjs" / "model.json").read_text(encoding="utf-8"))
    metadata = model["userDefinedMetadata"]["classifier"]
    info = json.loads((project.artifacts / "frozen" / "model-info.json").read_text(encoding="utf-8"))
    assert metadata["labels"] == LABELS
    assert metadata["input_shape"] == [INPUT_SIZE, INPUT_SIZE, 3]
    assert metadata["checkpoint_step"] == info["checkpoint_step"]
    assert metadata["checkpoint_fingerprint"] == info["checkpoint_fingerprint"]
    assert metadata["quantization"] == "none"


def test_the_default_model_read_both_ways_runs_in_tfjs_as_in_tensorflow(project, default_frozen):
    # which squares it reads turned too is decided as it runs: a dynamic shape in the graph
    frozen = default_frozen
    model_dir = frozen.config.tfjs_dir
    convert.convert(frozen.config, frozen.graph, frozen.info, model_dir)
    pixels = sure_and_doubtful_squares(frozen.labels, frozen.config.input_size)
    expected = freeze.run_graph(freeze.load_graph_def(frozen.graph), pixels)
    result = run_tfjs(project, pixels, model_dir)
    assert np.max(np.abs(np.array(result["logits"]) - expected["logits"])) <= 1e-4
    assert result["labels"] == frozen.labels
