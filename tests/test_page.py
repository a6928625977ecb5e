"""The built site, served by `doit serve`, classifies in a real browser."""

from __future__ import annotations

import gzip
import http.client
import math
import os
import re

import numpy as np
import pytest
from PIL import Image
from support import (
    BATCH_SIZE,
    INPUT_SIZE,
    LABELS,
    changed_settings,
    labels_when_done,
    ready_page,
    serving,
)

from pipeline import freeze
from pipeline.shogi.bench.browser import FAKE_CAMERA


@pytest.fixture(scope="module")
def served(built_project):
    project, _ = built_project
    with serving(project) as url:
        yield project, url


def decisive_image(project, directory):
    """A PNG of exactly the input size (so the page does not resample it) whose top-1 class
    TensorFlow picks by a clear margin, with TensorFlow's answer."""
    graph = freeze.load_graph_def(project.artifacts / "frozen" / "model.pb")
    rng = np.random.default_rng(7)
    candidates = rng.integers(0, 256, (24, INPUT_SIZE, INPUT_SIZE, 3), dtype=np.uint8)
    probabilities = freeze.run_graph(graph, candidates.astype(np.float32))["probabilities"]
    ordered = np.sort(probabilities, axis=1)
    best = int(np.argmax(ordered[:, -1] - ordered[:, -2]))
    assert ordered[best, -1] - ordered[best, -2] > 0.01, "no candidate image is decisive"
    path = directory / "square.png"
    Image.fromarray(candidates[best]).save(path)
    return path, LABELS[int(np.argmax(probabilities[best]))]


def test_the_page_classifies_an_image_file_like_tensorflow(served, browser, tmp_path):
    project, url = served
    image, expected = decisive_image(project, tmp_path)
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("#model-status[data-state=ready]", timeout=120_000)
    assert page.get_attribute("#model-backend", "data-backend") == "wasm"
    assert page.inner_text("#model-classes").split(" ", 2)[:2] == ["cat", "dog,"]
    assert "鳥" in page.inner_text("#model-classes")

    page.set_input_files("input[name=images]", [str(image)] * 3)
    top1 = labels_when_done(page, 3)
    assert top1 == [expected] * 3
    shown = page.eval_on_selector_all(
        "#results > li:first-child ol li", "entries => entries.map(e => e.dataset.label)"
    )
    assert len(shown) == 3 and set(shown) <= set(LABELS)
    page.wait_for_function("document.querySelector('#request-times').dataset.tensors")
    times = page.locator("#request-times")
    assert times.get_attribute("data-tensors") == times.get_attribute("data-baseline-tensors")
    assert errors == []

    page.click("text=Model card")
    page.wait_for_selector("h1:text('Model card')")
    assert "鳥" in page.inner_text("dl")
    page.close()


def paste(page, path):
    """Pastes an image file on the page, as Ctrl+V with a copied image would."""
    page.evaluate(
        """([name, bytes]) => {
            const data = new DataTransfer();
            data.items.add(new File([new Uint8Array(bytes)], name, { type: 'image/png' }));
            document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data }));
        }""",
        [path.name, list(path.read_bytes())],
    )


def test_a_model_no_app_fits_gets_the_generic_page_which_classifies_pasted_images(
    served, browser, tmp_path
):
    project, url = served
    path, expected = decisive_image(project, tmp_path)
    page = ready_page(browser, url)
    assert page.is_hidden("#app")
    assert page.locator("#board-section").count() == 0
    paste(page, path)
    assert labels_when_done(page, 1) == [expected]
    page.close()


def test_the_app_setting_shows_the_board_reader_for_any_model(served, browser):
    project, url = served
    try:
        with changed_settings(project, app='"shogi-board"'):
            project.doit()  # or `doit serve`, which follows the settings too
            page = ready_page(browser, url)
            assert page.locator("#board-section #board-diagram .cell").count() == 81
            page.wait_for_selector("#samples button")
            page.close()
    finally:
        project.doit()


def test_a_file_that_is_not_an_image_fails_alone(served, browser, tmp_path):
    project, url = served
    image, _ = decisive_image(project, tmp_path)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a picture")
    page = ready_page(browser, url)
    page.set_input_files("input[name=images]", [str(broken), str(image)])
    page.wait_for_function(
        "document.querySelectorAll('#results > li[data-state=pending]').length === 0",
        timeout=120_000,
    )
    states = page.eval_on_selector_all("#results > li", "items => items.map(i => i.dataset.state)")
    assert states == ["failed", "done"]
    assert "broken.png" in page.inner_text("#results > li:first-child")
    page.close()


def request(url: str, path: str, headers: dict | None = None) -> http.client.HTTPResponse:
    """The response (its body read into `.body`)."""
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def test_serve_sends_the_headers_that_wasm_threads_need(served):
    _, url = served
    response = request(url, "/")
    assert response.status == 200
    assert response.getheader("Cross-Origin-Opener-Policy") == "same-origin"
    assert response.getheader("Cross-Origin-Embedder-Policy") == "require-corp"


def test_serve_gives_wasm_its_mime_type(served):
    project, url = served
    binary = next((project.artifacts / "site").glob("wasm-*/tfjs-backend-wasm-simd.wasm"))
    path = "/" + binary.relative_to(project.artifacts / "site").as_posix()
    response = request(url, path)
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/wasm"


def test_serve_gzips_scripts_and_wasm_for_browsers_that_take_it_and_not_weights(served):
    project, url = served
    site = project.artifacts / "site"
    files = [next(site.glob("app.*.js")), next(site.glob("litert-*/litert_wasm_internal.wasm")),
             next(site.glob("models/*/batch-1.tflite"))]  # fmt: skip
    for path in files:
        address = "/" + path.relative_to(site).as_posix()
        plain = request(url, address)
        assert plain.getheader("Content-Encoding") is None and plain.body == path.read_bytes()
        taken = request(url, address, {"Accept-Encoding": "gzip, deflate, br"})
        if path.suffix == ".tflite":
            assert taken.getheader("Content-Encoding") is None and taken.body == path.read_bytes()
        else:
            assert taken.getheader("Content-Encoding") == "gzip"
            assert gzip.decompress(taken.body) == path.read_bytes()
            assert len(taken.body) < len(plain.body) / 2
            assert taken.getheader("Cross-Origin-Embedder-Policy") == "require-corp"


@pytest.mark.parametrize(
    "path",
    [
        "/../../pyproject.toml",
        "/%2e%2e/%2e%2e/pyproject.toml",
        "/..%2f..%2fpyproject.toml",
        "/{root}/pyproject.toml",
        "//etc/passwd",
        "/no-such-file",
        "/models/",
    ],
)
def test_serve_reaches_nothing_outside_the_site(served, path):
    project, url = served
    assert (project.root / "pyproject.toml").exists()
    assert request(url, path.format(root=project.root)).status == 404


def test_serve_does_not_follow_links_out_of_the_site(tmp_path):
    import threading

    from pipeline.serve import make_server

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("home")
    (tmp_path / "secret.txt").write_text("secret")
    (site / "leak.txt").symlink_to(tmp_path / "secret.txt")
    server = make_server(site, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        assert request(url, "/index.html").status == 200
        assert request(url, "/leak.txt").status == 404
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("sabotage", "query", "message"),
    [
        ("setTimeout(() => { throw new Error('simulated crash'); })", "", "worker failed"),
        ("setTimeout(() => { for (;;) {} })", "?timeout=3000", "no answer for"),  # a hang
    ],
    ids=["crashed", "hung"],
)
def test_a_failed_worker_fails_its_requests_and_is_replaced(
    served, browser, tmp_path, sabotage, query, message
):
    project, url = served
    image, expected = decisive_image(project, tmp_path)
    page = ready_page(browser, url + query)
    worker = next(w for w in page.workers if w.url.startswith("blob:"))

    page.set_input_files("input[name=images]", [str(image)] * 400)
    page.wait_for_selector("#results > li[data-state=done]", timeout=120_000)
    worker.evaluate(sabotage)
    page.wait_for_function(
        "document.querySelectorAll('#results > li[data-state=pending]').length === 0",
        timeout=120_000,
    )
    failed = page.locator("#results > li[data-state=failed]")
    assert failed.count() > 0
    assert message in failed.first.inner_text()

    page.evaluate("document.querySelector('#results').replaceChildren()")
    page.set_input_files("input[name=images]", [str(image)])
    page.wait_for_selector("#results > li[data-state=done]", timeout=120_000)
    assert page.get_attribute("#results > li", "data-label") == expected
    page.close()


def test_500_queued_images_all_complete_and_free_their_tensors(served, browser, tmp_path):
    project, url = served
    image, expected = decisive_image(project, tmp_path)
    page = ready_page(browser, url)
    for _ in range(5):  # five requests queue up behind each other in the worker
        page.set_input_files("input[name=images]", [str(image)] * 100)
    labels = labels_when_done(page, 500, timeout=300_000)
    assert labels == [expected] * 500
    page.wait_for_function("document.querySelector('#request-times').dataset.tensors")
    times = page.locator("#request-times")
    assert times.get_attribute("data-tensors") == times.get_attribute("data-baseline-tensors")
    page.close()


def test_the_cpu_backend_can_be_forced_and_agrees(served, browser, tmp_path):
    project, url = served
    image, expected = decisive_image(project, tmp_path)
    page = ready_page(browser, url + "?backend=cpu")
    assert page.get_attribute("#model-backend", "data-backend") == "cpu"
    page.set_input_files("input[name=images]", [str(image)])
    page.wait_for_selector("#results > li[data-state=done]", timeout=120_000)
    assert page.get_attribute("#results > li", "data-label") == expected
    page.close()


@pytest.mark.parametrize(
    ("query", "features", "batch"),
    [
        # tfjs-backend-wasm alone would give 2 cores one thread
        ("?threads=2", "SIMD, 2 threads", BATCH_SIZE),
        ("?threads=1&batch=3", "SIMD, one thread", 3),
    ],
)
def test_the_thread_count_and_batch_size_can_be_chosen(served, browser, tmp_path, query,
                                                       features, batch):  # fmt: skip
    project, url = served
    image, expected = decisive_image(project, tmp_path)
    page = ready_page(browser, url + query)
    assert page.inner_text("#model-backend") == f"wasm ({features})"
    assert page.inner_text("#model-batch") == f"{batch} images"
    assert page.inner_text("#model-warmup-time").endswith("(one image)")  # TF.js
    page.set_input_files("input[name=images]", [str(image)] * 5)
    labels = labels_when_done(page, 5)
    assert labels == [expected] * 5
    page.wait_for_selector("#request-times[data-tensors]")
    batches = re.findall(r"\d+ ms \((?:one thread|\d threads)\)", page.inner_text("#request-times"))
    assert len(batches) == math.ceil(5 / batch)  # the batch size chosen
    page.close()


@pytest.mark.parametrize(("runtime", "other"), [("tfjs", "litert"), ("litert", "tfjs")])
def test_a_page_downloads_the_runtime_it_runs_and_not_the_other(served, browser, runtime, other):
    _, url = served
    page = browser.new_page()
    fetched = []
    page.on("request", lambda request: fetched.append(request.url.rsplit("/", 1)[-1]))
    page.goto(f"{url}?runtime={runtime}")
    page.wait_for_selector("#model-status[data-state=ready]", timeout=120_000)
    assert [name.split(".")[0] for name in fetched if name.startswith("runtime-")] == [
        f"runtime-{runtime}"
    ]
    page.close()


@pytest.mark.parametrize("threads", [1, 2])
def test_litert_runs_the_tflite_models_and_reads_as_tensorflow(served, browser, tmp_path, threads):
    project, url = served
    image, expected = decisive_image(project, tmp_path)
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(f"{url}?runtime=litert&threads={threads}")
    page.wait_for_selector("#model-status[data-state=ready]", timeout=120_000)
    assert page.get_attribute("#model-runtime", "data-runtime") == "litert"
    assert page.inner_text("#model-runtime") == "LiteRT.js"
    threading = "2 threads" if threads == 2 else "one thread"
    assert page.inner_text("#model-backend") == f"wasm (relaxed SIMD, {threading})"
    # a full batch and a padded part of one, then a lone image: the batch-1 model
    page.set_input_files("input[name=images]", [str(image)] * (BATCH_SIZE + 3))
    assert labels_when_done(page, BATCH_SIZE + 3) == [expected] * (BATCH_SIZE + 3)
    page.set_input_files("input[name=images]", [str(image)])
    assert labels_when_done(page, BATCH_SIZE + 4) == [expected] * (BATCH_SIZE + 4)
    times = page.locator("#request-times")
    assert times.get_attribute("data-tensors") == times.get_attribute("data-baseline-tensors")
    # LiteRT.js's start-up log stays out of the console's errors
    assert [error for error in errors if not error.startswith("Failed to load resource")] == []
    page.close()


def test_litert_tries_one_thread_and_all_cores_at_warm_up_and_says_which_it_took(
    served, browser, tmp_path
):
    project, url = served
    image, expected = decisive_image(project, tmp_path)
    page = ready_page(browser, f"{url}?runtime=litert")
    # LiteRT.js compiles a model for a batch size: it warms up the one it runs
    assert page.inner_text("#model-warmup-time").endswith(f"(batch of {BATCH_SIZE})")
    features = page.inner_text("#model-backend")
    cores = min(4, os.cpu_count() or 1)
    if cores == 1:
        assert features == "wasm (relaxed SIMD, one thread)"  # nothing to choose from
    else:
        tried = re.fullmatch(r"wasm \(relaxed SIMD, (one thread|(\d) threads) \(a batch at "
                             r"warm-up: 1 thread (\d+) ms, (\d) threads (\d+) ms\)\)", features)  # fmt: skip
        assert tried, features
        assert int(tried[4]) == cores
        one, all_cores, chosen = int(tried[3]), int(tried[5]), int(tried[2] or 1)
        if one != all_cores:  # as shown, rounded to the millisecond
            assert chosen == (1 if one < all_cores else cores)
    page.set_input_files("input[name=images]", [str(image)] * (2 * BATCH_SIZE))
    assert labels_when_done(page, 2 * BATCH_SIZE) == [expected] * (2 * BATCH_SIZE)
    batches = re.findall(r"\d+ ms \((one thread|\d threads)\)", page.inner_text("#request-times"))
    assert len(batches) == 2  # each batch says which threads computed it
    page.close()


def test_a_batch_size_with_no_tflite_model_is_named(served, browser):
    _, url = served
    page = browser.new_page()
    page.goto(f"{url}?runtime=litert&batch=5")
    page.wait_for_selector("#model-status[data-state=failed]", timeout=120_000)
    message = page.inner_text("#model-status")
    assert "no TFLite model of batch 5 was published" in message
    assert f"batches: 1, {BATCH_SIZE}" in message
    page.close()


# Each prediction's text, and its bar's length as a percentage of the room the entry has.
PREDICTIONS = """entries => entries.map((entry) => {
    const bar = entry.querySelector('.score-bar');
    const style = getComputedStyle(entry);
    const room = entry.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return [entry.textContent, bar ? 100 * bar.getBoundingClientRect().width / room : null];
})"""


def assert_scores_drawn_as_bars(shown):
    """Every prediction shown as `label score %` over a bar as long as its score, best first."""
    assert shown
    for text, width in shown:
        label, score = text.rsplit(" ", 2)[:2]
        assert label in LABELS and text == f"{label} {float(score):.1f} %"
        assert width is not None and 0 <= width <= 100.5  # the room is rounded to a pixel
        assert width == pytest.approx(float(score), abs=1.5)  # a pixel is about 1 %
    widths = [width for _, width in shown]
    assert widths == sorted(widths, reverse=True)


def test_each_prediction_has_a_bar_as_long_as_its_score(served, browser, tmp_path):
    project, url = served
    image, expected = decisive_image(project, tmp_path)
    page = ready_page(browser, url)
    page.set_input_files("input[name=images]", [str(image)] * 2)
    assert labels_when_done(page, 2) == [expected] * 2
    for item in page.locator("#results > li").all():
        shown = item.locator("ol li").evaluate_all(PREDICTIONS)
        assert len(shown) == 3
        assert_scores_drawn_as_bars(shown)
        assert shown[0][0].startswith(f"{expected} ")
    page.close()


def camera_frames(page) -> int:
    return int(page.get_attribute("#camera-status", "data-frames"))


def test_the_camera_classifies_frame_after_frame_until_stopped(served, chromium_with):
    _, url = served
    page = chromium_with(*FAKE_CAMERA).new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("#model-status[data-state=ready]", timeout=120_000)
    assert page.get_attribute("#camera-status", "data-state") == "idle"
    page.evaluate("""() => {
        window.longTasks = [];
        new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map(
            (entry) => entry.duration))).observe({ type: 'longtask' });
    }""")

    page.click("#camera-start")
    page.wait_for_function(
        "Number(document.querySelector('#camera-status').dataset.frames) >= 5", timeout=120_000
    )
    assert page.get_attribute("#camera-status", "data-state") == "running"
    assert page.inner_text("#camera-start") == "Stop"
    status = page.inner_text("#camera-status")
    assert "classified" in status and "ms a frame" in status and "frames/s" in status
    assert page.evaluate("document.querySelector('#camera-video').videoWidth") > 0
    page.evaluate("window.cameraStream = document.querySelector('#camera-video').srcObject")
    assert page.evaluate("cameraStream.getTracks().map((track) => track.readyState)") == ["live"]
    long_tasks = page.evaluate("window.longTasks")

    page.click("#camera-start")
    assert page.get_attribute("#camera-status", "data-state") == "idle"
    assert page.inner_text("#camera-start") == "Start"
    assert page.evaluate("cameraStream.getTracks().map((track) => track.readyState)") == ["ended"]
    assert page.evaluate("document.querySelector('#camera-video').srcObject") is None
    frames = camera_frames(page)
    page.wait_for_timeout(1500)  # many frames' time
    assert camera_frames(page) == frames
    # the last frame's answer stays, measured once the list no longer changes under the test
    assert_scores_drawn_as_bars(page.eval_on_selector_all("#camera-results li", PREDICTIONS))
    assert [duration for duration in long_tasks if duration > 200] == []
    assert errors == []
    page.close()


def test_starting_the_camera_again_runs_one_loop(served, chromium_with):
    _, url = served
    page = chromium_with(*FAKE_CAMERA).new_page()
    page.goto(url)
    page.wait_for_selector("#model-status[data-state=ready]", timeout=120_000)
    page.click("#camera-start")
    page.wait_for_function(
        "Number(document.querySelector('#camera-status').dataset.frames) >= 2", timeout=120_000
    )
    # The frame counts the status shows from here on: a loop left running would interleave
    # its own with the new loop's.
    page.evaluate("""() => {
        const status = document.querySelector('#camera-status');
        window.counts = [];
        new MutationObserver(() => window.counts.push(Number(status.dataset.frames)))
            .observe(status, { attributes: true, attributeFilter: ['data-frames'] });
        const button = document.querySelector('#camera-start');
        button.click();  // stop while a frame is in the worker
        button.click();  // start again
        button.click();  // stop while the camera opens
        button.click();  // and start once more
    }""")
    page.wait_for_function("window.counts.length > 10", timeout=120_000)
    counts = page.evaluate("window.counts")
    assert counts == list(range(len(counts)))
    page.click("#camera-start")
    page.close()


@pytest.mark.parametrize(
    ("flags", "host", "cause"),
    [
        (("--use-fake-device-for-media-stream", "--deny-permission-prompts"), "127.0.0.1",
         "permission to use the camera was denied"),
        # not localhost, not https: the browser offers the page no camera at all
        ((*FAKE_CAMERA, "--host-resolver-rules=MAP insecure.test 127.0.0.1"), "insecure.test",
         "served over https or from localhost"),
    ],
    ids=["denied", "insecure-page"],
)  # fmt: skip
def test_a_camera_that_cannot_be_opened_says_why(served, chromium_with, flags, host, cause):
    _, url = served
    page = chromium_with(*flags).new_page()
    page.goto(url.replace("127.0.0.1", host))
    page.click("#camera-start")
    page.wait_for_selector("#camera-status[data-state=failed]", timeout=30_000)
    assert cause in page.inner_text("#camera-status")
    assert page.inner_text("#camera-start") == "Start"
    page.close()
