"""`doit bench`: one quick run, on a small model of the 29 shogi classes, writes a report
with every section and every target. How fast things are is the committed report's
business (README, "Speed"), not a test's: these say that the harness measures it all."""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass

import pytest
from support import (
    MODEL_TASKS,
    changed_settings,
    restore_test_checkpoint,
    save_random_checkpoint,
    step_of,
)

from pipeline import checkpoints
from pipeline.shogi import data as shogi_data
from pipeline.shogi.bench import report

TARGETS = [
    "81 squares in the browser / native TFLite, same threads",
    "81 squares: speed-up over the CPU backend",
    "Warm-up",
    "Navigation → model ready",
    "Navigation → first board result",
    "Navigation → first board result, 10 Mbit/s, 40 ms",
    "Whole board in the page / its 81-square inference",
    "Longest main-thread task while a board is read",
    "No-op `doit`",
    "New checkpoint → site",
    "New checkpoint → site: speed-up over the naive chain",
    "`web/src` change → site",
    "JavaScript, gzipped",
    "Default model",
    "Default model's top-1 agreement with float32",
    "Command line: boards read in a minute, start-up included",
]


@dataclass
class Benched:
    results: dict  # report.json
    markdown: str  # report.md
    bench_run: list[str]  # the tasks `doit bench --quick` ran
    next_run: list[str]  # the tasks a plain `doit` ran after it
    project_untouched: bool  # the project's checkpoint and web/src, before and after


@pytest.fixture(scope="module")
def benched(built_project) -> Benched:
    """The built project with a random shogi checkpoint (the page reads boards only with shogi
    classes), benchmarked once with `doit bench --quick`, then built with a plain `doit`.
    Afterwards the project gets its settings and a test checkpoint again.

    The random model is read upright: its answers hardly depend on the image, so read both
    ways they tie between each sente piece and the gote one, and float rounding breaks such
    ties one way in the page and the other natively."""
    project, _ = built_project
    project.doit()
    with changed_settings(project, half_turn="[]"):
        step = step_of(checkpoints.latest_prefix(project.checkpoint_dir))
        save_random_checkpoint(project.checkpoint_dir, seed=3, step=step + 1,
                               labels=shogi_data.LABELS)  # fmt: skip
        main = project.root / "web" / "src" / "main.ts"
        source = main.read_bytes()
        bench = project.doit("bench", "--quick", timeout=900)
        newest = checkpoints.latest_prefix(project.checkpoint_dir).name
        untouched = main.read_bytes() == source and newest == f"ckpt-{step + 1}"
        benched = Benched(
            json.loads((project.artifacts / "bench" / "report.json").read_text("utf-8")),
            (project.artifacts / "bench" / "report.md").read_text("utf-8"),
            bench.executed,
            project.doit().executed,
            untouched,
        )
    restore_test_checkpoint(project)
    return benched


def test_the_bench_builds_the_site_first_and_runs_only_when_asked_for(benched):
    assert sorted(benched.bench_run[:-1]) == MODEL_TASKS  # what was stale
    assert benched.bench_run[-1] == "bench"
    assert benched.next_run == []  # the site is built, and a plain `doit` never benchmarks


def test_the_browser_section_times_start_up_backends_and_batch_sizes(benched):
    browser = benched.results["browser"]
    assert browser["sfen"].count("/") == 8  # a whole board was read, right or not
    assert list(browser["first_visit"]) == ["default", "wasm-threads", "wasm-simd", "litert",
                                            "litert-threads", "tfjs-slow-network",
                                            "litert-slow-network"]  # fmt: skip
    for visit in browser["first_visit"].values():
        for field in ("model_ready_ms", "load_ms", "warmup_ms", "first_board_ms", "first_squares_ms"):
            assert visit[field]["median"] > 0, field
    assert browser["first_visit"]["wasm-simd"]["wasm"] == ["tfjs-backend-wasm-simd.wasm"]
    assert browser["first_visit"]["litert"]["wasm"] == ["litert_wasm_internal.wasm"]
    assert browser["first_visit"]["litert-slow-network"]["runtime"] == "litert"
    slow, local = (browser["first_visit"][name]["first_board_ms"]["median"]
                   for name in ("tfjs-slow-network", "default"))  # fmt: skip
    assert slow > local  # the emulated line is slower than the local server
    backends = browser["backends"]
    assert list(backends) == ["default", "wasm-threads", "wasm-simd", "litert", "litert-threads",
                              "cpu", "webgl"]  # fmt: skip
    for name in ("default", "wasm-threads", "wasm-simd", "litert", "litert-threads", "cpu"):
        assert backends[name]["squares_ms"]["median"] > 0, name
        assert backends[name]["board_ms"]["median"] >= backends[name]["squares_ms"]["median"]
    assert backends["litert"]["runtime"] == "litert" and backends["litert"]["threads"] == 1
    cores = os.cpu_count()
    assert backends["default"]["threads"] == max(1, cores // 2)
    assert backends["wasm-threads"]["threads"] == cores
    assert backends["wasm-simd"]["threads"] == 1
    assert "squares_ms" in backends["webgl"] or backends["webgl"]["error"]  # a reason if not
    assert list(browser["batch_sweep"]) == ["1", "3", "9", "27", "81"]
    for size, entry in browser["batch_sweep"].items():
        assert entry["batch"] == int(size) and entry["squares_ms"]["median"] > 0
        assert entry["warmup_images"] == 1 and entry["first_squares_ms"] > 0  # TF.js
    assert browser["long_tasks"]["boards"] >= 1 and browser["long_tasks"]["longest_ms"] >= 0


def test_each_backend_classifies_camera_frames_one_after_another(benched):
    """Throughput for live use: the camera section on Chromium's own test camera, each frame
    a lone image."""
    for name, entry in benched.results["browser"]["backends"].items():
        if "error" not in entry:
            assert entry["camera_frames_per_s"]["median"] > 0, name
    assert "| camera |" in benched.markdown
    runtimes = benched.markdown.split("| variant | runtime |")[1].split("\n\n")[0]
    assert "| the page as published |" in runtimes
    assert all(line.endswith(" frames/s |") for line in runtimes.splitlines()
               if line.startswith("| the page as published |"))  # fmt: skip
    steps = benched.markdown.split(report.STEPS_HEADER)[1].split("\n\n")[0]
    assert "frames/s" not in steps


def test_native_tflite_and_tensorflow_run_the_same_squares_beside_the_page(benched):
    native = benched.results["native"]
    assert native["squares_ms"]["81"]["median"] > 0
    assert native["same_board_as_page"]
    tflite = native["tflite"]
    assert tflite["model"] == "batch-8.tflite" and tflite["batch"] == 8  # the test project's
    assert list(tflite["squares_ms"]) == ["1", "2"]  # threads
    assert all(figures["median"] > 0 for figures in tflite["squares_ms"].values())
    assert "| native | TFLite, XNNPACK (`batch-8.tflite`) | 1 thread(s) |" in benched.markdown


def test_onnx_runtime_web_reads_the_same_squares_in_a_page_of_its_own(benched):
    onnx = benched.results["native"]["onnx_runtime_web"]
    assert onnx["version"] == "1.30.0" and onnx["batch"] == 8
    assert list(onnx["squares_ms"]) == ["1", "2"] == list(onnx["ready_ms"])  # threads
    assert all(figures["median"] > 0 for figures in onnx["squares_ms"].values())
    assert onnx["same_board_as_page"]
    assert "| another page | ONNX Runtime Web 1.30.0 (WASM; tf2onnx, opset 17) | 2 thread(s) |" in (
        benched.markdown
    )
    assert "ONNX Runtime Web the same." in benched.markdown


def test_the_build_section_times_each_kind_of_build_in_a_copy(benched):
    results = benched.results
    build = results["build"]
    for name in ("node_setup", "cold", "no_op", "new_checkpoint", "naive_chain", "web_change"):
        assert build[f"{name}_s"]["median"] > 0, name
    assert build["tasks_run"]["no_op"] == []
    assert sorted(build["tasks_run"]["new_checkpoint"]) == MODEL_TASKS
    assert sorted(build["tasks_run"]["web_change"]) == ["bundle", "site"]
    assert benched.project_untouched  # the timings changed and built a copy


def test_the_command_line_reads_generated_boards_in_one_run(benched):
    bulk = benched.results["command_line"]
    assert bulk["boards"] == 10  # --quick; 100 otherwise
    assert bulk["seconds"]["median"] > 0
    assert 0 <= bulk["exact_boards"] <= bulk["boards"]  # a random model: right or not
    assert "## The command line, on generated boards" in benched.markdown


def test_page_weight_covers_script_wasm_and_every_quantization(benched):
    results = benched.results
    weight = results["page_weight"]
    script = weight["script"]["page"]
    assert 0 < script["gzip_bytes"] < script["bytes"]
    assert [name.split(".")[0] for name in script["chunks"]] == ["app-shogi-board", "runtime-tfjs"]
    assert {name.split(".")[0] for name in weight["script"]["on_request"]} == {
        "backend-cpu",
        "backend-webgl",
        "runtime-litert",
    }
    assert weight["wasm_loaded"][0] in weight["wasm"]
    assert "litert_wasm_threaded_internal.wasm" in weight["wasm"]
    models = weight["quantization"]["models"]
    assert models["uint8"]["bytes"] < models["float16"]["bytes"] < models["none"]["bytes"]
    assert models["none"]["agreement"] == 1
    assert all(0 <= model["agreement"] <= 1 for model in models.values())


def test_the_markdown_report_names_the_machine_and_judges_every_target(benched):
    machine = benched.results["machine"]
    assert machine["cores"] > 0 and machine["chromium"] and machine["tensorflow"]
    assert machine["chromium"] in benched.markdown and machine["cpu"] in benched.markdown
    assert [target["title"] for target in benched.results["targets"]] == TARGETS
    table = benched.markdown.split("| target | goal | measured | |\n")[1].split("\n\n")[0]
    rows = {line.split(" | ")[0][2:]: line for line in table.splitlines()[1:]}
    for title in TARGETS:
        assert rows[title].endswith("| met |") or "| **missed**, " in rows[title], rows[title]


def test_a_missed_target_says_by_how_much(benched):
    results = benched.results
    slower = copy.deepcopy(results)
    slower["build"]["no_op_s"]["median"] = 1.5  # the goal is at most 1 s
    slower["page_weight"]["quantization"]["models"]["none"]["agreement"] = 0.99  # at least 99.5 %
    slower["page_weight"]["quantization"]["configured"] = "none"
    judged = {target["name"]: target for target in report.evaluate(slower)}
    assert judged["no_op"]["met"] is False and judged["no_op"]["miss"] == "50 % over"
    assert judged["agreement"]["met"] is False
    assert judged["agreement"]["miss"] == "0.50 points short"
    slower["build"]["no_op_s"]["median"] = 1.0
    assert {t["name"]: t for t in report.evaluate(slower)}["no_op"]["met"] is True
