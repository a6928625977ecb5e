"""Every network the settings can name is built with its own preprocessing, freezes to what
Keras computes, and runs in TF.js as in TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest
from support import config_for, run_tfjs

from pipeline import checkpoints, convert, freeze
from pipeline.network import ARCHITECTURES, build_classifier

SIZE = 32  # the smallest input every one of them takes
LABELS = ["zero", "one", "two"]


@pytest.mark.parametrize("architecture", sorted(ARCHITECTURES))
def test_a_named_network_goes_from_checkpoint_to_tfjs(project, tmp_path, architecture):
    import keras

    alpha = 0.5 if ARCHITECTURES[architecture].takes_alpha else 1.0
    keras.utils.set_random_seed(4)
    model = build_classifier(architecture, alpha, SIZE, len(LABELS))
    checkpoints.save(tmp_path / "checkpoints", model, 1, LABELS)
    config = config_for(tmp_path / "checkpoints", tmp_path / "artifacts",
                        architecture=architecture, alpha=alpha, input_size=SIZE)  # fmt: skip
    graph, info = config.frozen_dir / "model.pb", config.frozen_dir / "model-info.json"
    freeze.freeze(config, graph, info)  # stops unless the graph gives Keras's logits
    convert.convert(config, graph, info, config.tfjs_dir)

    # images unlike each other, so that the answers differ between them
    pixels = np.random.default_rng(5).uniform(0, 255, (6, SIZE, SIZE, 3)).astype("float32")
    pixels[:3] = pixels[:3].mean(axis=(1, 2), keepdims=True)
    keras_logits = model(pixels, training=False).numpy()
    frozen = freeze.run_graph(freeze.load_graph_def(graph), pixels)["logits"]
    tfjs = np.array(run_tfjs(project, pixels, config.tfjs_dir)["logits"])
    scale = max(1.0, float(np.abs(keras_logits).max()))
    assert np.abs(frozen - keras_logits).max() <= 1e-4 * scale
    assert np.abs(tfjs - frozen).max() <= 1e-4 * scale
    assert (tfjs.argmax(axis=1) == keras_logits.argmax(axis=1)).all()
