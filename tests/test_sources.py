"""The three kinds of model source: a checkpoint directory, a .keras file, a SavedModel
directory. Each is frozen with the same checks; the last two bring their own network and
input shape (here grey and not square)."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest
from support import MODEL_TASKS, changed_settings, config_for, scatter_moving_statistics

from pipeline import checkpoints, freeze, sources
from pipeline.errors import BuildError

LABELS = ["circle", "square", "triangle"]
SHAPE = (12, 20, 1)  # rows, columns, grey


def small_model(seed: int = 0):
    """A grey, wide-input network with BatchNorm whose moving statistics are far from their
    start, so that a graph frozen in training mode would give other logits."""
    import keras

    keras.utils.set_random_seed(seed)
    pixels = keras.Input(SHAPE, name="pixels")
    scaled = keras.layers.Rescaling(1 / 255)(pixels)
    features = keras.layers.Conv2D(6, 3, activation="relu")(scaled)
    features = keras.layers.BatchNormalization()(features)
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    model = keras.Model(pixels, keras.layers.Dense(len(LABELS), name="logits")(pooled))
    scatter_moving_statistics(model, np.random.default_rng(seed))
    return model


def write_labels(directory, labels=LABELS):
    (directory / "labels.txt").write_text("".join(f"{label}\n" for label in labels), "utf-8")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """One model saved the three ways, and its logits on images it never saw."""
    base = tmp_path_factory.mktemp("sources")
    model = small_model()
    checkpoints.save(base / "checkpoints", model, 7, LABELS)
    (base / "keras").mkdir()
    model.save(base / "keras" / "shapes.keras")
    write_labels(base / "keras")
    model.export(base / "saved_model", verbose=False)
    write_labels(base / "saved_model")
    images = np.random.default_rng(1).uniform(0, 255, (5, *SHAPE)).astype(np.float32)
    return base, images, model(images, training=False).numpy(), model


def test_the_kind_is_told_by_what_is_there(saved, tmp_path):
    base, *_ = saved
    assert sources.kind_of(base / "checkpoints") == sources.CHECKPOINTS
    assert sources.kind_of(base / "keras" / "shapes.keras") == sources.KERAS
    assert sources.kind_of(base / "saved_model") == sources.SAVED_MODEL
    assert sources.kind_of(tmp_path) == sources.CHECKPOINTS  # nothing saved yet
    assert sources.labels_path(base / "keras" / "shapes.keras") == base / "keras" / "labels.txt"
    # `doit serve` watches the file and what goes with it, not the folder it sits in
    watched = sources.watched(base / "keras" / "shapes.keras")
    assert base / "keras" not in watched
    assert {base / "keras" / "shapes.keras", base / "keras" / "labels.txt"} <= set(watched)
    assert sources.watched(base / "saved_model") == [base / "saved_model"]


@pytest.mark.parametrize("source", ["keras/shapes.keras", "saved_model"])
def test_a_keras_file_or_saved_model_freezes_with_its_own_network_and_input(
    saved, tmp_path, source
):
    base, images, expected, _ = saved
    # the settings' network and input are a checkpoint's: these sources carry their own
    config = config_for(base / source, tmp_path / "artifacts")
    graph_path, info_path = tmp_path / "model.pb", tmp_path / "model-info.json"
    freeze.freeze(config, graph_path, info_path)
    info = json.loads(info_path.read_text("utf-8"))
    assert info["input_shape"] == list(SHAPE)
    assert info["labels"] == LABELS
    assert info["checkpoint_step"] is None
    assert info["source_kind"] == sources.kind_of(base / source)
    outputs = freeze.run_graph(freeze.load_graph_def(graph_path), images)
    assert np.max(np.abs(outputs["logits"] - expected)) <= freeze.PARITY_TOLERANCE


def test_a_checkpoint_of_a_plugin_network_with_a_grey_wide_input_freezes_alike(
    saved, tmp_path, monkeypatch
):
    base, images, expected, _ = saved
    module = tmp_path / "shape_networks.py"
    module.write_text(
        "from test_sources import small_model\n\n\n"
        "def network(input_shape, num_classes):\n"
        "    assert tuple(input_shape) == (12, 20, 1) and num_classes == 3\n"
        "    return small_model()\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    config = config_for(base / "checkpoints", tmp_path / "artifacts",
                        architecture="shape_networks:network", alpha=1.0,
                        input_height=SHAPE[0], input_width=SHAPE[1], channels=1)  # fmt: skip
    graph_path, info_path = tmp_path / "model.pb", tmp_path / "model-info.json"
    freeze.freeze(config, graph_path, info_path)
    outputs = freeze.run_graph(freeze.load_graph_def(graph_path), images)
    assert np.max(np.abs(outputs["logits"] - expected)) <= freeze.PARITY_TOLERANCE
    info = json.loads(info_path.read_text("utf-8"))
    assert (info["checkpoint_step"], info["source_kind"]) == (7, sources.CHECKPOINTS)


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


BAD = {
    "a .keras file that is missing": (
        lambda base: (base / "keras" / "shapes.keras").unlink(),
        "keras/shapes.keras", r"shapes\.keras: missing",
    ),
    "a truncated .keras file": (
        lambda base: truncate(base / "keras" / "shapes.keras"),
        "keras/shapes.keras", r"shapes\.keras: not a Keras model this Keras can load",
    ),
    "labels that do not fit the .keras model": (
        lambda base: write_labels(base / "keras", ["one", "two"]),
        "keras/shapes.keras",
        r"shapes\.keras: gives 3 scores an image, but .*keras/labels\.txt lists 2 labels",
    ),
    "a SavedModel without labels": (
        lambda base: (base / "saved_model" / "labels.txt").unlink(),
        "saved_model", r"saved_model/labels\.txt: missing",
    ),
    "a SavedModel with damaged weights": (
        lambda base: truncate(next((base / "saved_model" / "variables").glob("*.data-*"))),
        "saved_model", r"saved_model(/variables/variables)?: damaged",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD)
def test_a_bad_model_source_is_reported_by_name(saved, tmp_path, case):
    damage, source, message = BAD[case]
    base = tmp_path / "copy"
    shutil.copytree(saved[0], base)
    damage(base)
    config = config_for(base / source, tmp_path / "artifacts")
    with pytest.raises(BuildError) as raised:
        freeze.freeze(config, tmp_path / "model.pb", tmp_path / "model-info.json")
    assert re.search(message, str(raised.value)), str(raised.value)
    assert str(tmp_path / "model-") not in str(raised.value)  # the user's path, not the copy's
    assert not (tmp_path / "model.pb").exists()


SAVE = {
    "keras/shapes.keras": lambda model, path: model.save(path),
    "saved_model": lambda model, path: model.export(path, verbose=False),
}


@pytest.mark.parametrize("source", SAVE)
def test_a_model_saved_again_rebuilds_the_model_stages_only(project, saved, source):
    """The same model saved again (new bytes: Keras stamps the time) gives the same frozen
    graph, so nothing after freeze runs; a retrained one reaches the site."""
    base, *_, model = saved
    target = project.root / "exported"
    shutil.copytree(base, target)
    save = SAVE[source]
    try:
        with changed_settings(project, model_source=f'"exported/{source}"'):
            assert sorted(project.doit().executed) == MODEL_TASKS
            assert project.doit().executed == []
            save(model, target / source)
            assert project.doit().executed == ["freeze"]
            save(small_model(seed=5), target / source)  # retrained
            assert sorted(project.doit().executed) == MODEL_TASKS
    finally:
        shutil.rmtree(target)
        project.doit()
