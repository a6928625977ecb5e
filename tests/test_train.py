import json
import shutil
from pathlib import Path

import pytest
from support import MODEL_TASKS, assert_no_chatter, step_of

from pipeline import checkpoints, half_turn
from pipeline import config as settings
from pipeline.errors import BuildError
from pipeline.shogi import data as shogi_data
from pipeline.shogi import evaluation, font_pieces, train

ROOT = Path(__file__).resolve().parents[1]


def test_quick_training_writes_a_checkpoint_its_labels_and_metrics(quick_trained):
    checkpoint_dir = quick_trained.checkpoint_dir
    prefix = checkpoints.latest_prefix(checkpoint_dir)
    assert checkpoints.read_labels(checkpoint_dir / "labels.txt") == list(shogi_data.LABELS)
    assert (checkpoint_dir / "confusion.png").read_bytes().startswith(b"\x89PNG")
    assert all(path.is_file() for path in checkpoints.files_of(prefix))
    assert "training" in quick_trained.training.output  # the progress bar


def test_a_quick_doit_train_rebuilds_the_model_stages_only(quick_trained):
    assert quick_trained.training.executed == ["train"]
    assert_no_chatter(quick_trained.training.output)
    assert sorted(quick_trained.rebuild.executed) == MODEL_TASKS
    assert "held out style" in quick_trained.card and "W_RY" in quick_trained.card
    # each held-out design's row on whole boards
    assert "Piece designs it never trained on" in quick_trained.card
    for name in train.HELD_OUT_STYLES.split(","):
        assert f"<th>{evaluation.design_of(name)}</th>" in quick_trained.card, name
    assert quick_trained.confusion_pngs >= 1


def test_the_index_file_is_written_last(quick_trained):
    index = quick_trained.checkpoint_dir / checkpoints.INDEX_NAME
    others = [path for path in quick_trained.checkpoint_dir.iterdir() if path != index]
    assert max(path.stat().st_mtime_ns for path in others) <= index.stat().st_mtime_ns


def test_metrics_describe_the_run_and_both_evaluations(quick_trained):
    checkpoint_dir = quick_trained.checkpoint_dir
    metrics = json.loads((checkpoint_dir / "metrics.json").read_text(encoding="utf-8"))
    labels = list(shogi_data.LABELS)
    prefix = checkpoints.latest_prefix(checkpoint_dir)

    assert metrics["command"] == "doit train --quick"
    assert metrics["labels"] == labels
    assert prefix.name == f"ckpt-{metrics['step']}"
    assert metrics["alpha"] == settings.load(quick_trained.project.root).alpha
    assert 400_000 < metrics["parameters"] < 500_000  # MobileNetV2 at alpha 0.35, 29 classes
    assert metrics["read_half_turned"] is True  # figures read as the frozen graph reads
    held_out = train.HELD_OUT_STYLES.split(",")
    assert metrics["data"]["held_out_styles"] == held_out
    assert not set(held_out) & set(metrics["data"]["training_styles"])
    assert set(font_pieces.STYLES) <= set(metrics["data"]["training_styles"])
    for name in ("held_out_style", "same_styles"):
        evaluation = metrics["evaluations"][name]
        assert list(evaluation["per_class"]) == labels
        assert len(evaluation["confusion"]) == len(labels)
        assert sum(map(sum, evaluation["confusion"])) == evaluation["squares"]
        assert 0 <= evaluation["accuracy"] <= 1


def test_metrics_report_each_held_out_design_on_whole_boards(quick_trained):
    checkpoint_dir = quick_trained.checkpoint_dir
    metrics = json.loads((checkpoint_dir / "metrics.json").read_text(encoding="utf-8"))
    on_boards = metrics["held_out_boards"]
    designs = {evaluation.design_of(name) for name in train.HELD_OUT_STYLES.split(",")}
    assert set(on_boards["designs"]) == designs
    categories = shogi_data.categories(train.PIECE_DIRS)
    # the group spans kanji, kanji with marks and international designs
    assert {categories.get(name, "kanji") for name in designs} == {"kanji", "kanji_marks", "symbol"}
    for figures in on_boards["designs"].values():
        assert figures["boards"] == train.QUICK.boards_per_design
        assert 0 <= figures["pieces_right"] <= 1 and 0 <= figures["exact_boards"] <= 1
    assert on_boards["summary"]["international"]["designs"] == ["international", "logy_games"]
    assert metrics["calibration"]["temperature"] > 0


def _restored(config, prefix):
    from pipeline.network import build_classifier

    model = build_classifier(
        config.architecture, config.alpha, config.input_shape, len(shogi_data.LABELS)
    )
    checkpoints.restore(prefix, model)
    return model


def test_the_checkpoint_is_the_configured_network_without_optimizer_state(quick_trained):
    import tensorflow as tf

    config = settings.load(quick_trained.project.root)
    prefix = checkpoints.latest_prefix(quick_trained.checkpoint_dir)
    _restored(config, prefix)  # every variable of the configured network is there
    names = tf.train.load_checkpoint(str(prefix)).get_variable_to_shape_map()
    assert not [name for name in names if "optimizer" in name]


def test_retraining_saves_under_a_new_name_and_the_index_moves_to_it(quick_trained):
    metrics = json.loads((quick_trained.checkpoint_dir / "metrics.json").read_text("utf-8"))
    after = checkpoints.latest_prefix(quick_trained.checkpoint_dir)
    assert after.name != quick_trained.before
    assert after.name == f"ckpt-{metrics['step']}"
    assert metrics["step"] == step_of(quick_trained.before) + metrics["training_steps"]


def test_training_can_go_on_from_another_directory_s_checkpoint(quick_trained, tmp_path):
    import numpy as np

    config = settings.load(ROOT)
    start = checkpoints.latest_prefix(quick_trained.checkpoint_dir)
    checkpoint_dir = tmp_path / "fine-tuned"
    # a learning rate too small to move a weight: what comes out is what went in
    metrics = train.train(
        config, quick=True, start_from=quick_trained.checkpoint_dir, learning_rate=1e-12,
        checkpoint_dir=checkpoint_dir, held_out="hitomoji_gothic",
    )  # fmt: skip

    assert metrics["started_from"] == {
        "checkpoint": str(start), "step": step_of(start.name),
        "fingerprint": checkpoints.fingerprint(start),
    }  # fmt: skip
    assert metrics["step"] == step_of(start.name) + metrics["training_steps"]
    assert metrics["learning_rate"] == 1e-12
    before = _restored(config, start)
    after = _restored(config, checkpoints.latest_prefix(checkpoint_dir))
    kernels = [
        (mine, theirs)
        for layer, other in zip(train._all_layers(before), train._all_layers(after))
        if "conv" in type(layer).__name__.lower()
        for mine, theirs in zip(layer.get_weights(), other.get_weights())
    ]
    assert len(kernels) > 50
    for mine, theirs in kernels:
        np.testing.assert_allclose(theirs, mine, atol=1e-6)


def test_fresh_training_says_it_started_from_fresh_weights(quick_trained):
    metrics = json.loads((quick_trained.checkpoint_dir / "metrics.json").read_text("utf-8"))
    assert metrics["started_from"] == {"checkpoint": None, "step": 0}


def test_going_on_from_a_directory_without_a_checkpoint_stops_before_anything_is_written(
    tmp_path,
):
    empty = tmp_path / "empty"
    empty.mkdir()
    message = _train_with(tmp_path, start_from=empty)
    assert message.startswith(f"{empty / 'checkpoint'}: no checkpoint index file")


def test_going_on_from_a_checkpoint_of_other_classes_stops_before_anything_is_written(
    quick_trained, tmp_path
):
    other = tmp_path / "other"
    shutil.copytree(quick_trained.checkpoint_dir, other)
    labels = other / "labels.txt"
    labels.write_text("".join(f"{label}\n" for label in reversed(shogi_data.LABELS)))
    message = _train_with(tmp_path, start_from=other)
    assert message == f"{labels}: other classes, or another order, than this run trains"


def test_batch_norm_statistics_are_averaged_over_batches_through_the_final_weights():
    import keras
    import numpy as np

    from pipeline.network import build_classifier

    model = build_classifier("mobilenet_v2", 0.35, (32, 32, 3), 3)
    backbone = next(layer for layer in model.layers if isinstance(layer, keras.Model))
    first = backbone.get_layer("bn_Conv1")
    first.moving_mean.assign(np.full(first.moving_mean.shape, 50.0, dtype="float32"))
    pixels = np.random.default_rng(0).integers(0, 256, (64, 32, 32, 3), dtype=np.uint8)

    train._recalibrate_batch_norm(model, pixels, 16, np.random.default_rng(1))

    # four equal batches: the average of their means is the mean over all of them
    conv = keras.Model(backbone.input, backbone.get_layer("Conv1").output)
    expected = conv(pixels.astype("float32") / 127.5 - 1).numpy().mean(axis=(0, 1, 2))
    np.testing.assert_allclose(first.moving_mean.numpy(), expected, atol=1e-4)


def test_training_sees_every_square_as_drawn_and_turned_half_round_and_relabelled():
    import numpy as np

    labels = ["BLANK", "B_FU", "W_FU", "B_KI"]  # B_KI has no turned counterpart here
    pixels = np.random.default_rng(0).integers(0, 256, (4, 8, 8, 3), dtype=np.uint8)
    classes = np.array([0, 1, 2, 3])

    x, y = train._both_ways(pixels, classes, half_turn.turned_classes(labels, ("B_", "W_")))

    assert np.array_equal(x[:4], pixels)
    assert y.tolist() == [0, 1, 2, 3, 0, 2, 1]
    for turned, drawn in zip(x[4:], pixels[:3]):
        assert np.array_equal(turned, np.rot90(drawn, 2))


def _train_with(tmp_path, **inputs):
    checkpoint_dir = tmp_path / "checkpoints"
    with pytest.raises(BuildError) as error:
        train.train(settings.load(ROOT), quick=True, checkpoint_dir=checkpoint_dir, **inputs)
    assert not checkpoint_dir.exists()  # nothing written
    return str(error.value)


def test_a_broken_piece_image_stops_training_before_anything_is_written(tmp_path):
    pieces_dir = tmp_path / "pieces"
    shutil.copytree(shogi_data.PIECES_DIR, pieces_dir)
    broken = pieces_dir / "hitomoji" / "black_pawn.png"
    broken.write_bytes(broken.read_bytes()[:200])
    assert _train_with(tmp_path, pieces_dirs=[pieces_dir]).startswith(f"{broken}: cannot read")


def test_a_missing_piece_image_stops_training_before_anything_is_written(tmp_path):
    pieces_dir = tmp_path / "pieces"
    shutil.copytree(shogi_data.PIECES_DIR, pieces_dir)
    missing = pieces_dir / "hitomoji_gothic" / "white_king2.png"
    missing.unlink()
    assert _train_with(tmp_path, pieces_dirs=[pieces_dir]).startswith(f"{missing}: missing")


def test_an_empty_labels_file_stops_training_before_anything_is_written(tmp_path):
    labels = tmp_path / "labels.txt"
    labels.write_text("")
    assert _train_with(tmp_path, labels_path=labels).startswith(f"{labels}: empty")


def test_an_unknown_label_stops_training_before_anything_is_written(tmp_path):
    labels = tmp_path / "labels.txt"
    labels.write_text("BLANK\nB_KING\n")
    message = _train_with(tmp_path, labels_path=labels)
    assert message.startswith(f"{labels}:2: unknown label 'B_KING'")


def test_an_unknown_held_out_style_stops_training_before_anything_is_written(tmp_path):
    message = _train_with(tmp_path, held_out="kanji_3d")
    assert "no style 'kanji_3d' to hold out" in message


def test_held_out_none_trains_on_every_style_and_reports_no_held_out_figures(tmp_path):
    import subprocess
    import sys

    from support import clean_environment

    checkpoint_dir = tmp_path / "checkpoints"
    completed = subprocess.run(
        [sys.executable, "-m", "pipeline.shogi.train", "--quick", "--held-out", "none",
         "--checkpoint-dir", str(checkpoint_dir)],
        cwd=ROOT, env=clean_environment(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "nothing held out" in completed.stderr
    metrics = json.loads((checkpoint_dir / "metrics.json").read_text(encoding="utf-8"))
    everything = shogi_data.load_piece_folders(train.PIECE_DIRS)
    assert metrics["data"]["held_out_styles"] == []
    assert metrics["data"]["training_styles"] == sorted(everything)
    assert list(metrics["evaluations"]) == ["same_styles"]
    assert "held_out_boards" not in metrics
    assert (checkpoint_dir / "confusion.png").read_bytes().startswith(b"\x89PNG")


def test_a_recipe_is_tried_on_the_development_group_with_the_test_group_set_aside(tmp_path):
    import subprocess
    import sys

    from support import clean_environment

    checkpoint_dir = tmp_path / "checkpoints"
    completed = subprocess.run(
        [sys.executable, "-m", "pipeline.shogi.train", "--quick", "--held-out", "development",
         "--set-aside", "test", "--per-class", "8", "--checkpoint-dir", str(checkpoint_dir)],
        cwd=ROOT, env=clean_environment(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    metrics = json.loads((checkpoint_dir / "metrics.json").read_text(encoding="utf-8"))
    development, test = train.DEVELOPMENT_STYLES.split(","), train.HELD_OUT_STYLES.split(",")
    assert metrics["data"]["held_out_styles"] == development
    assert metrics["data"]["set_aside_styles"] == test
    # the test group is neither trained on nor read
    assert not set(test) & set(metrics["data"]["training_styles"])
    read = set(metrics["held_out_boards"]["designs"])
    assert read == {evaluation.design_of(name) for name in development}
    assert metrics["data"]["training_squares"] == 8 * len(shogi_data.LABELS)
    assert "--set-aside test --per-class 8" in metrics["command"]


def test_an_unknown_style_to_set_aside_stops_training_before_anything_is_written(tmp_path):
    message = _train_with(tmp_path, set_aside="kanji_3d")
    assert "no style 'kanji_3d' to set aside" in message


def test_bad_input_on_the_command_line_is_one_line_naming_the_cause_and_a_failure(tmp_path):
    import subprocess
    import sys

    from support import clean_environment

    checkpoint_dir = tmp_path / "checkpoints"
    completed = subprocess.run(
        [sys.executable, "-m", "pipeline.shogi.train", "--quick", "--start-from", str(tmp_path),
         "--checkpoint-dir", str(checkpoint_dir)],
        cwd=ROOT, env=clean_environment(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 1
    assert completed.stderr.splitlines()[-1] == (
        f"python -m pipeline.shogi.train: {tmp_path / 'checkpoint'}: no checkpoint index file"
        " (no checkpoint saved?)"
    )
    assert "Traceback" not in completed.stderr
    assert not checkpoint_dir.exists()


def test_training_into_a_keras_file_is_refused_before_anything_is_written(tmp_path):
    target = tmp_path / "model.keras"
    with pytest.raises(BuildError) as error:
        train.train(settings.load(ROOT), quick=True, checkpoint_dir=target)
    assert str(error.value).startswith(f"{target}: training saves checkpoints, into a directory")
    assert not target.exists()
