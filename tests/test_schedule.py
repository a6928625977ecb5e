"""The scheduled rebuilds the README documents run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from support import ROOT, clean_environment, save_random_checkpoint

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCUMENTED_ROOT = "/srv/modelsite"


def in_project(command: str, project) -> str:
    return command.replace(DOCUMENTED_ROOT, str(project.root))


def with_venv(project):
    """The documented commands call `.venv/bin/doit`: give the copy the test's environment."""
    venv = project.root / ".venv"
    if not venv.exists():
        os.symlink(sys.prefix, venv)


def test_the_cron_line_rebuilds_after_a_retrain(project):
    [line] = re.findall(r"^\*/15 \* \* \* \* (.+)$", README, flags=re.MULTILINE)
    with_venv(project)
    save_random_checkpoint(project.checkpoint_dir, seed=80, step=80)
    log = project.artifacts / "rebuild.log"
    log.unlink(missing_ok=True)
    subprocess.run(["sh", "-c", in_project(line, project)], env=clean_environment(), check=True)
    report = log.read_text(encoding="utf-8")
    for task in ("freeze", "convert", "tflite", "site"):
        assert f".  {task}" in report
    assert project.doit().executed == []


def test_the_systemd_service_runs_the_build_in_its_working_directory(project):
    directory = re.search(r"^WorkingDirectory=(.+)$", README, flags=re.MULTILINE)[1]
    command = re.search(r"^ExecStart=(.+)$", README, flags=re.MULTILINE)[1]
    with_venv(project)
    save_random_checkpoint(project.checkpoint_dir, seed=81, step=81)
    completed = subprocess.run(
        in_project(command, project).split(),
        cwd=in_project(directory, project),
        env=clean_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert ".  site" in completed.stdout
