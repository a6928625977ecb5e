"""`doit bench`: how fast the built site and the build are, measured side by side.

Writes `bench/report.json` and `bench/report.md` (every target, measured, met or missed, and
the machine) under the output directory. In the browser: start-up, 81 squares on each
backend and batch size, camera frames a second, the main thread's long tasks, beside native
TFLite (1 and 2 threads), TensorFlow and ONNX Runtime Web's page running the same model. The build: in a throw-away copy of the
project. Page weight: the bytes of a first visit, and each quantization setting's size and
agreement with float32.

Nothing heavy is imported here: dodo.py loads this module for every build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.config import Config
from pipeline.errors import BuildError, reported

# Debian's package; Playwright's own browsers need a download this project does without.
CHROMIUM = "/usr/bin/chromium"


class BenchError(BuildError):
    """A benchmark that could not run; the message says which and why."""


def report_dir(config: Config) -> Path:
    return config.output_dir / "bench"


def _run(config: Config, quick: bool, runs: int, chromium: str) -> None:
    from pipeline.shogi.bench import run

    run.bench(config, report_dir(config), quick=quick, runs=runs, chromium=chromium)


PARAMS = [
    {"name": "quick", "long": "quick", "type": bool, "default": False,
     "help": "one run of everything on fewer squares: checks the harness, not the speed"},
    {"name": "runs", "long": "runs", "type": int, "default": 0,
     "help": "repetitions of each measurement (0: 5, or 1 with --quick)"},
    {"name": "chromium", "long": "chromium", "type": str, "default": CHROMIUM,
     "help": "the Chromium executable to drive"},
]  # fmt: skip


def task(config: Config) -> dict:
    return {
        "doc": "benchmarks: browser, native TFLite and TensorFlow, ONNX Runtime Web, build, page weight (artifacts/bench)",
        "params": PARAMS,
        "task_dep": ["site"],
        "actions": [(reported(_run), [config])],
        "uptodate": [False],  # asking for a benchmark means measuring
        "verbosity": 2,
        "clean": [(shutil.rmtree, [report_dir(config), True])],
    }
