"""A model of one's own, end to end: scikit-learn's 8x8 handwritten digits, a plugin network
of the user's (grey, 8 rows by 10 columns), trained here and saved the three ways the build
takes (a checkpoint, a .keras file, a SavedModel), each built into a site whose generic page
reads held-out digits in Chromium as Keras does."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image
from support import changed_settings, labels_when_done, ready_page, serving

from pipeline import checkpoints

PLUGIN = '''
import keras


def network(input_shape, num_classes, hidden):
    pixels = keras.Input(input_shape, name="pixels")
    scaled = keras.layers.Rescaling(1 / 255)(pixels)
    features = keras.layers.Conv2D(hidden, 3, padding="same", activation="relu")(scaled)
    features = keras.layers.MaxPooling2D()(features)
    flat = keras.layers.Flatten()(features)
    return keras.Model(pixels, keras.layers.Dense(num_classes, name="logits")(flat))
'''
HEIGHT, WIDTH = 8, 10  # the 8x8 digits with a blank column each side
LABELS = [str(digit) for digit in range(10)]
HELD_OUT = 400  # the last digits of the set, never trained on
PAGE_DIGITS = 200


@pytest.fixture(scope="module")
def digits(built_project, tmp_path_factory):
    """The project copy with the plugin beside dodo.py, the trained model saved three ways,
    and held-out digit images with Keras's answers."""
    import keras
    from sklearn.datasets import load_digits

    project, _ = built_project
    (project.root / "digit_networks.py").write_text(PLUGIN, encoding="utf-8")
    data = load_digits()
    grey = np.rint(data.images * 255 / 16).astype(np.uint8)  # 0-16 -> 0-255
    images = np.pad(grey, ((0, 0), (0, 0), (1, 1)))[..., None]
    assert images.shape[1:] == (HEIGHT, WIDTH, 1)
    train_x, train_y = images[:-HELD_OUT], data.target[:-HELD_OUT]
    held_x = images[-HELD_OUT:]

    import importlib.util

    spec = importlib.util.spec_from_file_location("digit_networks", project.root / "digit_networks.py")
    plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    keras.utils.set_random_seed(3)
    model = plugin.network(input_shape=(HEIGHT, WIDTH, 1), num_classes=10, hidden=16)
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(train_x.astype("float32"), train_y, epochs=15, batch_size=32, verbose=0)

    saved = project.root / "digits"
    checkpoints.save(saved / "checkpoints", model, 15, LABELS)
    (saved / "keras").mkdir()
    model.save(saved / "keras" / "digits.keras")
    model.export(saved / "saved_model", verbose=False)
    for directory in (saved / "keras", saved / "saved_model"):
        (directory / "labels.txt").write_text("".join(f"{label}\n" for label in LABELS))

    chosen = held_x[:PAGE_DIGITS]
    logits = model(chosen.astype("float32"), training=False).numpy()
    folder = tmp_path_factory.mktemp("digits")
    paths = []
    for index, image in enumerate(chosen):
        paths.append(folder / f"digit-{index:03}.png")
        Image.fromarray(image[..., 0], mode="L").save(paths[-1])
    accuracy = float(np.mean(np.argmax(model(held_x.astype("float32")), 1) == data.target[-HELD_OUT:]))
    yield project, saved, paths, [LABELS[k] for k in np.argmax(logits, axis=1)], accuracy
    shutil.rmtree(saved)
    (project.root / "digit_networks.py").unlink()
    project.doit()


SOURCES = {"checkpoint": "checkpoints", "keras": "keras/digits.keras", "saved_model": "saved_model"}


@pytest.mark.parametrize("kind", SOURCES)
def test_a_digit_classifier_of_ones_own_reads_on_the_generic_page_as_keras_does(
    digits, browser, kind
):
    project, saved, paths, expected, accuracy = digits
    assert accuracy > 0.9, f"the digit model learnt too little to compare with ({accuracy:.1%})"
    source = (saved / SOURCES[kind]).relative_to(project.root).as_posix()
    settings = {
        "model_source": f'"{source}"',
        "architecture": '"digit_networks:network"',
        "alpha": None,
        "input_size": None,
        "input_height": str(HEIGHT),
        "input_width": str(WIDTH),
        "channels": "1",
        "half_turn": "[]",
        "network": "{ hidden = 16 }",
    }
    with changed_settings(project, **settings):
        run = project.doit()
        assert "freeze" in run.executed and "site" in run.executed
        with serving(project) as url:
            page = ready_page(browser, url)
            assert page.is_hidden("#app")
            assert page.locator("#board-section").count() == 0
            page.set_input_files("input[name=images]", [str(path) for path in paths])
            on_page = labels_when_done(page, len(paths))
            page.close()
    agreement = np.mean([a == b for a, b in zip(on_page, expected, strict=True)])
    assert agreement >= 0.99, f"{kind}: the page agrees with Keras on {agreement:.1%}"
