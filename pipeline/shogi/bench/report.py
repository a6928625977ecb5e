"""The targets of the issue that asked for speed, checked against a run's figures, and the
Markdown report (targets first, then the figures behind them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

KB, MB = 1000, 1000**2


@dataclass(frozen=True)
class Target:
    name: str
    title: str
    limit: float
    at_most: bool  # the value must stay at or under `limit` (else reach it)
    unit: str
    value: Callable[[dict], float | None]
    detail: Callable[[dict], str]


def _median(section: dict | None, *keys: str) -> float | None:
    for key in keys:
        section = (section or {}).get(key)
    return (section or {}).get("median") if isinstance(section, dict) else None


def _squares(report: dict, backend: str) -> float | None:
    return _median(report["browser"]["backends"].get(backend), "squares_ms")


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return top / bottom if top and bottom else None


def _page_threads(report: dict) -> int:
    return report["browser"]["backends"]["default"].get("threads", 1)


def _native_tflite(report: dict) -> float | None:
    """Native TFLite on as many threads as the page computes on."""
    return _median(report["native"]["tflite"]["squares_ms"], str(_page_threads(report)))


def _visit(report: dict, field: str, name: str = "default") -> float | None:
    return _median(report["browser"]["first_visit"].get(name), field)


def _slow_visit(report: dict) -> float | None:
    """The configured runtime's first visit over the slower line."""
    return _visit(report, "first_board_ms", f"{report['model']['runtime']}-slow-network")


def _board_over_squares(report: dict) -> float | None:
    default = report["browser"]["backends"]["default"]
    return _ratio(_median(default, "board_ms"), _median(default, "squares_ms"))


def _build(report: dict, name: str) -> float | None:
    return _median(report["build"], f"{name}_s")


def _quantization_squares(quantization: dict) -> str:
    kind = "held-out" if quantization.get("held_out", True) else "training-style"
    return f"{quantization['squares']} {kind} squares"


def _model(report: dict) -> dict:
    quantization = report["page_weight"]["quantization"]
    return quantization["models"][quantization["configured"]]


def _boards_a_minute(section: dict) -> float:
    return 60 * section["boards"] / section["seconds"]["median"]


def _ms(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.0f} ms"


def _warmup(report: dict) -> str:
    """What the warm-up ran, and what the first board's squares cost after it."""
    images = report["browser"]["backends"]["default"].get("warmup_images")
    ran = "one image" if images == 1 else f"batch of {images}"
    return (f"{ran}, first visit; then the first board's squares "
            f"{_ms(_visit(report, 'first_squares_ms'))}, a later board's {_ms(_squares(report, 'default'))}")


TARGETS = [
    Target("browser_vs_tflite", "81 squares in the browser / native TFLite, same threads", 2.5,
           True, "x", lambda r: _ratio(_squares(r, "default"), _native_tflite(r)),
           lambda r: f"{_ms(_squares(r, 'default'))} vs {_ms(_native_tflite(r))}, "
                     f"{_page_threads(r)} thread(s)"),
    Target("cpu_speedup", "81 squares: speed-up over the CPU backend", 30, False, "x",
           lambda r: _ratio(_squares(r, "cpu"), _squares(r, "default")),
           lambda r: f"{_ms(_squares(r, 'cpu'))} vs {_ms(_squares(r, 'default'))}"),
    Target("warmup", "Warm-up", 200, True, "ms", lambda r: _visit(r, "warmup_ms"), _warmup),
    Target("model_ready", "Navigation → model ready", 1000, True, "ms",
           lambda r: _visit(r, "model_ready_ms"), lambda r: "first visit, empty cache"),
    Target("first_board", "Navigation → first board result", 1000, True, "ms",
           lambda r: _visit(r, "first_board_ms"),
           lambda r: "board given as soon as the page can take it"),
    Target("first_board_slow", "Navigation → first board result, 10 Mbit/s, 40 ms", 2500,
           True, "ms", _slow_visit,
           lambda r: f"{r['model']['runtime']}, empty cache, network emulated"),
    Target("board_vs_squares", "Whole board in the page / its 81-square inference", 1.3, True,
           "x", _board_over_squares,
           lambda r: f"{_ms(_median(r['browser']['backends']['default'], 'board_ms'))} vs "
                     f"{_ms(_squares(r, 'default'))}: file given → SFEN shown"),
    Target("long_tasks", "Longest main-thread task while a board is read", 50, True, "ms",
           lambda r: r["browser"]["long_tasks"]["longest_ms"],
           lambda r: f"{r['browser']['long_tasks']['count']} task(s) over 50 ms in "
                     f"{r['browser']['long_tasks']['boards']} boards"),
    Target("no_op", "No-op `doit`", 1, True, "s", lambda r: _build(r, "no_op"),
           lambda r: "after a full build"),
    Target("new_checkpoint", "New checkpoint → site", 25, True, "s",
           lambda r: _build(r, "new_checkpoint"), lambda r: "freeze, convert, tflite, site"),
    Target("versus_naive", "New checkpoint → site: speed-up over the naive chain", 2, False,
           "x", lambda r: _ratio(_build(r, "naive_chain"), _build(r, "new_checkpoint")),
           lambda r: f"naive chain {_build(r, 'naive_chain') or 0:.1f} s"),
    Target("web_change", "`web/src` change → site", 15, True, "s",
           lambda r: _build(r, "web_change"), lambda r: "bundle, site"),
    Target("javascript", "JavaScript, gzipped", 250, True, "KB",
           lambda r: r["page_weight"]["script"]["page"]["gzip_bytes"] / KB,
           lambda r: f"{r['page_weight']['script']['page']['bytes'] / KB:.0f} KB raw"),
    Target("model_size", "Default model", 1, True, "MB",
           lambda r: _model(r)["bytes"] / MB,
           lambda r: f"quantization {r['page_weight']['quantization']['configured']}"),
    Target("agreement", "Default model's top-1 agreement with float32", 99.5, False, "%",
           lambda r: 100 * _model(r)["agreement"],
           lambda r: _quantization_squares(r["page_weight"]["quantization"])),
    # 100 boards within a minute; fewer boards (--quick) bear more of the start-up each
    Target("command_line", "Command line: boards read in a minute, start-up included", 100,
           False, "boards", lambda r: _boards_a_minute(r["command_line"]),
           lambda r: f"{r['command_line']['boards']} boards in "
                     f"{r['command_line']['seconds']['median']:.1f} s"),
]  # fmt: skip


def _format(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:.1f}x"
    if unit == "%":
        return f"{value:.2f} %"
    if unit in ("s", "MB"):
        return f"{value:.2f} {unit}"
    return f"{value:.0f} {unit}"


def _miss(value: float, target: Target) -> str:
    """How far from the goal: in points for a percentage, else as a share of the goal."""
    if target.unit == "%":
        return f"{abs(value - target.limit):.2f} points {'over' if target.at_most else 'short'}"
    share = value / target.limit - 1 if target.at_most else 1 - value / target.limit
    return f"{100 * share:.0f} % {'over' if target.at_most else 'short'}"


def evaluate(report: dict) -> list[dict]:
    """Each target: goal, measured value, whether it is met, and by how much it is missed."""
    results = []
    for target in TARGETS:
        value = target.value(report)
        goal = f"{'≤' if target.at_most else '≥'} {_format(target.limit, target.unit)}"
        entry = {"name": target.name, "title": target.title, "goal": goal, "value": value,
                 "unit": target.unit, "detail": target.detail(report)}  # fmt: skip
        if value is None:
            entry.update(met=None, miss="")
        else:
            met = value <= target.limit if target.at_most else value >= target.limit
            entry.update(met=met, miss="" if met else _miss(value, target))
        results.append(entry)
    return results


def machine_line(report: dict) -> str:
    machine = report["machine"]
    load = machine["load_average"]
    return (
        f"{machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB, {machine['os']}; "
        f"Chromium {machine['chromium']}, TensorFlow {machine['tensorflow']}, "
        f"TF.js {machine['tfjs']}, Node {machine['node']}; load average {load[0]} at the "
        f"start, {load[1]} at the end"
    )


def targets_table(report: dict) -> str:
    rows = ["| target | goal | measured | |", "|---|---|---|---|"]
    for entry in report["targets"]:
        shown = "not measured" if entry["value"] is None else _format(entry["value"], entry["unit"])
        verdict = {True: "met", False: f"**missed**, {entry['miss']}", None: "–"}[entry["met"]]
        rows.append(f"| {entry['title']} | {entry['goal']} | {shown} ({entry['detail']}) "
                    f"| {verdict} |")  # fmt: skip
    return "\n".join(rows)


def markdown(report: dict) -> str:
    intro = (f"`{report['command']}`, {report['generated']}; medians of {report['runs']} "
             "run(s), compared quantities measured side by side in the same rounds.")  # fmt: skip
    model = report["model"]
    measured = (f"Model: {model['architecture']}, {model['input_size']} px, {model['classes']} "
                f"classes, checkpoint step {model['checkpoint_step']} "
                f"({model['checkpoint_fingerprint']}), quantization {model['quantization']}, "
                f"batch {model['batch_size']}.")  # fmt: skip
    sections = [
        "# Benchmark report",
        intro,
        f"Machine: {machine_line(report)}.",
        measured,
        targets_table(report),
        _browser_section(report),
        _build_section(report),
        _command_line_section(report),
        _weight_section(report),
    ]
    return "\n\n".join(sections) + "\n"


STEPS_INTRO = ("A board, file given → position shown, step by step (medians). Cutting and the"
               " squares in the worker overlap (a batch is read while the next is cut); the"
               " pieces in hand are read in a worker of their own meanwhile, and what is left of"
               " that after the squares is waited for:")
STEPS_HEADER = ("| variant | decode | grid | cut | squares in the worker | hands, waited for | show"
                " | whole board |")  # fmt: skip

SWEEP_INTRO = ("Batch size sweep (WASM, the page's default threads; a page's first board pays"
               " what its warm-up left to set up):")
VISITS_HEADER = ("| variant | model ready | model load | warm-up | first board | its 81 squares"
                 " | .wasm |")  # fmt: skip


def _browser_section(report: dict) -> str:
    browser, native = report["browser"], report["native"]
    lines = [f"## 81 squares of `{browser['board']}` in the browser, after warm-up", "",
             "| variant | runtime | features | batch | warm-up | 81 squares | whole board | camera |",
             "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    lines += [_backend_row(entry["title"], entry) for entry in browser["backends"].values()]
    tflite = native["tflite"]
    lines += [f"| native | TFLite, XNNPACK (`{tflite['model']}`) | {threads} thread(s) "
              f"| {tflite['batch']} | | {_ms(figures['median'])} | | |"
              for threads, figures in tflite["squares_ms"].items()]  # fmt: skip
    lines += [f"| native | TensorFlow {native['tensorflow']} (frozen graph) | | {size} | "
              f"| {_ms(figures['median'])} | | |"
              for size, figures in native["squares_ms"].items()]  # fmt: skip
    onnx = native["onnx_runtime_web"]
    lines += [f"| another page | ONNX Runtime Web {onnx['version']} (WASM; tf2onnx, opset "
              f"{onnx['opset']}) | {threads} thread(s) | {onnx['batch']} | "
              f"ready after {_ms(onnx['ready_ms'][threads])} | {_ms(figures['median'])} | | |"
              for threads, figures in onnx["squares_ms"].items()]  # fmt: skip
    lines += ["", STEPS_INTRO, "", STEPS_HEADER, "|---|---|---|---|---|---|---|---|"]
    for entry in browser["backends"].values():
        if "board_steps_ms" in entry:
            steps = [_ms(figures["median"]) for figures in entry["board_steps_ms"].values()]
            lines.append(f"| {entry['title']} | {' | '.join(steps)} "
                         f"| {_ms(entry['board_ms']['median'])} |")  # fmt: skip
    lines += ["", SWEEP_INTRO, "", "| batch | warm-up | first board's 81 squares | 81 squares |",
              "|---|---|---|---|"]  # fmt: skip
    for size, entry in browser["batch_sweep"].items():
        if "error" in entry:
            lines.append(f"| {size} | not measured: {entry['error']} | | |")
        else:
            lines.append(f"| {size} | {_ms(entry['warmup_ms'])} | {_ms(entry['first_squares_ms'])} "
                         f"| {_ms(entry['squares_ms']['median'])} |")  # fmt: skip
    lines += ["", "First visits (empty cache, a board given at once):", "",
              VISITS_HEADER, "|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, visit in browser["first_visit"].items():
        fields = ("model_ready_ms", "load_ms", "warmup_ms", "first_board_ms", "first_squares_ms")
        times = [_ms(visit[field]["median"]) for field in fields]
        lines.append(f"| {name} ({visit['runtime']}: {visit['features']}) | {' | '.join(times)} "
                     f"| {', '.join(visit['wasm'])} |")  # fmt: skip
    verdict = "correct" if browser["sfen_correct"] else "WRONG"
    same = {True: "the same", False: "another board"}
    readers = (f"native TensorFlow reads {same[native['same_board_as_page']]}, ONNX Runtime Web "
               f"{same[native['onnx_runtime_web']['same_board_as_page']]}")  # fmt: skip
    lines += ["", f"The page read `{browser['sfen']}` ({verdict}); {readers}."]
    return "\n".join(lines)


_BUILDS = {
    "node_setup": "Node set-up (nodeenv + npm ci), reported apart",
    "cold": "cold build without the Node set-up",
    "no_op": "no-op `doit`",
    "new_checkpoint": "new checkpoint → site",
    "naive_chain": "naive chain: freeze + converter CLI + TFLite + webpack",
    "web_change": "`web/src` change → site",
}


def _build_section(report: dict) -> str:
    build = report["build"]
    lines = ["## Build, in a throw-away copy (seconds)", "",
             "| build | median | runs | tasks run |", "|---|---|---|---|"]  # fmt: skip
    for name, title in _BUILDS.items():
        figures = build[f"{name}_s"]
        tasks = " ".join(build["tasks_run"].get(name, [])) or "none"
        tasks = "–" if name == "naive_chain" else tasks
        lines.append(f"| {title} | {figures['median']:.2f} | {figures['runs']} | {tasks} |")
    return "\n".join(lines)


def _command_line_section(report: dict) -> str:
    bulk = report["command_line"]
    figures = bulk["seconds"]
    lines = ["## The command line, on generated boards", "",
             "| boards | seconds, command to exit (median) | runs | read exactly |",
             "|---|---|---|---|",
             (f"| {bulk['boards']} | {figures['median']:.2f} | {figures['runs']} "
             f"| {bulk['exact_boards']} |")]  # fmt: skip
    return "\n".join(lines)


def _weight_section(report: dict) -> str:
    weight = report["page_weight"]
    script = weight["script"]
    lines = ["## Page weight", "", "| file | bytes | gzipped |", "|---|---|---|",
             _weight_row(f"page script `{script['page']['file']}`", script["page"])]  # fmt: skip
    lines += [_weight_row(f"`{name}` (only when asked for)", figures)
              for name, figures in script["on_request"].items()]  # fmt: skip
    for name, figures in weight["wasm"].items():
        loaded = " (loaded)" if name in weight["wasm_loaded"] else ""
        lines.append(_weight_row(f"`{name}`{loaded}", figures))
    quantization = weight["quantization"]
    styles = ", ".join(quantization["styles"])
    lines += ["", f"Quantization, on {quantization['squares']} squares of {styles}:", "",
              "| quantization | model bytes | gzipped | top-1 agreement with float32 | accuracy |",
              "|---|---|---|---|---|"]  # fmt: skip
    for name, model in quantization["models"].items():
        chosen = " (configured)" if name == quantization["configured"] else ""
        lines.append(f"| {name}{chosen} | {model['bytes']:,} | {model['gzip_bytes']:,} "
                     f"| {100 * model['agreement']:.2f} % "
                     f"| {100 * model['accuracy']:.2f} % |")  # fmt: skip
    return "\n".join(lines)


def _backend_row(title: str, entry: dict) -> str:
    if "error" in entry:
        return f"| {title} | not measured: {entry['error']} | | | | | | |"
    features = f"{entry['backend']}: {entry['features']}" if entry["features"] else entry["backend"]
    return (f"| {title} | {entry['runtime']} | {features} | {entry['batch']} "
            f"| {_ms(entry['warmup_ms'])} | {_ms(entry['squares_ms']['median'])} "
            f"| {_ms(entry['board_ms']['median'])} "
            f"| {entry['camera_frames_per_s']['median']:.1f} frames/s |")  # fmt: skip


def _weight_row(title: str, figures: dict) -> str:
    return f"| {title} | {figures['bytes']:,} | {figures['gzip_bytes']:,} |"
