"""The code passes its linters: ruff for Python, the TypeScript compiler in strict mode; and
the tool stands apart from its shogi showcase."""

from __future__ import annotations

import ast
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


def imported_modules(path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return modules


def test_the_tool_never_imports_its_shogi_showcase():
    """pipeline/ outside pipeline/shogi/, and web/src/ outside its apps/, work for any model:
    the board reader is built on them, never a part of them (only dodo.py and the page's app
    list name it)."""
    tool = [path for path in (ROOT / "pipeline").rglob("*.py")
            if "shogi" not in path.relative_to(ROOT / "pipeline").parts]  # fmt: skip
    assert len(tool) >= 15
    for path in tool:
        shogi = {name for name in imported_modules(path) if name.startswith("pipeline.shogi")}
        assert not shogi, f"{path} imports {shogi}"
    page = {path.name: path for path in (ROOT / "web" / "src").glob("*.ts")}
    specifiers = {
        name: re.findall(r"(?:from|import)\s*\(?\s*'([^']+)'", path.read_text("utf-8"))
        for name, path in page.items()
    }
    assert "./apps/apps" in specifiers["main.ts"]  # the one way to the apps
    for name, imported in specifiers.items():
        assert not [module for module in imported if "shogi" in module], name
