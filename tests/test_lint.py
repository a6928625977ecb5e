"""The code passes its linters: ruff for Python, the TypeScript compiler in strict mode."""

from __future__ import annotations

import re
import subprocess
import sys

from support import ROOT, clean_environment

PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_ruff_finds_nothing():
    completed = subprocess.run(
        [sys.executable, "-m", "ruff", "check", str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_typescript_type_checks():
    # The project's own node task provides the compiler (web/node_modules, artifacts/node).
    subprocess.run(
        [sys.executable, "-m", "doit", "node"],
        cwd=ROOT,
        env=clean_environment(),
        capture_output=True,
        check=True,
    )
    completed = subprocess.run(
        [str(ROOT / "artifacts" / "node" / "bin" / "node"), "node_modules/typescript/bin/tsc",
         "--noEmit", "-p", "."],
        cwd=ROOT / "web",
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_code_needs_nothing_newer_than_the_oldest_python_it_supports():
    # CI runs one Python; vermin reads the code for what each other version lacks.
    [oldest] = re.findall(r'^requires-python = ">=(3\.\d+),', PYPROJECT, flags=re.MULTILINE)
    completed = subprocess.run(
        [sys.executable, "-c", "import sys, vermin; sys.exit(vermin.main())",
         f"--target={oldest}-", "--violations", "--no-tips",
         "--eval-annotations", "pipeline", "tests", "dodo.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
