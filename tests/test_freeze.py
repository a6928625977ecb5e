"""The frozen graph computes what the restored model computes in inference mode."""

from __future__ import annotations

import json

import numpy as np
import pytest
from support import (
    LABELS,
    config_for,
    sample_pixels,
    save_random_checkpoint,
    sure_and_doubtful_squares,
)

from pipeline import checkpoints, freeze, half_turn, network
from pipeline.network import build_classifier


@pytest.fixture(scope="module")
def frozen(tmp_path_factory):
    """A checkpoint and what `freeze` made of it."""
    base = tmp_path_factory.mktemp("freeze")
    save_random_checkpoint(base / "checkpoints", seed=3, step=30)
    config = config_for(base / "checkpoints", base / "artifacts")
    graph_path, info_path = base / "model.pb", base / "model-info.json"
    freeze.freeze(config, graph_path, info_path)
    return config, graph_path, info_path


def restored_model(config, labels=LABELS):
    model = build_classifier(config.architecture, config.alpha, config.input_shape, len(labels))
    checkpoints.restore(checkpoints.latest_prefix(config.model_source), model)
    return model


def test_frozen_logits_match_the_restored_model_in_inference_mode(frozen):
    config, graph_path, _ = frozen
    pixels = sample_pixels(5, seed=11)
    outputs = freeze.run_graph(freeze.load_graph_def(graph_path), pixels)
    expected = restored_model(config)(pixels, training=False).numpy()
    assert np.max(np.abs(outputs["logits"] - expected)) <= 1e-4


def test_frozen_graph_uses_moving_statistics_not_batch_statistics(frozen):
    config, graph_path, _ = frozen
    pixels = sample_pixels(5, seed=12)
    outputs = freeze.run_graph(freeze.load_graph_def(graph_path), pixels)
    training_mode = restored_model(config)(pixels, training=True).numpy()
    assert np.max(np.abs(outputs["logits"] - training_mode)) > 1e-2


def test_probabilities_are_the_softmax_of_the_logits(frozen):
    _, graph_path, _ = frozen
    outputs = freeze.run_graph(freeze.load_graph_def(graph_path), sample_pixels(3))
    logits = outputs["logits"].astype(np.float64)
    softmax = np.exp(logits - logits.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    assert np.allclose(outputs["probabilities"], softmax, atol=1e-6)


def test_any_batch_size_is_accepted(frozen):
    _, graph_path, _ = frozen
    graph = freeze.load_graph_def(graph_path)
    for count in (1, 7):
        assert freeze.run_graph(graph, sample_pixels(count))["logits"].shape == (count, len(LABELS))


def test_labels_survive_as_utf8_strings(frozen):
    _, graph_path, info_path = frozen
    outputs = freeze.run_graph(freeze.load_graph_def(graph_path), sample_pixels(1))
    assert [label.decode("utf-8") for label in outputs["labels"]] == LABELS
    info = json.loads(info_path.read_text(encoding="utf-8"))
    assert info["labels"] == LABELS
    assert info["checkpoint_step"] == 30
    assert info["input_shape"] == [64, 64, 3]


def test_the_same_checkpoint_freezes_to_the_same_bytes(frozen, tmp_path):
    config, graph_path, info_path = frozen
    freeze.freeze(config, tmp_path / "again.pb", tmp_path / "again.json")
    assert (tmp_path / "again.pb").read_bytes() == graph_path.read_bytes()
    assert (tmp_path / "again.json").read_bytes() == info_path.read_bytes()


def test_new_weights_change_the_fingerprint(frozen, tmp_path):
    _, _, info_path = frozen
    save_random_checkpoint(tmp_path / "checkpoints", seed=4, step=30)
    other = config_for(tmp_path / "checkpoints", tmp_path / "artifacts")
    freeze.freeze(other, tmp_path / "model.pb", tmp_path / "model-info.json")
    first = json.loads(info_path.read_text(encoding="utf-8"))["checkpoint_fingerprint"]
    second = json.loads((tmp_path / "model-info.json").read_text(encoding="utf-8"))
    assert second["checkpoint_fingerprint"] != first


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "checkpoint").unlink(), "checkpoint: no checkpoint index file"),
        (lambda d: (d / "labels.txt").write_text(""), "labels.txt: empty"),
        (lambda d: (d / "labels.txt").write_text("a\nb\na\nc\n"), "duplicate label 'a'"),
        (lambda d: (d / "labels.txt").write_text("a\nb\nc\n"), "does not fit the configured"),
        (
            lambda d: [path.unlink() for path in d.glob("ckpt-*.index")],
            "whose .index file is missing",
        ),
    ],
    ids=["no index file", "empty labels", "duplicate labels", "label count", "missing files"],
)
def test_a_broken_checkpoint_directory_is_reported_by_name(tmp_path, damage, message):
    save_random_checkpoint(tmp_path / "checkpoints", seed=5, step=1)
    damage(tmp_path / "checkpoints")
    config = config_for(tmp_path / "checkpoints", tmp_path / "artifacts")
    with pytest.raises(checkpoints.CheckpointError, match=message) as error:
        freeze.freeze(config, tmp_path / "model.pb", tmp_path / "info.json")
    assert str(tmp_path / "checkpoints") in str(error.value)
    assert not (tmp_path / "model.pb").exists()


def test_a_checkpoint_of_another_width_is_refused(tmp_path):
    save_random_checkpoint(tmp_path / "checkpoints", seed=6, step=1)
    config = config_for(tmp_path / "checkpoints", tmp_path / "artifacts", alpha=0.5)
    with pytest.raises(checkpoints.CheckpointError, match="does not fit the configured network"):
        freeze.freeze(config, tmp_path / "model.pb", tmp_path / "info.json")
    assert not (tmp_path / "model.pb").exists()


def test_the_default_model_reads_turned_too_only_the_squares_it_is_unsure_of(default_frozen):
    """The shipped checkpoint, frozen as configured (read both ways): a square it reads
    upright with at least SURE_UPRIGHT confidence keeps that reading; one it doubts gets the
    mean of its upright reading and its turned one, sides swapped back."""
    config, labels = default_frozen.config, default_frozen.labels
    pixels = sure_and_doubtful_squares(labels, config.input_size)
    model = restored_model(config, labels)
    upright = model(pixels, training=False).numpy()
    turned = model(pixels[:, ::-1, ::-1].copy(), training=False).numpy()
    mean = (upright + turned[:, half_turn.turned_classes(labels, config.half_turn)]) / 2
    sureness = network.softmax(upright).max(axis=1)
    sure = sureness >= half_turn.SURE_UPRIGHT
    sure[np.argmin(sureness)] = False  # the least sure square is read both ways regardless
    assert 5 <= sure.sum() <= 35, "the premise: both sure and doubtful squares"

    logits = freeze.run_graph(freeze.load_graph_def(default_frozen.graph), pixels)["logits"]
    assert np.max(np.abs(logits[sure] - upright[sure])) <= 1e-4
    assert np.max(np.abs(logits[~sure] - mean[~sure])) <= 1e-4
    assert np.max(np.abs(mean[~sure] - upright[~sure])) > 1e-2  # the turned reading counted
    assert json.loads(default_frozen.info.read_text(encoding="utf-8"))["read_half_turned"]


def test_classes_without_their_turned_counterpart_are_read_upright_only(tmp_path):
    labels = ["BLANK", "B_FU", "W_FU", "B_KI"]  # no W_KI to turn B_KI into
    save_random_checkpoint(tmp_path / "checkpoints", seed=8, step=1, labels=labels)
    config = config_for(tmp_path / "checkpoints", tmp_path / "artifacts", half_turn=("B_", "W_"))
    freeze.freeze(config, tmp_path / "model.pb", tmp_path / "info.json")
    pixels = sample_pixels(3, seed=15)
    logits = freeze.run_graph(freeze.load_graph_def(tmp_path / "model.pb"), pixels)["logits"]
    expected = restored_model(config, labels)(pixels, training=False).numpy()
    assert np.max(np.abs(logits - expected)) <= 1e-4
    assert json.loads((tmp_path / "info.json").read_text(encoding="utf-8"))["read_half_turned"] is False
