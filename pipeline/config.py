"""The project's settings: the `[tool.modelsite]` table of pyproject.toml."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib

from pipeline import sources
from pipeline.errors import BuildError
from pipeline.network import ARCHITECTURES, PLUGIN

QUANTIZATIONS = ("none", "float16", "uint8")
RUNTIMES = ("tfjs", "litert")

# Lets a caller (a test, a CI job) build with another settings file without editing this one.
CONFIG_ENV = "MODELSITE_CONFIG"


class ConfigError(BuildError):
    """A settings file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Config:
    root: Path
    # a checkpoint directory, a .keras file or a SavedModel directory (pipeline/sources.py)
    model_source: Path
    output_dir: Path
    quantization: str
    shard_size_bytes: int
    batch_size: int
    serve_host: str
    serve_port: int
    # The network a checkpoint's weights belong to, and its input; the other kinds of model
    # source carry their own (these stay empty for them).
    architecture: str = ""
    alpha: float = 1.0
    input_height: int = 0
    input_width: int = 0
    channels: int = 3
    # the two label prefixes a half turn of the image swaps (pipeline/half_turn.py); None:
    # the model is read upright only
    half_turn: tuple[str, str] | None = None
    # the page's title and the sentence under it
    title: str = "In-browser image classifier"
    description: str = ""
    # the page's app above the generic classifier: a folder of web/src/apps, "none", or
    # "auto" (the app whose labels the model has, if any)
    app: str = "auto"
    # what runs the model in the page: "tfjs" (the graph model) or "litert" (the TFLite
    # models); the page's ?runtime= overrides it
    runtime: str = "tfjs"
    # a plugin network's keyword arguments ([tool.modelsite.network]), as sorted pairs
    network_options: tuple[tuple[str, object], ...] = ()

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (self.input_height, self.input_width, self.channels)

    @property
    def input_size(self) -> int:
        """The side of a square input (the shogi squares are square)."""
        if self.input_height != self.input_width:
            raise ConfigError(f"the input is {self.input_height}x{self.input_width}, not square")
        return self.input_height

    @property
    def frozen_dir(self) -> Path:
        return self.output_dir / "frozen"

    @property
    def tfjs_dir(self) -> Path:
        return self.output_dir / "tfjs"

    @property
    def tflite_dir(self) -> Path:
        return self.output_dir / "tflite"

    @property
    def node_dir(self) -> Path:
        return self.output_dir / "node"

    @property
    def bundle_dir(self) -> Path:
        return self.output_dir / "bundle"

    @property
    def site_dir(self) -> Path:
        return self.output_dir / "site"

    @property
    def web_dir(self) -> Path:
        return self.root / "web"

    @property
    def apps_dir(self) -> Path:
        return self.web_dir / "src" / "apps"


def _field(table: dict, name: str, kind: type, source: Path):
    if name not in table:
        raise ConfigError(f"{source}: [tool.modelsite] has no '{name}'")
    value = table[name]
    accepted = (int, float) if kind is float else kind  # `alpha = 1` is a float too
    # bool is an int in Python; a setting like `alpha = true` is still a mistake
    if isinstance(value, bool) or not isinstance(value, accepted):
        raise ConfigError(
            f"{source}: [tool.modelsite] {name} = {value!r} should be a {kind.__name__}"
        )
    return value


def _half_turn(table: dict, source: Path) -> tuple[str, str] | None:
    value = table.get("half_turn", [])
    if value == []:
        return None
    if not (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(prefix, str) and prefix for prefix in value)
        and not value[0].startswith(value[1])
        and not value[1].startswith(value[0])
    ):
        raise ConfigError(
            f"{source}: [tool.modelsite] half_turn = {value!r} should be two label prefixes,"
            " neither the start of the other (e.g. [\"B_\", \"W_\"]), or []"
        )
    return (value[0], value[1])


def _network_options(table: dict, source: Path) -> tuple[tuple[str, object], ...]:
    options = table.get("network", {})
    if not isinstance(options, dict):
        raise ConfigError(
            f"{source}: [tool.modelsite] network = {options!r} should be a table of the"
            " plugin network's settings ([tool.modelsite.network])"
        )
    return tuple(sorted(options.items()))


def load(root: Path | str = ".") -> Config:
    root = Path(root).resolve()
    source = Path(os.environ.get(CONFIG_ENV) or root / "pyproject.toml").resolve()
    try:
        document = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{source}: cannot read settings ({error.strerror})") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: not valid TOML ({error})") from error
    table = document.get("tool", {}).get("modelsite")
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: no [tool.modelsite] table")

    base = source.parent
    model_source = (base / _field(table, "model_source", str, source)).resolve()
    config = Config(
        root=root,
        model_source=model_source,
        output_dir=(base / _field(table, "output_dir", str, source)).resolve(),
        quantization=_field(table, "quantization", str, source),
        shard_size_bytes=_field(table, "shard_size_bytes", int, source),
        batch_size=_field(table, "batch_size", int, source),
        serve_host=_field(table, "serve_host", str, source),
        serve_port=_field(table, "serve_port", int, source),
        half_turn=_half_turn(table, source),
        network_options=_network_options(table, source),
        **{name: _field(table, name, str, source) for name in ("title", "description", "app", "runtime")
           if name in table},
        # a checkpoint holds weights only: the settings say which network they are for
        **(_network(table, source) if sources.kind_of(model_source) == sources.CHECKPOINTS
           else {}),
    )  # fmt: skip
    folders = sorted(path.name for path in config.apps_dir.glob("*") if path.is_dir())
    apps = ("auto", "none", *folders)
    checks = [
        (config.app in apps, "app", f"one of {apps}"),
        (config.quantization in QUANTIZATIONS, "quantization", f"one of {QUANTIZATIONS}"),
        (config.runtime in RUNTIMES, "runtime", f"one of {RUNTIMES}"),
        (config.shard_size_bytes > 0, "shard_size_bytes", "positive"),
        (1 <= config.batch_size <= 1024, "batch_size", "between 1 and 1024"),
        (0 <= config.serve_port <= 65535, "serve_port", "a port number"),
    ]
    _check(table, source, checks)
    return config


def _network(table: dict, source: Path) -> dict:
    """The settings of a checkpoint's network: its architecture, width and input shape."""
    architecture = _field(table, "architecture", str, source)
    application = ARCHITECTURES.get(architecture)
    if "input_size" in table:
        if "input_height" in table or "input_width" in table:
            raise ConfigError(
                f"{source}: [tool.modelsite] gives input_size and input_height or input_width;"
                " give input_size for a square input, or input_height and input_width"
            )
        height = width = _field(table, "input_size", int, source)
    else:
        height = _field(table, "input_height", int, source)
        width = _field(table, "input_width", int, source)
    network = {
        "architecture": architecture,
        "alpha": float(_field(table, "alpha", float, source) if "alpha" in table else 1.0),
        "input_height": height,
        "input_width": width,
        "channels": _field(table, "channels", int, source) if "channels" in table else 3,
    }
    # keras.applications networks take 32 pixels a side at least; a plugin knows its own
    smallest = 32 if application else 1
    size = "input_size" if "input_size" in table else "input_height"
    checks = [
        (application or PLUGIN.match(architecture), "architecture",
         f"one of {tuple(ARCHITECTURES)} or a plugin 'package.module:function'"),
        (network["alpha"] > 0, "alpha", "positive"),
        (height >= smallest, size, f"at least {smallest}"),
        (width >= smallest, "input_width" if size == "input_height" else size,
         f"at least {smallest}"),
        (network["channels"] in (1, 3), "channels", "1 (grey) or 3 (RGB)"),
        (network["channels"] == 3 or not application, "channels",
         f"3: {architecture} takes RGB images"),
    ]  # fmt: skip
    _check(table, source, checks)
    if network["alpha"] != 1.0 and not (application and application.takes_alpha):
        raise ConfigError(
            f"{source}: [tool.modelsite] alpha = {table['alpha']!r} is a width multiplier,"
            f" which {architecture} does not have (leave alpha out)"
        )
    return network


def _check(table: dict, source: Path, checks: list) -> None:
    for ok, name, expected in checks:
        if not ok:
            raise ConfigError(
                f"{source}: [tool.modelsite] {name} = {table[name]!r} should be {expected}"
            )


def settings_of(config: Config, *names: str) -> dict:
    """The named settings as plain values, for doit's `config_changed`."""
    values = {name: getattr(config, name) for name in names}
    return {name: str(value) if isinstance(value, Path) else value
            for name, value in values.items()}  # fmt: skip
