"""Builders shared by the tests: small checkpoints and throw-away copies of the project."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# A comma and Japanese: class names must survive every stage byte for byte.
# What a new model reruns, sorted: every model stage and the publishing, not the web app.
MODEL_TASKS = ["convert", "freeze", "site", "tflite"]
LABELS = ["cat", "dog, big", "鳥", "fish"]
INPUT_SIZE = 64
ALPHA = 0.35
BATCH_SIZE = 8


def save_random_checkpoint(directory: Path, *, seed: int, step: int, labels=LABELS) -> Path:
    """A checkpoint of the configured network with seeded random weights, including
    BatchNorm moving statistics far from their initial values (so that running the network
    in training mode would visibly differ from inference mode) and a final layer scaled up
    so that its answers are clear-cut."""
    import keras
    import numpy as np

    from pipeline import checkpoints
    from pipeline.network import build_classifier

    keras.utils.set_random_seed(seed)
    model = build_classifier("mobilenet_v2", ALPHA, (INPUT_SIZE, INPUT_SIZE, 3), len(labels))
    scatter_moving_statistics(model, np.random.default_rng(seed))
    # confident outputs, so that top-1 comparisons are not decided by rounding
    kernel = model.get_layer("logits").kernel
    kernel.assign(kernel * 40.0)
    return checkpoints.save(directory, model, step, list(labels))


def scatter_moving_statistics(model, rng) -> None:
    """BatchNorm moving statistics far from their initial values: running the network in
    training mode then visibly differs from inference mode, and a random network's answers
    are clear-cut."""
    for variable in model.variables:
        if "moving_mean" in variable.path:
            variable.assign(rng.normal(0, 0.5, variable.shape).astype("float32"))
        elif "moving_variance" in variable.path:
            variable.assign(rng.uniform(0.5, 2.0, variable.shape).astype("float32"))


def step_of(prefix) -> int:
    """The step in a checkpoint's name (`ckpt-12` -> 12)."""
    return int(Path(prefix).name.rsplit("-", 1)[1])


def restore_test_checkpoint(project: Project) -> None:
    """Makes the first test checkpoint (seed 1, LABELS) the newest again, after a test that
    put another model in place."""
    from pipeline import checkpoints

    step = step_of(checkpoints.latest_prefix(project.checkpoint_dir))
    save_random_checkpoint(project.checkpoint_dir, seed=1, step=step + 1)


# What TensorFlow prints on start-up on a machine without a GPU; a user reads it as errors.
CHATTER = re.compile(
    r"Unable to register|already registered|cuInit|computation placer|absl::InitializeLog"
    r"|cuda drivers|eligible GPUs|Starting new session"
)


def assert_no_chatter(output: str) -> None:
    assert not CHATTER.search(output), output


@dataclass
class Run:
    returncode: int
    output: str
    executed: list[str]
    up_to_date: list[str]


_TASK_LINE = re.compile(r"^(?P<mark>\.|--)\s+(?P<name>[\w:-]+)\s*$", re.MULTILINE)


@dataclass
class Project:
    """A copy of the project in a temporary directory, set to build a test checkpoint."""

    root: Path

    @property
    def checkpoint_dir(self) -> Path:
        return self.root / "checkpoints"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    def doit(self, *arguments: str, check: bool = True, timeout: float = 900) -> Run:
        completed = subprocess.run(
            [sys.executable, "-m", "doit", *arguments],
            cwd=self.root,
            env=clean_environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output = completed.stdout + completed.stderr
        if check and completed.returncode != 0:
            raise AssertionError(f"doit {' '.join(arguments)} failed:\n{output}")
        marks = [(match["mark"], match["name"]) for match in _TASK_LINE.finditer(completed.stdout)]
        return Run(
            completed.returncode,
            output,
            executed=[name for mark, name in marks if mark == "."],
            up_to_date=[name for mark, name in marks if mark == "--"],
        )


def clean_environment() -> dict:
    environment = dict(os.environ)
    environment.pop("MODELSITE_CONFIG", None)
    environment["PYTHONUNBUFFERED"] = "1"  # tests follow a build's progress line by line
    return environment


def copy_project(destination: Path) -> Project:
    """Copies what a clone holds (no build outputs, no node_modules) and points the settings
    at a checkpoint directory inside the copy."""
    ignore = shutil.ignore_patterns("node_modules", "__pycache__", "*.egg-info", "dist")
    destination.mkdir(parents=True, exist_ok=True)
    for name in ("dodo.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, destination / name)
    for name in ("pipeline", "web"):
        shutil.copytree(ROOT / name, destination / name, ignore=ignore)
    project = Project(destination)
    for key, value in {
        "model_source": '"checkpoints"',
        "alpha": str(ALPHA),
        "input_size": str(INPUT_SIZE),
        "batch_size": str(BATCH_SIZE),
        "output_dir": '"artifacts"',
        "quantization": '"none"',
    }.items():
        set_setting(project, key, value)
    return project


def set_setting(project: Project, key: str, value: str | None) -> None:
    """Sets one `[tool.modelsite]` setting of the copy's pyproject.toml (`value` as TOML),
    adding it if it is not there; None takes it out."""
    path = project.root / "pyproject.toml"
    text = path.read_text("utf-8")
    # only inside [tool.modelsite]: [project] has keys of the same names
    start = text.index("[tool.modelsite]\n")
    following = re.compile(r"^\[", re.MULTILINE).search(text, start + 1)
    end = following.start() if following else len(text)
    table = text[start:end]
    line = re.compile(rf"^{key} = .*\n", re.MULTILINE)
    if value is None:
        table = line.sub("", table, count=1)
    elif line.search(table):
        table = line.sub(lambda _: f"{key} = {value}\n", table, count=1)
    else:
        table = f"{table.rstrip()}\n{key} = {value}\n\n"
    path.write_text(text[:start] + table + text[end:], encoding="utf-8")


@contextlib.contextmanager
def changed_settings(project: Project, **settings: str | None):
    """The copy's `[tool.modelsite]` settings changed (values as TOML, None: taken out) for
    the duration, then its pyproject.toml as it was."""
    path = project.root / "pyproject.toml"
    before = path.read_text(encoding="utf-8")
    try:
        for key, value in settings.items():
            set_setting(project, key, value)
        yield
    finally:
        path.write_text(before, encoding="utf-8")


def config_for(checkpoint_dir: Path, output_dir: Path, **changes):
    """The project's settings, pointed at a test checkpoint and a scratch output directory."""
    import dataclasses

    from pipeline import config as settings

    base = settings.load(ROOT)
    # a classifier like most: its classes say nothing of a half turn
    settings_for_tests = {"alpha": ALPHA, "input_height": INPUT_SIZE, "input_width": INPUT_SIZE,
                          "batch_size": BATCH_SIZE, "quantization": "none",
                          "half_turn": None}  # fmt: skip
    return dataclasses.replace(
        base,
        model_source=Path(checkpoint_dir),
        output_dir=Path(output_dir),
        **{**settings_for_tests, **changes},
    )


def frozen_random_model(base: Path, *, seed: int, step: int):
    """A random checkpoint under `base`, frozen into its settings' frozen_dir; the settings."""
    from pipeline import freeze

    save_random_checkpoint(base / "checkpoints", seed=seed, step=step)
    config = config_for(base / "checkpoints", base / "artifacts")
    freeze.freeze(config, config.frozen_dir / "model.pb", config.frozen_dir / "model-info.json")
    return config


def sample_pixels(count: int, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    return rng.uniform(0, 255, (count, INPUT_SIZE, INPUT_SIZE, 3)).astype("float32")


def sure_and_doubtful_squares(labels: list[str], size: int):
    """40 shogi squares: 20 drawn from the project's CC0 pieces, which the default model is
    sure of, then 20 with two pieces drawn over each other, which no model should be."""
    import numpy as np

    from pipeline.shogi import data as shogi_data

    squares, _ = shogi_data.random_squares(shogi_data.load_pieces(), shogi_data.load_boards(),
                                           labels, 40, size, np.random.default_rng(5))  # fmt: skip
    return np.concatenate([squares[:20], (squares[:20] + squares[20:]) / 2]).astype("float32")


def run_tfjs(project, pixels, model_dir=None) -> dict:
    """A converted model (the project's, or the one in `model_dir`) run on `pixels` by
    TF.js on its WASM backend, in the project's Node: {"backend", "logits", "labels"}."""
    import numpy as np

    from pipeline.shogi.bench.weight import TFJS_PREDICT

    pixels_path = project.root / "pixels.f32"
    pixels_path.write_bytes(np.ascontiguousarray(pixels, dtype="<f4").tobytes())
    completed = subprocess.run(
        [
            str(project.artifacts / "node" / "bin" / "node"),
            str(TFJS_PREDICT),
            str(project.root / "web"),
            str(model_dir or project.artifacts / "tfjs"),
            str(pixels_path),
            str(len(pixels)),
            str(pixels.shape[1]),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def ready_page(browser, url: str):
    """A new tab on `url`, once its model is loaded and warmed up."""
    page = browser.new_page()
    page.goto(url)
    page.wait_for_selector("#model-status[data-state=ready]", timeout=120_000)
    return page


def labels_when_done(page, count: int, timeout: int = 120_000) -> list[str]:
    """The top-1 label of each listed image, once all `count` of them are classified."""
    page.wait_for_function(
        f"document.querySelectorAll('#results > li[data-state=done]').length === {count}",
        timeout=timeout,
    )
    return page.eval_on_selector_all("#results > li", "items => items.map(i => i.dataset.label)")


@contextlib.contextmanager
def serving(project: Project, output: list[str] | None = None):
    """`doit serve` on a free port for the duration; yields its base URL. What it prints goes
    into `output`, if given."""
    process = subprocess.Popen(
        [sys.executable, "-m", "doit", "serve", "--port", "0"],
        cwd=project.root,
        env=clean_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines, url = [] if output is None else output, None
    deadline = time.monotonic() + 600
    while url is None and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        match = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        url = match and match[1]
    if url is None:
        process.kill()
        raise AssertionError("doit serve did not start:\n" + "".join(lines))
    # keep reading, so that a chatty rebuild never blocks on a full pipe
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def start_build(project: Project, *arguments: str, output=subprocess.PIPE) -> subprocess.Popen:
    """`doit` running in the background, its report readable line by line."""
    return subprocess.Popen(
        [sys.executable, "-m", "doit", *arguments],
        cwd=project.root,
        env=clean_environment(),
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )
