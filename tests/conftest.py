from __future__ import annotations

import pytest
from support import Project, copy_project, save_random_checkpoint

from pipeline.bench import CHROMIUM
from pipeline.bench.browser import CHROMIUM_ARGS


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


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as error:
            pytest.fail(f"cannot start {CHROMIUM} (Debian package chromium): {error}")
        yield browser
        browser.close()
