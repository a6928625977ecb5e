from __future__ import annotations

import fcntl
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import (
    ROOT,
    Project,
    Run,
    copy_project,
    restore_test_checkpoint,
    save_random_checkpoint,
)

from pipeline.shogi.bench import CHROMIUM
from pipeline.shogi.bench.browser import CHROMIUM_ARGS


class MachineShare:
    """Two workers share the machine, except while a test marked `alone` runs its body: it
    waits for the other worker's test to end and holds the next one back. Every test holds a
    shared lock from its setup to its teardown (so a module fixture built for it counts); an
    `alone` test trades it for the exclusive lock. A turnstile in front keeps the other
    worker's tests, one after another, from starving a waiting `alone` test."""

    def __init__(self, directory):
        self.turnstile = open(directory / "turnstile.lock", "a")  # noqa: SIM115 - the session's
        self.machine = open(directory / "machine.lock", "a")  # noqa: SIM115 - the session's

    def take(self, mode: int) -> None:
        fcntl.flock(self.turnstile, fcntl.LOCK_EX)
        try:
            fcntl.flock(self.machine, mode)
        finally:
            fcntl.flock(self.turnstile, fcntl.LOCK_UN)


def pytest_configure(config):
    # Under pytest-xdist each worker's base directory lies in the run's.
    if "PYTEST_XDIST_WORKER" in os.environ:
        config.machine_share = MachineShare(Path(config.option.basetemp).parent)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    share = getattr(item.config, "machine_share", None)
    if share is None:
        return (yield)
    share.take(fcntl.LOCK_SH)
    try:
        return (yield)
    finally:
        fcntl.flock(share.machine, fcntl.LOCK_UN)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    share = getattr(item.config, "machine_share", None)
    if share is None or item.get_closest_marker("alone") is None:
        return (yield)
    # Let go first: two `alone` tests, each holding its shared lock, would wait for each other.
    fcntl.flock(share.machine, fcntl.LOCK_UN)
    share.take(fcntl.LOCK_EX)
    try:
        return (yield)
    finally:
        fcntl.flock(share.machine, fcntl.LOCK_SH)


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> tuple[Project, Run]:
    """The project copied and built once from a test checkpoint; also what that first build
    did. Tests that change it bring it up to date again themselves."""
    project = copy_project(tmp_path_factory.mktemp("project"))
    save_random_checkpoint(project.checkpoint_dir, seed=1, step=1)
    first = project.doit()
    return project, first


@pytest.fixture
def project(built_project) -> Project:
    project, _ = built_project
    project.doit()  # whatever an earlier test changed, start from an up-to-date build
    return project


@dataclass
class Frozen:
    config: object  # pipeline.config.Config
    labels: list[str]
    graph: Path
    info: Path


@pytest.fixture(scope="session")
def default_frozen(tmp_path_factory) -> Frozen:
    """The shipped default checkpoint frozen as the project configures it (read both ways),
    into a scratch directory, its weights unquantized."""
    import dataclasses

    from pipeline import checkpoints, freeze
    from pipeline import config as settings

    scratch = tmp_path_factory.mktemp("default-frozen")
    config = dataclasses.replace(settings.load(ROOT), output_dir=scratch, quantization="none")
    graph, info = config.frozen_dir / "model.pb", config.frozen_dir / "model-info.json"
    freeze.freeze(config, graph, info)
    labels = checkpoints.read_labels(config.model_source / checkpoints.LABELS_NAME)
    return Frozen(config, labels, graph, info)


@dataclass
class Trained:
    project: Project
    before: str  # the newest checkpoint's name before the training
    checkpoint_dir: Path  # a copy of the checkpoint directory as the training left it
    training: Run  # `doit train --quick`
    rebuild: Run  # the plain `doit` after it
    card: str  # the model card it published
    confusion_pngs: int  # confusion matrices published with the model


@pytest.fixture(scope="session")
def quick_trained(built_project, tmp_path_factory) -> Trained:
    """`doit train --quick` once, in the built project (so it trains beside a checkpoint that
    is there already), then a plain `doit`. Afterwards the project gets a test checkpoint
    again."""
    from pipeline import checkpoints

    project, _ = built_project
    project.doit()
    before = checkpoints.latest_prefix(project.checkpoint_dir).name
    training = project.doit("train", "--quick", timeout=1200)
    trained = tmp_path_factory.mktemp("trained") / "checkpoints"
    shutil.copytree(project.checkpoint_dir, trained)
    rebuild = project.doit()
    site = project.artifacts / "site"
    card = (site / "card.html").read_text(encoding="utf-8")
    confusion_pngs = len(list((site / "models").glob("*/confusion.png")))
    restore_test_checkpoint(project)
    return Trained(project, before, trained, training, rebuild, card, confusion_pngs)


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


@pytest.fixture
def chromium_with(browser):
    """Launches another Debian Chromium with extra flags, through the Playwright that started
    `browser` (a second one cannot start in the same thread); closed after the test."""
    launched = []

    def launch(*flags):
        launched.append(
            browser.browser_type.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *flags])
        )
        return launched[-1]

    yield launch
    for each in launched:
        each.close()
