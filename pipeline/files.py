"""File writing that readers can rely on."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old file or the new one, never a part of either."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def fresh_directory(target: Path) -> Path:
    """An empty sibling of `target` to build into before `replace_directory`.

    Leftovers of a killed build go first; the build lock guarantees no live build owns them.
    """
    for pattern in (f".{target.name}.new-*", f".{target.name}.old-*"):
        for leftover in target.parent.glob(pattern):
            shutil.rmtree(leftover, ignore_errors=True)
    staging = target.with_name(f".{target.name}.new-{os.getpid()}")
    staging.mkdir(parents=True)
    return staging


def replace_directory(new: Path, target: Path) -> None:
    """Puts directory `new` in the place of `target` (two renames, no copying), so a reader
    never finds files of two builds mixed in it."""
    retired = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        os.replace(target, retired)
    os.replace(new, target)
    shutil.rmtree(retired, ignore_errors=True)


def digest_files(files: list[Path], root: Path | None = None) -> str:
    """A short content hash of files (names, or paths under `root`, and bytes), for
    content-addressed names."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root) if root else path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]



def code_digest(*modules, files=()) -> str:
    """A digest of `modules`' source and of `files` (None among them: none), for a task's
    `config_changed`: a stage whose code changed is stale as much as one whose input did. By
    content, not path: the same code imported from another place (an installed copy, another
    checkout) is the same code."""
    paths = [Path(module.__file__) for module in modules] + [Path(f) for f in files if f]
    return digest_files(paths)
