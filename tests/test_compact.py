"""A converted TF.js model made smaller: equal weights stored once, nodes named short."""

from __future__ import annotations

import json
import struct

import numpy as np

from pipeline.compact import compact


def write_model(directory, weights, nodes, shard_size=8):
    data = b"".join(values for _, values in weights)
    paths = []
    for index in range(0, len(data), shard_size):
        paths.append(f"group1-shard{len(paths) + 1}.bin")
        (directory / paths[-1]).write_bytes(data[index : index + shard_size])
    model = {
        "modelTopology": {"node": nodes},
        "signature": {"outputs": {"out": {"name": "out:0"}}},
        "weightsManifest": [{"paths": paths, "weights": [spec for spec, _ in weights]}],
    }
    (directory / "model.json").write_text(json.dumps(model), encoding="utf-8")


def read_model(directory):
    model = json.loads((directory / "model.json").read_text(encoding="utf-8"))
    paths = model["weightsManifest"][0]["paths"]
    assert sorted(path.name for path in directory.glob("*.bin")) == sorted(paths)
    return model, b"".join((directory / path).read_bytes() for path in paths)


def floats(*values):
    return np.asarray(values, "<f4").tobytes()


def strings(*values):
    return b"".join(struct.pack("<I", len(v)) + v.encode() for v in values)


def constant(name):
    return {"name": name, "op": "Const"}


def test_a_copy_of_a_weight_is_dropped_and_its_users_read_the_one_kept(tmp_path):
    weights = [
        ({"name": "labels", "shape": [2], "dtype": "string"}, strings("cat", "dog")),
        ({"name": "scope/kernel", "shape": [2], "dtype": "float32"}, floats(1, 2)),
        ({"name": "scope_1/kernel", "shape": [2], "dtype": "float32"}, floats(1, 2)),
        ({"name": "other", "shape": [2], "dtype": "float32"}, floats(1, 3)),
        ({"name": "reshaped", "shape": [1, 2], "dtype": "float32"}, floats(1, 2)),
    ]
    uses = ["scope_1/kernel", "scope_1/kernel:0", "^scope_1/kernel", "other"]
    nodes = [constant(spec["name"]) for spec, _ in weights]
    nodes.append({"name": "out", "op": "AddN", "input": uses})
    write_model(tmp_path, weights, nodes)

    compact(tmp_path, shard_size_bytes=12)

    model, stored = read_model(tmp_path)
    assert stored == strings("cat", "dog") + floats(1, 2) + floats(1, 3) + floats(1, 2)
    shards = model["weightsManifest"][0]["paths"]
    assert all((tmp_path / path).stat().st_size <= 12 for path in shards)
    kept = [spec["name"] for spec in model["weightsManifest"][0]["weights"]]
    assert len(kept) == 4  # another shape is another weight
    _, kernel, other, _ = kept
    assert [node["name"] for node in model["modelTopology"]["node"]] == [*kept, "out"]
    used = model["modelTopology"]["node"][-1]["input"]
    assert used == [kernel, f"{kernel}:0", f"^{kernel}", other]


def test_nodes_get_short_names_but_placeholders_and_outputs_keep_theirs(tmp_path):
    weights = [({"name": "model/dense/kernel", "shape": [1], "dtype": "float32"}, floats(2))]
    nodes = [
        {"name": "pixels", "op": "Placeholder"},
        constant("model/dense/kernel"),
        {"name": "model/dense/MatMul", "op": "MatMul", "input": ["pixels", "model/dense/kernel"]},
        {"name": "out", "op": "Identity", "input": ["model/dense/MatMul"]},
    ]
    write_model(tmp_path, weights, nodes)

    compact(tmp_path, shard_size_bytes=1024)

    model, stored = read_model(tmp_path)
    assert stored == floats(2)
    names = [node["name"] for node in model["modelTopology"]["node"]]
    assert names[0] == "pixels" and names[3] == "out"
    assert all(len(name) <= 2 for name in names[1:3])
    assert model["weightsManifest"][0]["weights"][0]["name"] == names[1]
    assert model["modelTopology"]["node"][2]["input"] == ["pixels", names[1]]
    assert model["modelTopology"]["node"][3]["input"] == [names[2]]
