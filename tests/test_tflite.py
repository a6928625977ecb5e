"""`tflite` writes one TFLite model per batch size the page runs, each computing what the
frozen graph computes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from support import (
    BATCH_SIZE,
    frozen_random_model,
    sample_pixels,
    sure_and_doubtful_squares,
)

from pipeline import freeze, tflite


@pytest.fixture(scope="module")
def frozen(tmp_path_factory):
    return frozen_random_model(tmp_path_factory.mktemp("tflite"), seed=11, step=3)


def converted(config, output_dir, **changes) -> dict[int, bytes]:
    config = dataclasses.replace(config, **changes)
    frozen = config.frozen_dir
    tflite.convert(config, frozen / "model.pb", frozen / "model-info.json", output_dir)
    return {int(path.stem.removeprefix("batch-")): path.read_bytes()
            for path in sorted(output_dir.iterdir())}  # fmt: skip


def frozen_probabilities(config, pixels):
    graph = freeze.load_graph_def(config.frozen_dir / "model.pb")
    return freeze.run_graph(graph, pixels)["probabilities"]


def test_the_full_batch_and_a_lone_image_each_get_a_model(frozen, tmp_path):
    models = converted(frozen, tmp_path / "tflite")
    assert sorted(models) == [1, BATCH_SIZE]
    pixels = sample_pixels(BATCH_SIZE, seed=31)
    expected = frozen_probabilities(frozen, pixels)
    for threads in (1, 2):
        full = tflite.runner(models[BATCH_SIZE], threads)(pixels)
        assert np.max(np.abs(full - expected)) <= 1e-4
        lone = tflite.runner(models[1], threads)(pixels[:1])
        assert np.max(np.abs(lone - expected[:1])) <= 1e-4


def test_the_default_model_read_both_ways_runs_in_tflite_as_in_tensorflow(default_frozen, tmp_path):
    # which squares it reads turned too is decided as it runs: a dynamic shape in the graph
    pixels = sure_and_doubtful_squares(default_frozen.labels, default_frozen.config.input_size)
    models = converted(default_frozen.config, tmp_path / "tflite", batch_size=len(pixels))
    expected = frozen_probabilities(default_frozen.config, pixels)
    assert np.max(np.abs(tflite.runner(models[len(pixels)])(pixels) - expected)) <= 1e-4
    doubtful = pixels[-1:]  # two pieces over each other: read both ways
    assert np.max(np.abs(tflite.runner(models[1])(doubtful) - expected[-1:])) <= 1e-4


# The graph itself does not shrink, and TFLite leaves tensors of fewer than 1024 weights in
# float32 (biases, this small network's first layers): 8-bit weights shrink it less than 4x.
@pytest.mark.parametrize(("quantization", "ratio"), [("float16", 1.9), ("uint8", 2.5)])
def test_quantized_weights_shrink_the_models(frozen, tmp_path, quantization, ratio):
    plain = converted(frozen, tmp_path / "plain")
    quantized = converted(frozen, tmp_path / quantization, quantization=quantization)
    for batch, model in quantized.items():
        assert len(model) < len(plain[batch]) / ratio


def test_a_model_that_strays_from_the_frozen_graph_is_refused_and_the_last_one_kept(
    frozen, tmp_path, monkeypatch
):
    output = tmp_path / "tflite"
    before = converted(frozen, output)
    monkeypatch.setitem(tflite.TOLERANCES, "float16", 0.0)  # no weights survive float16 exactly
    with pytest.raises(tflite.TfliteError) as caught:
        converted(frozen, output, quantization="float16")
    message = str(caught.value)
    assert str(frozen.frozen_dir / "model.pb") in message
    assert f"batch {BATCH_SIZE}" in message and "float16" in message
    assert {int(path.stem.removeprefix("batch-")): path.read_bytes()
            for path in sorted(output.iterdir())} == before  # fmt: skip
    assert not list(tmp_path.glob(".tflite.new-*"))
