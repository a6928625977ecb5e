"""Stage 4: the web app -> `artifacts/bundle` (index.html, one script with the worker inlined,
the worker's backends other than WASM and LiteRT.js as chunks it loads on request, the
TF.js and LiteRT.js .wasm files).

Nothing here depends on the model, so a retrain never runs webpack again. webpack keeps a
cache in `artifacts/webpack-cache`, so an edit of the page recompiles only what it changed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline import node
from pipeline.config import Config
from pipeline.errors import BuildError, reported
from pipeline.files import digest_files, fresh_directory, replace_directory

WASM_PACKAGE = Path("node_modules/@tensorflow/tfjs-backend-wasm/dist")
LITERT_PACKAGE = Path("node_modules/@litertjs/core/wasm")
# LiteRT.js's builds: relaxed SIMD with and without threads, and plain SIMD for browsers
# without relaxed SIMD; not the JSPI build, which only WebNN and WebGPU need.
LITERT_BUILDS = ("litert_wasm_internal", "litert_wasm_threaded_internal", "litert_wasm_compat_internal")
CACHE_NAME = "webpack-cache"


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
        # Each app's samples/ (web/src/apps/NAME/samples) goes to samples-HASH/NAME/.
        samples = sorted(config.apps_dir.glob("*/samples/*"))
        samples_dir = staging / f"samples-{digest_files(samples, config.apps_dir)}"
        for sample in samples:
            app = samples_dir / sample.parent.parent.name
            app.mkdir(parents=True, exist_ok=True)
            shutil.copy2(sample, app / sample.name)
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
        "clean": [
            (shutil.rmtree, [config.bundle_dir, True]),
            (shutil.rmtree, [config.output_dir / CACHE_NAME, True]),
        ],
    }
