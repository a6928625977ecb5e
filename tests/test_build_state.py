"""Build state survives overlapping, interrupted and killed builds."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from stop_point import run_doit
from support import clean_environment, save_random_checkpoint, start_build

TESTS = Path(__file__).parent

# Each stop comes at a known point, so a case passes or fails the same way every time;
# STOP_REPEATS=20 runs each that many times to show it (a matter of minutes, not for CI).
REPEATS = range(int(os.environ.get("STOP_REPEATS", "1")))

# Where a build is when it is stopped -> the record it leaves of the tasks it was
# running or had finished: up to date, or still to run.
STOP_POINTS = {
    "freeze": {"freeze": "to run"},
    "between freeze and convert": {"freeze": "up to date", "convert": "to run"},
    "convert": {"freeze": "up to date", "convert": "to run"},
    "webpack": {"convert": "up to date", "bundle": "to run"},
}


def test_a_second_build_waits_for_the_first(project):
    lock_path = project.artifacts / "doit-state.sqlite3.lock"
    with open(lock_path, "a+") as held:  # what a running build holds
        fcntl.flock(held, fcntl.LOCK_EX)
        build = start_build(project)
        time.sleep(3)
        assert build.poll() is None, build.stdout.read()
        fcntl.flock(held, fcntl.LOCK_UN)
        output, _ = build.communicate(timeout=300)
    assert build.returncode == 0, output
    assert "build state in use" in output and "waiting" in output


def _make_stale(project, point: str, seed: int) -> None:
    if point == "webpack":
        main = project.root / "web" / "src" / "main.ts"
        main.write_text(main.read_text(encoding="utf-8") + f"\n// edit {seed}\n", "utf-8")
    else:
        save_random_checkpoint(project.checkpoint_dir, seed=seed, step=seed)


def _build_held_at(project, point: str, reached: Path) -> subprocess.Popen:
    environment = {
        **clean_environment(),
        "PYTHONPATH": str(TESTS),
        "NODE_OPTIONS": f"--require {TESTS / 'stop_point.cjs'}",
        "STOP_POINT": point,
        "STOP_POINT_REACHED": str(reached),
    }
    build = subprocess.Popen(
        run_doit, cwd=project.root, env=environment, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not reached.exists():
        if build.poll() is not None or time.monotonic() > deadline:
            build.kill()
            pytest.fail(f"the build never reached {point}:\n{build.communicate()[0]}")
        time.sleep(0.02)
    return build


def _status(project) -> dict[str, str]:
    """What `doit list --status` says of each task (without running any)."""
    words = {"U": "up to date", "R": "to run"}
    listing = project.doit("list", "--status").output.splitlines()
    return {line.split()[1]: words[line[0]] for line in listing if line[:1] in words}


def _published(project) -> dict[str, bytes]:
    site = project.artifacts / "site"
    return {name: (site / name).read_bytes() for name in ("index.html", "manifest.json")}


@pytest.mark.parametrize("repeat", REPEATS)
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
@pytest.mark.parametrize("point", STOP_POINTS)
def test_a_stopped_build_stops_and_keeps_only_the_tasks_it_finished(
    built_project, tmp_path, point, stop, repeat
):
    # Each case starts where the one before stopped: whatever that left to run runs first.
    project, _ = built_project
    _make_stale(project, point, seed=1000 + 100 * repeat + 10 * stop + len(point))
    before = _published(project)
    build = _build_held_at(project, point, tmp_path / "reached")
    os.kill(build.pid, stop)
    output, _ = build.communicate(timeout=300)

    assert build.returncode != 0, output
    assert f"doit: stopped by {stop.name}; the tasks that finished are kept." in output
    assert "Traceback" not in output, output
    assert _published(project) == before
    assert not list(project.artifacts.glob(".*.new-*")), "a stopped task left its staging"
    expected, status = STOP_POINTS[point], _status(project)
    assert {task: status[task] for task in expected} == expected


def test_a_killed_build_keeps_the_tasks_it_finished(project, tmp_path):
    save_random_checkpoint(project.checkpoint_dir, seed=69, step=69)
    build = _build_held_at(project, "between freeze and convert", tmp_path / "reached")
    os.kill(build.pid, signal.SIGKILL)
    build.communicate(timeout=300)
    assert build.returncode == -signal.SIGKILL

    again = project.doit()
    # freeze is kept; the TFLite stage may have run before the kill (doit orders independent
    # stages as it likes)
    assert "freeze" not in again.executed, again.output
    assert {"convert", "site"} <= set(again.executed) <= {"convert", "tflite", "site"}, again.output
