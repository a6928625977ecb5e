"""`doit serve` rebuilds when its inputs change and tells open pages."""

from __future__ import annotations

import json
import shutil

import pytest
from support import assert_no_chatter, ready_page, save_random_checkpoint, serving

from pipeline import checkpoints


@pytest.fixture(scope="module")
def live(built_project):
    project, _ = built_project
    project.doit()
    output = []
    with serving(project, output) as url:
        yield project, url, output


def open_page(browser, url):
    page = ready_page(browser, url)
    page.evaluate("window.loadedBefore = true")
    return page


def test_a_new_checkpoint_reloads_open_pages_with_the_new_model(live, browser):
    project, url, _ = live
    page = open_page(browser, url)
    save_random_checkpoint(project.checkpoint_dir, seed=70, step=70)
    page.wait_for_function("window.loadedBefore === undefined", timeout=300_000)
    page.wait_for_selector("#model-status[data-state=ready]", timeout=120_000)
    manifest = json.loads((project.artifacts / "site" / "manifest.json").read_text("utf-8"))
    current = checkpoints.fingerprint(checkpoints.latest_prefix(project.checkpoint_dir))
    assert manifest["checkpointFingerprint"] == current
    page.close()


def test_a_failed_rebuild_is_shown_and_the_last_site_stays(live, browser, tmp_path):
    project, url, _ = live
    page = open_page(browser, url)
    site_page = (project.artifacts / "site" / "index.html").read_bytes()
    labels = project.checkpoint_dir / "labels.txt"
    shutil.copy(labels, tmp_path / "labels.txt")
    try:
        labels.write_text("")
        page.wait_for_selector("#build-status:not([hidden])", timeout=300_000)
        assert "labels.txt: empty" in page.inner_text("#build-report")
        assert (project.artifacts / "site" / "index.html").read_bytes() == site_page
        assert page.evaluate("window.loadedBefore") is True  # not reloaded onto a broken site
    finally:
        shutil.copy(tmp_path / "labels.txt", labels)
    page.wait_for_selector("#build-status[hidden]", state="attached", timeout=300_000)
    page.close()


def test_serve_prints_no_tensorflow_chatter(live):
    _, _, output = live
    assert any("rebuilding" in line for line in output)  # the tests above made it rebuild
    assert_no_chatter("".join(output))
