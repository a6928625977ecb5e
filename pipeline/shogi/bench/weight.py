"""Page weight: the bytes a first visit downloads (script, .wasm binary, model), raw and
gzipped; and for each quantization setting, the model's bytes and how often its top-1 answer
is the float32 model's on squares of the piece styles training never saw."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
from pathlib import Path

from pipeline import config as settings
from pipeline import convert, model_card, node
from pipeline.shogi import data as shogi_data
from pipeline.shogi import train
from pipeline.shogi.bench import BenchError

TFJS_PREDICT = Path(__file__).with_name("tfjs_predict.cjs")
_SCRIPT = re.compile(r'<script src="([^"]+)"')


def sizes(paths: list[Path]) -> dict:
    """Bytes of the files together, as stored and each gzipped (level 9, as static hosts
    precompress)."""
    data = [Path(path).read_bytes() for path in paths]
    return {
        "bytes": sum(len(item) for item in data),
        "gzip_bytes": sum(len(gzip.compress(item, 9, mtime=0)) for item in data),
    }


def scripts(bundle_dir: Path, runtime: str) -> dict:
    """The page's script (the worker inlined) with the chunks the default model's page loads
    at once (the worker's runtime, the board reader), and those loaded only on request."""
    page = (Path(bundle_dir) / "index.html").read_text(encoding="utf-8")
    found = _SCRIPT.search(page)
    if not found:
        raise BenchError(f"{bundle_dir}/index.html: names no script")
    chunks = sorted(path for path in Path(bundle_dir).glob("*.js") if path.name != found[1])
    at_once = [path for path in chunks if path.name.startswith(("app-", f"runtime-{runtime}."))]
    return {
        "page": {"file": found[1], "chunks": [path.name for path in at_once],
                 **sizes([Path(bundle_dir) / found[1], *at_once])},
        "on_request": {path.name: sizes([path]) for path in chunks if path not in at_once},
    }  # fmt: skip


def wasm_binaries(bundle_dir: Path) -> dict:
    """TF.js's and LiteRT.js's .wasm files."""
    binaries = [*Path(bundle_dir).glob("wasm-*/*.wasm"), *Path(bundle_dir).glob("litert-*/*.wasm")]
    return {path.name: sizes([path]) for path in sorted(binaries)}


def held_out_squares(config: settings.Config, labels: list[str], per_class: int, seed: int = 5):
    """Squares of the styles the checkpoint's training held out (from its metrics.json; all
    styles when it held none out), `per_class` of each class: (uint8 pixels, class indices,
    styles, whether they were held out)."""
    import numpy as np

    unknown = sorted(set(labels) - set(shogi_data.LABELS))
    if unknown:
        raise BenchError(f"the model's classes are not shogi squares ({unknown[:3]}): the "
                         "quantization check draws shogi squares")  # fmt: skip
    named = model_card.held_out_styles(model_card.load_metrics(config.frozen_dir) or {})
    pieces = shogi_data.load_piece_folders(train.PIECE_DIRS)
    held_out = {name: pieces[name] for name in named if name in pieces}
    styles = held_out or pieces
    pixels, targets = shogi_data.random_squares(
        styles,
        shogi_data.load_boards(),
        labels,
        per_class * len(labels),
        config.input_size,
        np.random.default_rng(seed),
    )
    return pixels, targets, sorted(styles), bool(held_out)


def top1(config: settings.Config, model_dir: Path, pixels, scratch: Path):
    """The TF.js model's top-1 class index for each square, computed in Node (WASM backend)."""
    import numpy as np

    pixels_path = Path(scratch) / "squares.f32"
    pixels_path.write_bytes(np.ascontiguousarray(pixels, dtype="<f4").tobytes())
    output = node.run_node(
        config,
        [str(TFJS_PREDICT), str(config.web_dir), str(model_dir), str(pixels_path),
         str(len(pixels)), str(config.input_size)],
    )  # fmt: skip
    return np.argmax(np.asarray(json.loads(output)["logits"]), axis=1)


def quantizations(config: settings.Config, per_class: int, scratch: Path) -> dict:
    """Every quantization setting: the converted model's bytes and its top-1 agreement with
    the float32 model (and accuracy) on held-out squares."""
    import numpy as np

    graph = config.frozen_dir / "model.pb"
    info_path = config.frozen_dir / "model-info.json"
    labels = json.loads(info_path.read_text(encoding="utf-8"))["labels"]
    pixels, truth, styles, held_out = held_out_squares(config, labels, per_class)
    answers, models = {}, {}
    for quantization in settings.QUANTIZATIONS:
        model_dir = Path(scratch) / f"tfjs-{quantization}"
        convert.convert(dataclasses.replace(config, quantization=quantization), graph, info_path,
                        model_dir)  # fmt: skip
        answers[quantization] = top1(config, model_dir, pixels, scratch)
        models[quantization] = sizes(sorted(model_dir.iterdir()))
    reference = answers["none"]
    return {
        "squares": len(truth),
        "styles": styles,
        "held_out": held_out,
        "configured": config.quantization,
        "models": {
            name: {
                **models[name],
                "agreement": round(float(np.mean(answers[name] == reference)), 5),
                "accuracy": round(float(np.mean(answers[name] == truth)), 5),
            }
            for name in settings.QUANTIZATIONS
        },
    }
