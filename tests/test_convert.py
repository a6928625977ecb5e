"""`convert` writes a TF.js graph model with the configured quantization and shard size."""

from __future__ import annotations

import json

import pytest
from support import LABELS, config_for, frozen_random_model, save_random_checkpoint

from pipeline import convert, freeze


@pytest.fixture(scope="module")
def frozen(tmp_path_factory):
    return frozen_random_model(tmp_path_factory.mktemp("convert"), seed=8, step=5)


def converted(config, output_dir, **changes):
    import dataclasses

    config = dataclasses.replace(config, **changes)
    convert.convert(
        config, config.frozen_dir / "model.pb", config.frozen_dir / "model-info.json", output_dir
    )
    model = json.loads((output_dir / "model.json").read_text(encoding="utf-8"))
    shards = sorted(path for path in output_dir.iterdir() if path.suffix == ".bin")
    return model, shards


@pytest.mark.parametrize(("quantization", "dtype", "ratio"), [("float16", "float16", 2), ("uint8", "uint8", 4)])
def test_quantization_shrinks_the_weights(frozen, tmp_path, quantization, dtype, ratio):
    _, plain = converted(frozen, tmp_path / "plain")
    model, quantized = converted(frozen, tmp_path / quantization, quantization=quantization)
    plain_bytes = sum(path.stat().st_size for path in plain)
    quantized_bytes = sum(path.stat().st_size for path in quantized)
    assert quantized_bytes < plain_bytes / ratio * 1.1
    weights = model["weightsManifest"][0]["weights"]
    assert any(weight.get("quantization", {}).get("dtype") == dtype for weight in weights)
    assert model["userDefinedMetadata"]["classifier"]["quantization"] == quantization


def test_shards_respect_the_configured_size(frozen, tmp_path):
    model, shards = converted(frozen, tmp_path / "small", shard_size_bytes=256 * 1024)
    assert len(shards) > 1
    assert all(path.stat().st_size <= 256 * 1024 for path in shards)
    listed = [name for group in model["weightsManifest"] for name in group["paths"]]
    assert sorted(listed) == [path.name for path in shards]


def test_a_new_conversion_leaves_no_stale_shards(frozen, tmp_path):
    output = tmp_path / "model"
    converted(frozen, output, shard_size_bytes=128 * 1024)
    model, shards = converted(frozen, output)
    assert len(shards) == 1
    assert model["userDefinedMetadata"]["classifier"]["labels"] == LABELS


def test_a_model_read_both_ways_stores_its_weights_once(tmp_path):
    # its graph runs the network twice, and the converter would store each weight twice
    labels = ["BLANK", "B_FU", "W_FU", "B_KI", "W_KI"]
    save_random_checkpoint(tmp_path / "checkpoints", seed=9, step=1, labels=labels)
    weight_bytes = {}
    for name, half_turn in (("upright", None), ("both ways", ("B_", "W_"))):
        config = config_for(tmp_path / "checkpoints", tmp_path / name, half_turn=half_turn)
        freeze.freeze(config, config.frozen_dir / "model.pb", config.frozen_dir / "model-info.json")
        _, shards = converted(config, tmp_path / name / "tfjs")
        weight_bytes[name] = sum(path.stat().st_size for path in shards)
    assert weight_bytes["upright"] <= weight_bytes["both ways"] < weight_bytes["upright"] * 1.01
