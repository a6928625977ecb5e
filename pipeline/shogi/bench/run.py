"""Runs every benchmark and writes the report (see pipeline/shogi/bench/__init__.py)."""

from __future__ import annotations

import datetime
import functools
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from pipeline import tflite
from pipeline.config import Config
from pipeline.files import write_atomically
from pipeline.shogi import data as shogi_data
from pipeline.shogi import samples
from pipeline.shogi.bench import (
    CHROMIUM,
    browser,
    build,
    command_line,
    machine,
    onnx_web,
    report,
    weight,
)
from pipeline.shogi.bench.browser import Variant
from pipeline.shogi.bench.native import Native, NativeTflite, board_squares
from pipeline.shogi.bench.timing import interleaved, summary

DEFAULT = Variant("default", "the page as published")
BACKENDS = (
    DEFAULT,
    Variant("wasm-threads", "TF.js WASM, SIMD + threads (all cores)",
            f"?runtime=tfjs&threads={os.cpu_count()}"),
    Variant("wasm-simd", "TF.js WASM, SIMD, no threads", "?runtime=tfjs&threads=1"),
    Variant("litert", "LiteRT.js, no threads", "?runtime=litert&threads=1"),
    Variant("litert-threads", "LiteRT.js, threads (all cores)",
            f"?runtime=litert&threads={os.cpu_count()}"),
    Variant("cpu", "TF.js CPU (plain JavaScript)", "?runtime=tfjs&backend=cpu"),
    Variant("webgl", "TF.js WebGL (in software: no GPU here)", "?runtime=tfjs&backend=webgl"),
)  # fmt: skip
# Each runtime's first visit, one thread and all cores, and both runtimes' over a slower line.
FIRST_VISITS = (
    *BACKENDS[:5],
    Variant("tfjs-slow-network", "TF.js, 10 Mbit/s, 40 ms", "?runtime=tfjs", True),
    Variant("litert-slow-network", "LiteRT.js, 10 Mbit/s, 40 ms", "?runtime=litert", True),
)  # fmt: skip
BATCH_SWEEP = (1, 3, 9, 27, 81)
# native TFLite's and ONNX Runtime Web's threads
THREADS = (1, 2)
VISIT_FIELDS = ("model_ready_ms", "load_ms", "warmup_ms", "first_board_ms", "first_squares_ms")
# Camera frames each backend classifies per measurement (with --quick: fewer)
CAMERA_FRAMES = 40


def bench(config: Config, output_dir: Path, *, quick: bool = False, runs: int = 0,
          chromium: str = CHROMIUM) -> dict:  # fmt: skip
    """Measures everything, writes report.json and report.md into `output_dir`, returns the
    report."""
    say = functools.partial(_say, time.monotonic())
    runs = runs or (1 if quick else 5)
    load_before = machine.load_average()
    board, sfen = sample_board(config)
    native = Native(config.frozen_dir / "model.pb")
    native_tflite = NativeTflite(config.tflite_dir / tflite.model_name(config.batch_size),
                                 config.batch_size)  # fmt: skip
    pixels = board_squares(board, config.input_size)
    with tempfile.TemporaryDirectory(prefix="modelsite-bench-") as scratch:
        say("ONNX Runtime Web's page: the frozen graph through tf2onnx")
        onnx_dir = onnx_web.prepare(config, pixels, Path(scratch) / "onnx-web")
        say(f"in the browser, {runs} run(s) of each measurement, side by side")
        in_browser, chromium_version = browser_section(config, chromium, board, sfen, native,
                                                       native_tflite, pixels, runs, onnx_dir,
                                                       CAMERA_FRAMES // (4 if quick else 1))  # fmt: skip
        native_sfen = shogi_data.sfen_board(native.labels(pixels))
        reference = {
            "tensorflow": native.version,
            "squares_ms": in_browser.pop("native_ms"),
            "same_board_as_page": native_sfen == in_browser["sfen"],
            "tflite": {
                "model": native_tflite.model_path.name,
                "batch": native_tflite.batch,
                "squares_ms": in_browser.pop("native_tflite_ms"),
            },
            "onnx_runtime_web": {
                "version": onnx_web.version(config),
                "opset": onnx_web.OPSET,
                "batch": config.batch_size,
                **in_browser.pop("onnx_web"),
            },
        }
        say("page weight and quantization")
        page_weight = {
            "script": weight.scripts(config.bundle_dir, config.runtime),
            "wasm_loaded": in_browser["first_visit"][DEFAULT.name]["wasm"],
            "wasm": weight.wasm_binaries(config.bundle_dir),
            "quantization": weight.quantizations(config, 4 if quick else 60, Path(scratch)),
        }
        say("the command line on generated boards")
        bulk = command_line.measure(config, Path(scratch), 10 if quick else 100, runs)
        say("build timings, in a throw-away copy of the project")
        build_timings = build.measure(config, Path(scratch), runs)
    results = {
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "doit bench" + (" --quick" if quick else "") + (f" --runs {runs}" * (
            runs != (1 if quick else 5))),
        "quick": quick,
        "runs": runs,
        "machine": {
            **machine.describe(config, chromium_version, native.version),
            "load_average": [load_before, machine.load_average()],
        },
        "model": model_facts(config),
        "browser": in_browser,
        "native": reference,
        "page_weight": page_weight,
        "build": build_timings,
        "command_line": bulk,
    }
    results["targets"] = report.evaluate(results)
    output_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(output_dir / "report.json", (json.dumps(results, indent=2) + "\n").encode())
    write_atomically(output_dir / "report.md", report.markdown(results).encode("utf-8"))
    say(f"wrote {output_dir / 'report.md'}")
    return results


def model_facts(config: Config) -> dict:
    """Which model was measured: the one the site publishes."""
    info = json.loads((config.frozen_dir / "model-info.json").read_text(encoding="utf-8"))
    return {
        "architecture": f"{info['architecture']} alpha {info['alpha']}",
        "input_size": info["input_shape"][0],  # the squares are square
        "classes": len(info["labels"]),
        "checkpoint_step": info["checkpoint_step"],
        "checkpoint_fingerprint": info["checkpoint_fingerprint"][:16],
        "quantization": config.quantization,
        "batch_size": config.batch_size,
        "runtime": config.runtime,
    }


def sample_board(config: Config) -> tuple[Path, str]:
    """The first board of the page's sample gallery, and its true SFEN."""
    directory = config.web_dir / "src" / "apps" / "shogi-board" / "samples"
    first = json.loads((directory / samples.INDEX_NAME).read_text(encoding="utf-8"))[0]
    return directory / first["file"], first["sfen"]


def browser_section(config, chromium, board, sfen, native, native_tflite, pixels, runs,
                    onnx_dir, camera_frames) -> tuple[dict, str]:  # fmt: skip
    """First visits, then every backend and batch size on its own loaded page, read board
    after board in rounds with native TFLite and TensorFlow, and ONNX Runtime Web's page, on
    the same squares; and each backend's camera section, frame after frame."""
    with (
        browser.served(config.site_dir) as url,
        browser.served(onnx_dir) as onnx_url,
        browser.chromium(chromium) as chrome,
    ):
        visits = interleaved(
            runs,
            {v.name: functools.partial(browser.first_visit, chrome, url, v, board)
             for v in FIRST_VISITS},
        )  # fmt: skip
        pages = {v.name: browser.Page(chrome, url, v).wait_until_ready() for v in BACKENDS}
        default = pages[DEFAULT.name]
        sweep = {}
        for size in BATCH_SWEEP:
            if size == default.info["batchSize"]:
                sweep[size] = default
            else:
                variant = Variant(f"batch-{size}", f"batch of {size}", f"?batch={size}")
                page = browser.Page(chrome, url, variant).wait_until_ready()
                sweep[size] = pages[variant.name] = page
        measurements = {
            name: functools.partial(page.recognise, board) for name, page in pages.items() if page.info
        }
        for variant in BACKENDS:
            if pages[variant.name].info:
                measurements[f"camera-{variant.name}"] = functools.partial(
                    pages[variant.name].camera_rate, camera_frames
                )
        for size in sorted({len(pixels), default.info["batchSize"]}, reverse=True):
            measurements[f"native-{size}"] = native.timer(pixels, size)
        onnx_pages = {threads: onnx_web.Page(chrome, onnx_url, threads) for threads in THREADS}
        for threads in THREADS:
            measurements[f"tflite-{threads}"] = native_tflite.timer(pixels, threads)
            measurements[f"onnx-web-{threads}"] = onnx_pages[threads].timer()
        samples = interleaved(runs, measurements)
        onnx_board = _onnx_board(config, onnx_pages[THREADS[0]])
        long_tasks = default.long_tasks(default.windows)
        page_sfen = default.recognise(board)["sfen"]
        section = {
            "board": board.name,
            "sfen": page_sfen,
            "sfen_correct": page_sfen == sfen,
            "first_visit": {name: _visits(done) for name, done in visits.items()},
            "backends": {
                v.name: {**_backend(pages[v.name], samples), **_camera(v.name, samples)}
                for v in BACKENDS
            },
            "batch_sweep": {str(size): _backend(page, samples) for size, page in sweep.items()},
            "long_tasks": {
                "boards": len(default.windows),
                "count": len(long_tasks),
                "longest_ms": round(max(long_tasks, default=0), 1),
            },
            "native_ms": _summaries(samples, "native-"),
            "native_tflite_ms": _summaries(samples, "tflite-"),
            "onnx_web": {
                "squares_ms": _summaries(samples, "onnx-web-"),
                "ready_ms": {str(threads): round(page.ready_ms) for threads, page in onnx_pages.items()},
                "same_board_as_page": onnx_board == page_sfen,
            },
        }
        for page in [*pages.values(), *onnx_pages.values()]:
            page.close()
        return section, chrome.version


def _camera(name: str, samples: dict) -> dict:
    frames = samples.get(f"camera-{name}")
    return {"camera_frames_per_s": summary(frames)} if frames else {}


def _summaries(samples: dict, prefix: str) -> dict:
    """The measurements named `prefix` + what varies (batch size, threads), by what varies."""
    return {
        name.removeprefix(prefix): summary(values)
        for name, values in samples.items()
        if name.startswith(prefix)
    }


def _onnx_board(config: Config, page: onnx_web.Page) -> str:
    """The board ONNX Runtime Web reads on the same squares (SFEN)."""
    info = json.loads((config.frozen_dir / "model-info.json").read_text(encoding="utf-8"))
    return shogi_data.sfen_board([info["labels"][index] for index in page.classify()["labels"]])


def _visits(done: list[dict]) -> dict:
    return {
        **{field: summary([visit[field] for visit in done]) for field in VISIT_FIELDS},
        "runtime": done[-1]["runtime"],
        "features": done[-1]["features"],
        "wasm": done[-1]["wasm"],
        "long_tasks_ms": sorted(round(task) for visit in done for task in visit["long_tasks_ms"]),
    }


def _backend(page: browser.Page, samples: dict) -> dict:
    if not page.info:
        return {"title": page.variant.title, "error": page.error}
    return {
        "title": page.variant.title,
        "backend": page.info["backend"],
        "features": page.info["features"],
        "threads": page.info["threads"],
        "batch": page.info["batchSize"],
        "warmup_ms": round(page.info["warmupMs"], 1),
        "warmup_images": page.info["warmupImages"],
        "runtime": page.info["runtime"],
        # the page's first board, which pays whatever first-run setup the warm-up left
        "first_squares_ms": round(samples[page.variant.name][0]["classifyMs"], 1),
        "squares_ms": summary([board["classifyMs"] for board in samples[page.variant.name]]),
        "board_ms": summary([board["boardMs"] for board in samples[page.variant.name]]),
        "board_steps_ms": {
            step: summary([board["steps"][step] for board in samples[page.variant.name]])
            for step in browser.BOARD_STEPS
        },
    }


def _say(started: float, message: str) -> None:
    print(f"bench [{time.monotonic() - started:.0f} s]: {message}", file=sys.stderr, flush=True)
