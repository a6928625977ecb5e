"""Bad input fails the build with a message naming the file and the cause, and the site
that was published before stays exactly as it was."""

from __future__ import annotations

import re
import shutil

import pytest
from support import set_setting

from pipeline import checkpoints


def published(project) -> dict:
    site = project.artifacts / "site"
    return {
        str(path.relative_to(site)): path.read_bytes()
        for path in sorted(site.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def damaged(built_project, tmp_path):
    """Yields the built project; afterwards puts back its checkpoints, settings and web
    sources. It is not brought up to date in between: a task that failed in one case just
    runs again in the next, and the site published before stays the one to compare with."""
    project, _ = built_project
    saved = {
        "checkpoints": project.checkpoint_dir,
        "web-src": project.root / "web" / "src",
    }
    for name, path in saved.items():
        shutil.copytree(path, tmp_path / name)
    settings = (project.root / "pyproject.toml").read_text(encoding="utf-8")
    try:
        yield project
    finally:
        for name, path in saved.items():
            shutil.rmtree(path)
            shutil.copytree(tmp_path / name, path)
        (project.root / "pyproject.toml").write_text(settings, encoding="utf-8")


def newest_data(project):
    """The data shard of the checkpoint a build reads (earlier tests may have left others)."""
    _, data = checkpoints.files_of(checkpoints.latest_prefix(project.checkpoint_dir))
    return data


def damage_data(project):
    data = newest_data(project)
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])


def corrupt_data(project):
    data = newest_data(project)
    content = bytearray(data.read_bytes())
    content[1000:2000] = b"x" * 1000
    data.write_bytes(bytes(content))


def point_index_elsewhere(project):
    (project.checkpoint_dir / "checkpoint").write_text('model_checkpoint_path: "ckpt-999"\n')


def break_types(project):
    main = project.root / "web" / "src" / "main.ts"
    main.write_text(main.read_text("utf-8") + "\nconst broken: number = 'text';\n", "utf-8")


CASES = {
    "no checkpoint": (
        lambda p: (p.checkpoint_dir / "checkpoint").unlink(),
        r"checkpoints/checkpoint: no checkpoint index file",
    ),
    "truncated checkpoint": (damage_data, r"ckpt-\d+: damaged, not a whole checkpoint"),
    "corrupted checkpoint": (
        corrupt_data,
        r"ckpt-\d+: damaged, not a whole checkpoint \(.*Checksum does not match",
    ),
    "index names a missing checkpoint": (
        point_index_elsewhere,
        r"checkpoints/checkpoint: points to .*ckpt-999, whose \.index file is missing",
    ),
    "fewer labels than classes": (
        lambda p: (p.checkpoint_dir / "labels.txt").write_text("a\nb\nc\n"),
        r"ckpt-\d+: does not fit the configured network",
    ),
    "empty labels": (
        lambda p: (p.checkpoint_dir / "labels.txt").write_text(""),
        r"labels\.txt: empty",
    ),
    "duplicate labels": (
        lambda p: (p.checkpoint_dir / "labels.txt").write_text("a\nb\na\nc\n"),
        r"labels\.txt:3: duplicate label 'a'",
    ),
    "another width in the settings": (
        lambda p: set_setting(p, "alpha", "0.5"),
        r"ckpt-\d+: does not fit the configured network",
    ),
    "another network in the settings": (
        lambda p: set_setting(p, "architecture", '"mobilenet_v3_small"'),
        r"ckpt-\d+: does not fit the configured network",
    ),
    "unknown architecture": (
        lambda p: set_setting(p, "architecture", '"vgg99"'),
        (r"pyproject\.toml: \[tool\.modelsite\] architecture = 'vgg99' should be one of"
         r" \('mobilenet_v2', 'mobilenet_v3_small', .*'resnet50'\)"),
    ),
    "a width for a network without one": (
        lambda p: set_setting(p, "architecture", '"resnet50"'),
        (r"pyproject\.toml: \[tool\.modelsite\] alpha = 0\.\d+ is a width multiplier,"
         r" which resnet50 does not have"),
    ),
    "model source is a file of another kind": (
        lambda p: set_setting(p, "model_source", '"pyproject.toml"'),
        r"pyproject\.toml: a file, but model_source names a checkpoint directory, a \.keras file",
    ),
    "a square and a rectangular input at once": (
        lambda p: set_setting(p, "input_height", "48"),
        r"pyproject\.toml: \[tool\.modelsite\] gives input_size and input_height or input_width",
    ),
    "grey images for a keras.applications network": (
        lambda p: set_setting(p, "channels", "1"),
        (r"pyproject\.toml: \[tool\.modelsite\] channels = 1 should be 3: mobilenet_v2 takes"
         r" RGB images"),
    ),
    "a .keras file that is not one": (
        lambda p: (
            (p.root / "broken.keras").write_bytes(b"PK not a zip"),
            (p.root / "labels.txt").write_text("a\nb\n"),
            set_setting(p, "model_source", '"broken.keras"'),
        ),
        r"broken\.keras: not a Keras model this Keras can load",
    ),
    "unknown quantization": (
        lambda p: set_setting(p, "quantization", '"int4"'),
        r"pyproject\.toml: \[tool\.modelsite\] quantization = 'int4' should be one of",
    ),
    "unknown app": (
        lambda p: set_setting(p, "app", '"chess-board"'),
        (r"pyproject\.toml: \[tool\.modelsite\] app = 'chess-board' should be one of"
         r" \('auto', 'none', 'shogi-board'\)"),
    ),
    "half turn of one prefix": (
        lambda p: set_setting(p, "half_turn", '["B_"]'),
        r"pyproject\.toml: \[tool\.modelsite\] half_turn = \['B_'\] should be two label prefixes",
    ),
    "type error in web/src": (break_types, r"main\.ts\(\d+,\d+\)\s+TS2322"),
    "a sample image that is not one": (
        lambda p: (p.root / "web/src/apps/shogi-board/samples/board-2.png").write_bytes(b"no PNG"),
        r"samples/board-2\.png: not an image a thumbnail can be made of",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_reported_and_the_site_is_kept(damaged, case):
    project = damaged
    before = published(project)
    damage, message = CASES[case]
    damage(project)
    run = project.doit(check=False)
    assert run.returncode != 0
    assert re.search(message, run.output), run.output
    assert "Traceback" not in run.output
    assert published(project) == before
