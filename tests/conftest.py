from __future__ import annotations

import pytest
from support import Project, copy_project, save_random_checkpoint


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> tuple[Project, list[str]]:
    """The project copied and built once from a test checkpoint; also the tasks that the
    first build ran. Tests that change it bring it up to date again themselves."""
    project = copy_project(tmp_path_factory.mktemp("project"))
    save_random_checkpoint(project.checkpoint_dir, seed=1, step=1)
    first = project.doit()
    return project, first.executed


@pytest.fixture
def project(built_project) -> Project:
    project, _ = built_project
    project.doit()  # whatever an earlier test changed, start from an up-to-date build
    return project
