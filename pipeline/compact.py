"""A converted TF.js graph model made smaller, computing the same.

- Equal weights are stored once. The tensorflowjs converter folds batch normalisation into
  every use of a convolution, so a graph that runs its network twice (a model read both
  ways, pipeline/half_turn.py) would download each weight twice.
- Nodes get short names. Names only wire the graph together, and the scoped names Keras
  gives (`classifier_1/mobilenetv2_0.35_96_1/block_4_expand_BN_1/batchnorm/sub`) were
  two fifths of model.json. Placeholders and the signature's outputs keep theirs: callers
  use them.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

_BYTES_PER_VALUE = {"float32": 4, "int32": 4, "float16": 2, "uint16": 2, "uint8": 1, "bool": 1}


def compact(model_dir: Path, shard_size_bytes: int) -> None:
    """Rewrites the converted model in `model_dir`: weights with equal values, dtype, shape
    and quantization stored once (the nodes that used a copy use the one kept), nodes
    renamed short, the shards cut again at `shard_size_bytes`, and model.json written with
    sorted keys and no spaces."""
    model_json = model_dir / "model.json"
    model = json.loads(model_json.read_text(encoding="utf-8"))
    groups = model["weightsManifest"]
    old_paths = [path for group in groups for path in group["paths"]]
    data = b"".join((model_dir / path).read_bytes() for path in old_paths)
    weights = [weight for group in groups for weight in group["weights"]]
    kept, chunks, copy_of, described = _equal_weights_once(weights, data)
    if described != len(data):
        raise ValueError(f"{model_json}: the weights manifest does not describe its shards")

    topology = model["modelTopology"]
    topology["node"] = [node for node in topology["node"] if node["name"] not in copy_of]
    short = _short_names(topology["node"], model.get("signature", {}))
    renamed = {**{copy: short.get(first, first) for copy, first in copy_of.items()}, **short}
    for node in topology["node"]:
        node["name"] = renamed.get(node["name"], node["name"])
        if "input" in node:
            node["input"] = [_rewired(name, renamed) for name in node["input"]]
    for weight in kept:
        weight["name"] = renamed.get(weight["name"], weight["name"])

    for path in old_paths:
        (model_dir / path).unlink()
    stored = b"".join(chunks)
    count = max(1, -(-len(stored) // shard_size_bytes))
    paths = [f"group1-shard{index + 1}of{count}.bin" for index in range(count)]
    for index, path in enumerate(paths):
        start = index * shard_size_bytes
        (model_dir / path).write_bytes(stored[start : start + shard_size_bytes])
    model["weightsManifest"] = [{"paths": paths, "weights": kept}]
    # The converter writes maps in no fixed order; sorted, equal models give equal bytes.
    text = json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    model_json.write_text(text, encoding="utf-8")


def _equal_weights_once(weights: list[dict], data: bytes):
    """The weights kept, their bytes, the name kept for each copy dropped, and how many
    bytes the weights take."""
    kept, chunks, first_of, copy_of = [], [], {}, {}
    offset = 0
    for weight in weights:
        size = _byte_length(weight, data, offset)
        chunk = data[offset : offset + size]
        offset += size
        key = (json.dumps({k: v for k, v in weight.items() if k != "name"}, sort_keys=True), chunk)
        if key in first_of:
            copy_of[weight["name"]] = first_of[key]
        else:
            first_of[key] = weight["name"]
            kept.append(weight)
            chunks.append(chunk)
    return kept, chunks, copy_of, offset


def _byte_length(weight: dict, data: bytes, offset: int) -> int:
    count = 1
    for side in weight["shape"]:
        count *= side
    dtype = weight.get("quantization", {}).get("dtype", weight["dtype"])
    if dtype != "string":
        return count * _BYTES_PER_VALUE[dtype]
    # each string is its byte length (uint32, little-endian) and then its bytes
    end = offset
    for _ in range(count):
        end += 4 + struct.unpack_from("<I", data, end)[0]
    return end - offset


def _short_names(nodes: list[dict], signature: dict) -> dict[str, str]:
    """A short name (base 36) for every node but placeholders and the signature's ends."""
    keep = {node["name"] for node in nodes if node["op"] == "Placeholder"}
    for side in signature.values():
        keep.update(end["name"].split(":")[0] for end in side.values())
    names, number = {}, 0
    for node in nodes:
        if node["name"] in keep:
            continue
        while (name := _base36(number)) in keep:
            number += 1
        names[node["name"]] = name
        number += 1
    return names


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
        if not number:
            return text


def _rewired(name: str, renamed: dict[str, str]) -> str:
    """A node input (`node`, `node:1` or `^node`) under its node's new name."""
    control = name.startswith("^")
    node, colon, port = name.lstrip("^").partition(":")
    return ("^" if control else "") + renamed.get(node, node) + colon + port
