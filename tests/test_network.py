"""Every network the settings can name, or a plugin of the user's own, is built with its own
preprocessing, freezes to what Keras computes, and runs in TF.js as in TensorFlow."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image
from support import (
    INPUT_SIZE,
    ROOT,
    changed_settings,
    config_for,
    labels_when_done,
    ready_page,
    run_tfjs,
    scatter_moving_statistics,
    serving,
    set_setting,
)

from pipeline import checkpoints, convert, freeze
from pipeline import config as settings
from pipeline.network import ARCHITECTURES, NetworkError, build_classifier

SIZE = 32  # the smallest input every one of them takes
LABELS = ["zero", "one", "two"]

PLUGIN = '''
import keras


def tiny(input_shape, num_classes, width):
    pixels = keras.Input(input_shape)
    scaled = keras.layers.Rescaling(1 / 255)(pixels)
    features = keras.layers.Conv2D(width, 3, strides=2, activation="relu", name="conv")(scaled)
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    return keras.Model(pixels, keras.layers.Dense(num_classes, name="logits")(pooled))


def one_class_too_many(input_shape, num_classes, width):
    return tiny(input_shape, num_classes + 1, width)
'''


def from_checkpoint_to_tfjs(project, tmp_path, architecture, alpha=1.0, options=()):
    """A random checkpoint of the network, frozen and converted; Keras's, the frozen
    graph's and TF.js's logits on six images unlike each other."""
    import keras

    keras.utils.set_random_seed(4)
    model = build_classifier(architecture, alpha, (SIZE, SIZE, 3), len(LABELS), options)
    checkpoints.save(tmp_path / "checkpoints", model, 1, LABELS)
    config = config_for(tmp_path / "checkpoints", tmp_path / "artifacts", input_height=SIZE,
                        input_width=SIZE,                         architecture=architecture, alpha=alpha, network_options=options)  # fmt: skip
    graph, info = config.frozen_dir / "model.pb", config.frozen_dir / "model-info.json"
    freeze.freeze(config, graph, info)  # stops unless the graph gives Keras's logits
    convert.convert(config, graph, info, config.tfjs_dir)

    pixels = np.random.default_rng(5).uniform(0, 255, (6, SIZE, SIZE, 3)).astype("float32")
    pixels[:3] = pixels[:3].mean(axis=(1, 2), keepdims=True)
    keras_logits = model(pixels, training=False).numpy()
    frozen = freeze.run_graph(freeze.load_graph_def(graph), pixels)["logits"]
    tfjs = np.array(run_tfjs(project, pixels, config.tfjs_dir)["logits"])
    return model, keras_logits, frozen, tfjs


def assert_same_answers(keras_logits, frozen, tfjs):
    scale = max(1.0, float(np.abs(keras_logits).max()))
    assert np.abs(frozen - keras_logits).max() <= 1e-4 * scale
    assert np.abs(tfjs - frozen).max() <= 1e-4 * scale
    assert (tfjs.argmax(axis=1) == keras_logits.argmax(axis=1)).all()


@pytest.mark.parametrize("architecture", sorted(ARCHITECTURES))
def test_a_named_network_goes_from_checkpoint_to_tfjs(project, tmp_path, architecture):
    alpha = 0.5 if ARCHITECTURES[architecture].takes_alpha else 1.0
    _, *answers = from_checkpoint_to_tfjs(project, tmp_path, architecture, alpha)
    assert_same_answers(*answers)


def test_the_page_reads_images_as_keras_does_with_another_network(
    built_project, browser, tmp_path
):
    """EfficientNetB0 from a checkpoint through the whole build to the page in Chromium: the
    top 3 the page shows for each image, with their percentages, are Keras's. (A random
    network answers alike for every image; the TF.js tests above compare images.)"""
    import keras

    project, _ = built_project
    labels = ["cat", "dog", "bird", "fish"]
    keras.utils.set_random_seed(6)
    model = build_classifier("efficientnet_b0", 1.0, (INPUT_SIZE, INPUT_SIZE, 3), len(labels))
    rng = np.random.default_rng(6)
    scatter_moving_statistics(model, rng)
    checkpoints.save(project.root / "efficientnet", model, 1, labels)
    # images at the input size, so that the page does not resample them
    images = rng.integers(0, 256, (4, INPUT_SIZE, INPUT_SIZE, 3)).astype(np.uint8)
    paths = []
    for index, image in enumerate(images):
        paths.append(tmp_path / f"image-{index}.png")
        Image.fromarray(image).save(paths[-1])
    probabilities = keras.ops.softmax(model(images.astype("float32"), training=False)).numpy()
    expected = [
        [f"{labels[k]} {100 * row[k]:.1f} %" for k in np.argsort(-row)[:3]] for row in probabilities
    ]
    try:
        with changed_settings(project, model_source='"efficientnet"',
                              architecture='"efficientnet_b0"', alpha="1"):  # fmt: skip
            project.doit()
            with serving(project) as url:
                page = ready_page(browser, url)
                page.set_input_files("input[name=images]", [str(path) for path in paths])
                labels_when_done(page, len(paths))
                shown = page.eval_on_selector_all(
                    "#results > li", "items => items.map(i => [...i.querySelectorAll('ol li')]"
                    ".map(e => e.textContent))",
                )  # fmt: skip
                page.close()
        assert shown == expected
    finally:
        shutil.rmtree(project.root / "efficientnet")


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    (tmp_path / "my_networks.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))


def test_a_plugin_network_gets_its_settings_and_goes_to_tfjs(project, tmp_path, plugin):
    model, *answers = from_checkpoint_to_tfjs(
        project, tmp_path, "my_networks:tiny", options=(("width", 6),)
    )
    assert model.get_layer("conv").filters == 6
    assert_same_answers(*answers)


def test_a_plugin_that_builds_another_network_is_refused_by_name(plugin):
    with pytest.raises(NetworkError, match=r"'my_networks:one_class_too_many' should return a"
                       r" Keras model from pixels \(None, 32, 32, 3\) to logits \(None, 3\)"):  # fmt: skip
        build_classifier("my_networks:one_class_too_many", 1.0, (SIZE, SIZE, 3), 3, {"width": 4})
    with pytest.raises(NetworkError, match=r"'my_networks:tiny': .*width"):
        build_classifier("my_networks:tiny", 1.0, (SIZE, SIZE, 3), 3)  # its setting is missing
    with pytest.raises(NetworkError, match=r"'no_such_module:build': cannot load it"):
        build_classifier("no_such_module:build", 1.0, (SIZE, SIZE, 3), 3)


def test_the_settings_name_a_plugin_and_give_it_its_own_table(tmp_path):
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    project = SimpleNamespace(root=tmp_path)
    set_setting(project, "architecture", '"my_networks:tiny"')
    set_setting(project, "alpha", "1")
    with (tmp_path / "pyproject.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[tool.modelsite.network]\nwidth = 6\nname = "small"\n')
    config = settings.load(tmp_path)
    assert config.architecture == "my_networks:tiny"
    assert dict(config.network_options) == {"width": 6, "name": "small"}
