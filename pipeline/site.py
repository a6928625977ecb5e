"""Stage 5: bundle + model -> `artifacts/site`, published so readers never see a mix.

Files that a build adds have content-hashed names (script, .wasm directory, model
directory), so they never overwrite a file a reader may be loading. Then `manifest.json`
(which model to load) and `index.html` (which script and .wasm to load) are each replaced
in one rename. Files of the previous publish stay for pages that loaded just before it;
older ones are removed.
"""

from __future__ import annotations

import html
import json
import shutil
import sys
from pathlib import Path

from doit.tools import config_changed

from pipeline import freeze, model_card, tflite
from pipeline.config import Config, settings_of
from pipeline.errors import reported
from pipeline.files import (
    code_digest,
    digest_files,
    fresh_directory,
    replace_directory,
    write_atomically,
)

MANIFEST_NAME = "manifest.json"
PAGE_NAME = "index.html"
HISTORY_NAME = "published.json"
KEEP_PUBLISHES = 2


def publish(
    config: Config, bundle_dir: Path, model_dir: Path, frozen_dir: Path, tflite_dir: Path
) -> None:
    site = config.site_dir
    site.mkdir(parents=True, exist_ok=True)
    info = json.loads((Path(frozen_dir) / "model-info.json").read_text(encoding="utf-8"))

    # The model directory holds what describes this model too, so it changes with it.
    model_files = sorted(path for path in Path(model_dir).iterdir() if path.is_file())
    tflite_files = [Path(tflite_dir) / tflite.model_name(b) for b in tflite.batch_sizes(config)]
    model_files += tflite_files
    confusion = Path(frozen_dir) / model_card.CONFUSION_NAME
    model_files += [confusion] if confusion.exists() else []
    model_name = f"models/{digest_files(model_files)}"
    _add_once(model_files, site / model_name)
    entries = {model_name}
    for item in sorted(Path(bundle_dir).iterdir()):
        if item.name != PAGE_NAME:
            _add_once(item, site / item.name)
            entries.add(item.name)

    manifest = {
        "model": f"{model_name}/model.json",
        # the same model for LiteRT.js, one file per batch size it runs
        "tflite": {str(b): f"{model_name}/{tflite.model_name(b)}" for b in tflite.batch_sizes(config)},
        "batchSize": config.batch_size,
        "inputShape": info["input_shape"],
        "labels": info["labels"],
        "checkpointStep": info["checkpoint_step"],
        "checkpointFingerprint": info["checkpoint_fingerprint"],
        "quantization": config.quantization,
        "app": config.app,
        "runtime": config.runtime,
    }
    # the TF.js model's bytes: the one a first visit loads
    model_bytes = sum(path.stat().st_size for path in model_files if path.parent == Path(model_dir))
    has_confusion = (site / model_name / model_card.CONFUSION_NAME).exists()
    card = model_card.render(
        manifest,
        model_bytes,
        model_card.load_metrics(frozen_dir),
        f"{model_name}/{model_card.CONFUSION_NAME}" if has_confusion else None,
        model_card.load_metrics(frozen_dir, model_card.HELD_OUT_RUN_NAME),
    )
    write_atomically(site / model_card.PAGE_NAME, card.encode("utf-8"))
    manifest_text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    write_atomically(site / MANIFEST_NAME, manifest_text.encode("utf-8"))
    page = (
        (Path(bundle_dir) / PAGE_NAME).read_text(encoding="utf-8")
        .replace("{{title}}", html.escape(config.title))
        .replace("{{description}}", html.escape(config.description))
    )
    write_atomically(site / PAGE_NAME, page.encode("utf-8"))
    _forget_old_publishes(site, sorted(entries))


def _add_once(source: Path | list[Path], target: Path) -> None:
    """Copies a content-named file, or files into a directory, unless it is there already."""
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, list):
        staging = fresh_directory(target)
        for path in source:
            shutil.copyfile(path, staging / path.name)
        replace_directory(staging, target)
    elif source.is_dir():
        staging = fresh_directory(target)
        shutil.copytree(source, staging, dirs_exist_ok=True)
        replace_directory(staging, target)
    else:
        write_atomically(target, source.read_bytes())


def _forget_old_publishes(site: Path, entries: list[str]) -> None:
    history_path = site.parent / HISTORY_NAME
    try:
        history = json.loads(history_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        history = []
    history = [*[kept for kept in history if kept != entries], entries][-KEEP_PUBLISHES:]
    write_atomically(history_path, json.dumps(history, indent=1).encode("utf-8"))
    keep = {entry for kept in history for entry in kept}
    keep |= {MANIFEST_NAME, PAGE_NAME, model_card.PAGE_NAME, "models"}
    for path in [*site.iterdir(), *(site / "models").iterdir()]:
        # dot files are temporaries a killed build left behind
        if str(path.relative_to(site)) not in keep:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()


def task(config: Config) -> dict:
    info_path = config.frozen_dir / "model-info.json"
    return {
        "doc": "bundle + model -> static site, published atomically (artifacts/site)",
        "file_dep": [
            str(config.bundle_dir / PAGE_NAME),
            str(config.tfjs_dir / "model.json"),
            *(str(config.tflite_dir / tflite.model_name(b)) for b in tflite.batch_sizes(config)),
            str(info_path),
            str(config.frozen_dir / freeze.CARD_DIGEST_NAME),
        ],
        "targets": [str(config.site_dir / PAGE_NAME), str(config.site_dir / MANIFEST_NAME)],
        "actions": [
            (
                reported(publish),
                [config, config.bundle_dir, config.tfjs_dir, config.frozen_dir, config.tflite_dir],
            )
        ],
        "uptodate": [
            config_changed(
                {
                    **settings_of(config, "batch_size", "quantization", "title", "description",
                                  "app", "runtime"),
                    "code": code_digest(sys.modules[__name__], model_card),
                }
            )
        ],
        "clean": [
            (shutil.rmtree, [config.site_dir, True]),
            (Path.unlink, [config.output_dir / HISTORY_NAME, True]),
        ],
    }
