"""Build timings, in a throw-away copy of the project (the user's artifacts stay as they are):
Node set-up, a cold build, a no-op `doit`, a new checkpoint and a web/src change each through
to the site, and beside them the naive chain that redoes everything every time."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from pipeline import checkpoints, freeze, sources
from pipeline import config as settings
from pipeline.files import write_atomically
from pipeline.shogi.bench import BenchError
from pipeline.shogi.bench.timing import interleaved, seconds, summary

_TASK_LINE = re.compile(r"^\.\s+(?P<name>[\w:-]+)\s*$", re.MULTILINE)
# One edit that changes the page's script (a comment alone would not: webpack drops it).
_EDIT = "document.documentElement.dataset.edit = '{number}';\n"
# `=*` (every weight): the converter's flag takes an optional value, and would take the next
# argument for it
_CONVERTER_FLAGS = {
    "none": [],
    "float16": ["--quantize_float16=*"],
    "uint8": ["--quantize_uint8=*"],
}


def copy_project(config: settings.Config, destination: Path) -> settings.Config:
    """Copies what a clone holds (no build outputs, no node_modules) and a snapshot of the
    newest checkpoint, with the settings of `config` pointed into the copy."""
    ignore = shutil.ignore_patterns("node_modules", "__pycache__", "*.egg-info", "dist")
    destination.mkdir(parents=True)
    shutil.copy2(config.root / "dodo.py", destination / "dodo.py")
    for name in ("pipeline", "web"):
        shutil.copytree(config.root / name, destination / name, ignore=ignore)
    (destination / "checkpoints").mkdir()
    sources.snapshot(config.model_source, destination / "checkpoints")
    values = {
        **settings.settings_of(config, "architecture", "alpha", "input_size", "quantization",
                               "shard_size_bytes", "batch_size", "serve_host", "serve_port"),
        "model_source": "checkpoints",
        "output_dir": "artifacts",
    }  # fmt: skip
    table = "".join(f"{name} = {json.dumps(value)}\n" for name, value in values.items())
    (destination / "pyproject.toml").write_text(f"[tool.modelsite]\n{table}", encoding="utf-8")
    return dataclasses.replace(config, root=destination, model_source=destination / "checkpoints",
                               output_dir=destination / "artifacts")  # fmt: skip


def doit(root: Path, *arguments: str) -> list[str]:
    """Runs `doit` in the copy as a user would; returns the tasks it ran."""
    return _TASK_LINE.findall(_run([sys.executable, "-m", "doit", *arguments], root))


def _run(command: list[str], cwd: Path) -> str:
    # the copy's own pyproject.toml, whatever settings file this process was given
    environment = {key: value for key, value in os.environ.items() if key != settings.CONFIG_ENV}
    # tensorflowjs's converter greets through IPython when stdout is not a terminal, and fails
    environment["TFDF_DISABLE_WELCOME_MESSAGE"] = "1"
    completed = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True,
                               check=False)  # fmt: skip
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr).strip()
        raise BenchError(f"`{' '.join(command)}` failed in {cwd}:\n{output[-3000:]}")
    return completed.stdout


def second_checkpoint(config: settings.Config) -> tuple[bytes, bytes]:
    """Saves the newest checkpoint again with its last layer changed, as a new step, and
    leaves the index file naming the old one. Returns the index file naming the old one and
    the one naming the new, to switch between them."""
    from pipeline.quiet import import_tensorflow

    import_tensorflow()
    import keras

    from pipeline.network import build_classifier

    index = config.model_source / checkpoints.INDEX_NAME
    before = index.read_bytes()
    labels = checkpoints.read_labels(config.model_source / checkpoints.LABELS_NAME)
    keras.backend.clear_session()
    model = build_classifier(config.architecture, config.alpha, config.input_shape, len(labels))
    step = checkpoints.restore(checkpoints.latest_prefix(config.model_source), model)
    kernel = model.get_layer("logits").kernel
    kernel.assign(kernel * 1.01)
    checkpoints.save(config.model_source, model, step + 1, labels)
    after = index.read_bytes()
    write_atomically(index, before)  # the builds start from the newest checkpoint as it was
    return before, after


class Timings:
    """The copy and the builds run in it; every build checks which tasks ran."""

    def __init__(self, config: settings.Config):
        self.config = config
        self.root = config.root
        self.index = config.model_source / checkpoints.INDEX_NAME
        self.indexes = second_checkpoint(config)
        self.edits = 0
        self.ran: dict[str, list[str]] = {}

    def _build(self, name: str, expected: set[str], *arguments: str) -> None:
        ran = doit(self.root, *arguments)
        if not expected <= set(ran):
            raise BenchError(f"{name}: expected tasks {sorted(expected)} to run, ran {ran}")
        self.ran[name] = ran

    def node_setup(self) -> float:
        return seconds(lambda: self._build("node_setup", {"node"}, "node"))

    def cold(self) -> float:
        """The whole build but the Node set-up, from nothing."""
        doit(self.root, "clean", "freeze", "convert", "tflite", "bundle", "site")
        return seconds(
            lambda: self._build("cold", {"freeze", "convert", "tflite", "bundle", "site"})
        )

    def no_op(self) -> float:
        return seconds(lambda: self._build("no_op", set()))

    def new_checkpoint(self) -> float:
        self.indexes = self.indexes[::-1]
        write_atomically(self.index, self.indexes[0])
        return seconds(lambda: self._build("new_checkpoint", {"freeze", "convert", "tflite", "site"}))

    def web_change(self) -> float:
        self.edits += 1
        main = self.config.web_dir / "src" / "main.ts"
        main.write_text(main.read_text(encoding="utf-8") + _EDIT.format(number=self.edits),
                        encoding="utf-8")  # fmt: skip
        return seconds(lambda: self._build("web_change", {"bundle", "site"}))

    def naive_chain(self) -> float:
        """What a script without doit would do for a new checkpoint: freeze in a new Python,
        the converter's command line, the TFLite models in a new Python (TFLite's command line
        takes no frozen graph), and webpack, all four every time."""
        out = self.root / "naive"
        freezing = (f"from pathlib import Path; from pipeline import config, freeze; "
                    f"freeze.freeze(config.load(), Path({str(out / 'model.pb')!r}), "
                    f"Path({str(out / 'model-info.json')!r}))")  # fmt: skip
        to_tflite = (f"from pathlib import Path; from pipeline import config, tflite; "
                     f"tflite.convert(config.load(), Path({str(out / 'model.pb')!r}), "
                     f"Path({str(out / 'model-info.json')!r}), Path({str(out / 'tflite')!r}))")  # fmt: skip
        converter = Path(sys.executable).with_name("tensorflowjs_converter")
        node = self.config.node_dir / "bin" / "node"
        steps = [
            ([sys.executable, "-c", freezing], self.root),
            ([str(converter), "--input_format=tf_frozen_model",
              f"--output_node_names={','.join(freeze.OUTPUT_NAMES)}",
              f"--weight_shard_size_bytes={self.config.shard_size_bytes}",
              *_CONVERTER_FLAGS[self.config.quantization], str(out / "model.pb"),
              str(out / "tfjs")], self.root),
            ([sys.executable, "-c", to_tflite], self.root),
            ([str(node), "node_modules/webpack/bin/webpack.js", "--env",
              f"outputDir={out / 'bundle'}"], self.config.web_dir),
        ]  # fmt: skip
        shutil.rmtree(out, ignore_errors=True)
        return seconds(lambda: [_run(command, cwd) for command, cwd in steps])


def measure(config: settings.Config, scratch: Path, runs: int) -> dict:
    """Every build timing, in seconds; the rebuilds and the naive chain side by side."""
    timings = Timings(copy_project(config, Path(scratch) / "project"))
    node_setup = timings.node_setup()
    cold = [timings.cold() for _ in range(runs)]
    samples = interleaved(
        runs,
        {
            "new_checkpoint": timings.new_checkpoint,
            "naive_chain": timings.naive_chain,
            "web_change": timings.web_change,
            "no_op": timings.no_op,
        },
    )
    return {
        "node_setup_s": summary([node_setup]),
        "cold_s": summary(cold),
        **{f"{name}_s": summary(values) for name, values in samples.items()},
        "tasks_run": timings.ran,
    }
