"""Stage 4: the web app -> `artifacts/bundle` (index.html, one script with the worker inlined,
the worker's runtimes (TF.js, LiteRT.js) and TF.js's backends other than WASM as chunks it
loads when it needs them, the TF.js and LiteRT.js .wasm files, each app's samples with
thumbnails for its gallery).

Nothing here depends on the model, so a retrain never runs webpack again. webpack keeps a
cache in `artifacts/webpack-cache`, so an edit of the page recompiles only what it changed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from doit.tools import config_changed

from pipeline import node
from pipeline.config import Config
from pipeline.errors import BuildError, reported
from pipeline.files import code_digest, digest_files, fresh_directory, replace_directory

WASM_PACKAGE = Path("node_modules/@tensorflow/tfjs-backend-wasm/dist")
LITERT_PACKAGE = Path("node_modules/@litertjs/core/wasm")
# LiteRT.js's builds: relaxed SIMD with and without threads, and plain SIMD for browsers
# without relaxed SIMD; not the JSPI build, which only WebNN and WebGPU need.
LITERT_BUILDS = ("litert_wasm_internal", "litert_wasm_threaded_internal", "litert_wasm_compat_internal")
CACHE_NAME = "webpack-cache"
# A gallery shows its sample images as thumbnails: THUMBNAILS/STEM.jpg beside each, this
# wide (twice the 64 CSS pixels it is shown at). A board screenshot is 60-280 KB; six of them
# would hold up a first visit's model download on a slow line.
THUMBNAILS = "thumbnails"
THUMBNAIL_WIDTH = 128


class BundleError(BuildError):
    """The web app did not build; the message carries webpack's or tsc's report."""


def bundle(config: Config, output_dir: Path) -> None:
    output_dir = Path(output_dir)
    staging = fresh_directory(output_dir)
    try:
        cache = config.output_dir / CACHE_NAME
        node.run_node(
            config,
            ["node_modules/webpack/bin/webpack.js", "--env", f"outputDir={staging}",
             "--env", f"cacheDir={cache}"],
        )  # fmt: skip
        scripts = sorted(staging.glob("app.*.js"))
        if len(scripts) != 1:
            raise BundleError(f"{staging}: expected one app.*.js from webpack, found {scripts}")
        binaries = sorted((config.web_dir / WASM_PACKAGE).glob("*.wasm"))
        wasm_dir = _copied(binaries, staging, "wasm")
        litert = [config.web_dir / LITERT_PACKAGE / f"{build}.{kind}"
                  for build in LITERT_BUILDS for kind in ("js", "wasm")]  # fmt: skip
        litert_dir = _copied(litert, staging, "litert")
        # Each app's samples/ (web/src/apps/NAME/samples) goes to samples-HASH/NAME/, named
        # for what it holds, thumbnails included.
        samples_dir = staging / "samples"
        for sample in sorted(config.apps_dir.glob("*/samples/*")):
            app = samples_dir / sample.parent.parent.name
            app.mkdir(parents=True, exist_ok=True)
            shutil.copy2(sample, app / sample.name)
            if sample.suffix.lower() in IMAGE_SUFFIXES:
                write_thumbnail(sample, app / THUMBNAILS / f"{sample.stem}.jpg")
        written = sorted(path for path in samples_dir.rglob("*") if path.is_file())
        samples_dir = samples_dir.rename(staging / f"samples-{digest_files(written, samples_dir)}")
        # Script, .wasm and sample directories carry content hashes; index.html names them
        # all, so publishing index.html last switches readers over to a whole new set.
        template = (config.web_dir / "src" / "index.html").read_text(encoding="utf-8")
        page = (
            template.replace("{{script}}", scripts[0].name)
            .replace("{{wasm_path}}", f"{wasm_dir.name}/")
            .replace("{{litert_path}}", f"{litert_dir.name}/")
            .replace("{{samples_path}}", f"{samples_dir.name}/")
        )
        (staging / "index.html").write_text(page, encoding="utf-8")
        replace_directory(staging, output_dir)
    except node.NodeError as error:
        raise BundleError(f"web/src did not build:\n{error}") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)


IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}


def write_thumbnail(image_path: Path, thumbnail_path: Path) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(image_path) as image:
            height = max(1, round(image.height * THUMBNAIL_WIDTH / image.width))
            thumbnail = image.convert("RGB").resize((THUMBNAIL_WIDTH, height), Image.LANCZOS)
    except (OSError, UnidentifiedImageError) as error:
        raise BundleError(f"{image_path}: not an image a thumbnail can be made of ({error})") from error
    thumbnail_path.parent.mkdir(exist_ok=True)
    thumbnail.save(thumbnail_path, quality=85, optimize=True)


def _copied(files: list[Path], staging: Path, kind: str) -> Path:
    """`files` copied into a directory of `staging` named for their content."""
    directory = staging / f"{kind}-{digest_files(files)}"
    directory.mkdir()
    for path in files:
        shutil.copy2(path, directory / path.name)
    return directory


def sources(config: Config) -> list[Path]:
    """Every file webpack reads from the project (node_modules stands behind its marker)."""
    web = config.web_dir
    tree = sorted(path for path in (web / "src").rglob("*") if path.is_file())
    return [*tree, web / "webpack.config.js", web / "tsconfig.json", node.installed_marker(config)]


def task(config: Config) -> dict:
    return {
        "doc": "web/src -> page, script (worker inlined) and .wasm files (artifacts/bundle)",
        "file_dep": [str(path) for path in sources(config)],
        "targets": [str(config.bundle_dir / "index.html")],
        "actions": [(reported(bundle), [config, config.bundle_dir])],
        "uptodate": [config_changed({"code": code_digest(sys.modules[__name__])})],
        "clean": [
            (shutil.rmtree, [config.bundle_dir, True]),
            (shutil.rmtree, [config.output_dir / CACHE_NAME, True]),
        ],
    }
