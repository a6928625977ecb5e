"""Build state survives overlapping, interrupted and killed builds."""

from __future__ import annotations

import fcntl
import os
import signal
import time

import pytest
from support import save_random_checkpoint, start_build


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


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_a_stopped_build_keeps_the_tasks_it_finished(project, stop):
    save_random_checkpoint(project.checkpoint_dir, seed=60 + stop, step=60 + stop)
    build = start_build(project)
    lines = []
    for line in build.stdout:
        lines.append(line)
        if line.strip() == ".  convert":  # freeze has finished
            os.kill(build.pid, stop)
            break
    lines.extend(build.stdout)
    assert build.wait(timeout=300) != 0, "".join(lines)

    again = project.doit()
    assert "freeze" in again.up_to_date, again.output
    assert sorted(again.executed) == ["convert", "site"]
