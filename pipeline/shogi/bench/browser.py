"""The built site in headless Chromium, measured through the page itself: its UI takes a
board screenshot, and its performance entries say when the model was ready (`model-ready`,
with the worker's figures), how long a board took from the file given to the position shown
(`board`, and each step of it, `board-STEP`) and the worker's own time on its 81 squares
(`board-classify`'s detail)."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from pathlib import Path

from pipeline import serve
from pipeline.shogi.bench import CHROMIUM, BenchError

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# Chromium's own camera (a moving test pattern), granted without asking.
FAKE_CAMERA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
# The CPU backend reads a board in seconds and WebGL (in software) warms up as long.
WAIT_MS = 300_000
# A first visit over a modest connection, through the DevTools protocol: 10 Mbit/s each way
# (bytes a second), 40 ms round trips.
SLOW_NETWORK = {"offline": False, "latency": 40, "downloadThroughput": 10e6 / 8,
                "uploadThroughput": 10e6 / 8}  # fmt: skip

# Camera frames not counted: the first compiles the lone-image model (LiteRT.js).
CAMERA_SKIP = 3
# What a board costs, file given -> position shown, step by step (the page's performance
# measures `board-STEP`): decoding, the grid search, cutting the squares, the squares in the
# worker, waiting for the pieces in hand after them, and showing the position.
BOARD_STEPS = ("decode", "grid", "cut", "classify", "hands-wait", "show")

# Installed before any script of the page: every long task of its main thread, from the start.
_RECORD_LONG_TASKS = """
window.longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.longTasks.push([entry.startTime, entry.duration]);
}).observe({ type: 'longtask', buffered: true });
"""
_MODEL_READY = """() => {
  const mark = performance.getEntriesByName('model-ready')[0];
  return mark ? { at: mark.startTime, ...mark.detail } : null;
}"""
# The camera section run from Start until `skip` + `count` frames are classified (the first
# `skip` set up the lone-image model), then stopped: frames a second over the last `count`.
_CAMERA_RATE = """async ([skip, count]) => {
  const status = document.querySelector('#camera-status');
  const reached = (frames) => new Promise((resolve, reject) => {
    const observer = new MutationObserver(() => {
      if (status.dataset.state === 'failed') reject(new Error(status.textContent));
      else if (Number(status.dataset.frames) < frames) return;
      observer.disconnect();
      resolve(performance.now());
    });
    observer.observe(status, { attributes: true, attributeFilter: ['data-frames', 'data-state'] });
  });
  const [start, end] = [reached(skip), reached(skip + count)];
  document.querySelector('#camera-start').click();
  const seconds = (await end - await start) / 1000;
  document.querySelector('#camera-start').click();
  return count / seconds;
}"""
_LAST_BOARD = """(steps) => {
  const status = document.querySelector('#board-status');
  if (status.classList.contains('error')) return { error: status.textContent };
  const last = (name) => performance.getEntriesByName(name).at(-1);
  const board = last('board');
  return {
    sfen: document.querySelector('#sfen').dataset.board,
    start: board.startTime,
    end: board.startTime + board.duration,
    boardMs: board.duration,
    classifyMs: last('board-classify').detail.inferenceMs,
    steps: Object.fromEntries(steps.map((step) => [step, last(`board-${step}`).duration])),
  };
}"""


@dataclass(frozen=True)
class Variant:
    """The page opened with a query that picks a runtime, backend, batch size or thread
    count; over the local server as it is, or slowed down to `SLOW_NETWORK`."""

    name: str
    title: str
    query: str = ""
    slow_network: bool = False


class _QuietHandler(serve.SiteHandler):
    def log_message(self, format: str, *args) -> None:
        pass  # hundreds of requests; the report says what matters


@contextlib.contextmanager
def served(site_dir: Path):
    """The site as `doit serve` serves it (cross-origin isolated), on a free port."""
    server = serve.make_server(site_dir, "127.0.0.1", 0, handler=_QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium(executable: str = CHROMIUM):
    """Headless Chromium driven by Playwright."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as error:
        message = "the browser benchmarks need Playwright: pip install -e '.[bench]'"
        raise BenchError(message) from error
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=executable,
                                                 args=[*CHROMIUM_ARGS, *FAKE_CAMERA])  # fmt: skip
        except Error as error:
            reason = next(iter(str(error).splitlines()), type(error).__name__)
            raise BenchError(f"{executable}: cannot start Chromium ({reason})") from error
        try:
            yield browser
        finally:
            browser.close()


class Page:
    """The site loaded in a fresh browser context (its own cache and renderer), model ready."""

    def __init__(self, browser, url: str, variant: Variant):
        self.variant = variant
        self.info: dict | None = None  # the `model-ready` mark's figures, once ready
        self.error = ""  # why the model did not load, if it did not
        self.wasm: list[str] = []  # the .wasm binaries the page fetched
        self.windows: list[tuple[float, float]] = []  # when each board was being read
        self.context = browser.new_context()
        self.context.add_init_script(_RECORD_LONG_TASKS)
        self.page = self.context.new_page()
        if variant.slow_network:
            devtools = self.context.new_cdp_session(self.page)
            devtools.send("Network.enable")
            devtools.send("Network.emulateNetworkConditions", SLOW_NETWORK)
        self.page.on("request", self._note_wasm)
        self.page.goto(url + variant.query, wait_until="domcontentloaded")

    def _note_wasm(self, request) -> None:
        if request.url.endswith(".wasm"):
            self.wasm.append(request.url.rsplit("/", 1)[-1])

    def wait_until_ready(self) -> Page:
        self.page.wait_for_selector("#model-status:not([data-state=loading])", timeout=WAIT_MS)
        self.info = self.page.evaluate(_MODEL_READY)
        if self.info is None:
            self.error = self.page.inner_text("#model-status")
        return self

    def recognise(self, board: Path) -> dict:
        """Recognises a board screenshot through the page's file input; the board's timings."""
        # the board reader's section is there once the manifest and the app's chunk are in
        self.page.wait_for_selector("#sfen", state="attached", timeout=WAIT_MS)
        self.page.evaluate("document.querySelector('#sfen').removeAttribute('data-board')")
        self.page.set_input_files("input[name=board]", str(board))
        self.page.wait_for_selector(
            "#sfen[data-board], #board-status.error", state="attached", timeout=WAIT_MS
        )
        result = self.page.evaluate(_LAST_BOARD, list(BOARD_STEPS))
        if "error" in result:
            raise BenchError(f"{board}: the page read no board ({result['error']})")
        self.windows.append((result["start"], result["end"]))
        return result

    def camera_rate(self, frames: int) -> float:
        """Frames a second the camera section classifies, over `frames` frames."""
        from playwright.sync_api import Error

        try:
            return self.page.evaluate(_CAMERA_RATE, [CAMERA_SKIP, frames])
        except Error as error:
            reason = next(iter(str(error).splitlines()), "")
            raise BenchError(f"{self.variant.title}: the camera section failed ({reason})") from error

    def long_tasks(self, windows: list[tuple[float, float]] | None = None) -> list[float]:
        """Durations (ms) of the main thread's long tasks, all or those that overlap `windows`."""
        tasks = self.page.evaluate("window.longTasks")
        if windows is None:
            return [duration for _, duration in tasks]
        return [
            duration
            for start, duration in tasks
            if any(start < end and start + duration > begin for begin, end in windows)
        ]

    def close(self) -> None:
        self.context.close()


def first_visit(browser, url: str, variant: Variant, board: Path) -> dict:
    """A first visit with a board screenshot at hand: it is given to the page as soon as the
    page can take it. Times since navigation: model ready, board read; the warm-up, and the
    worker's time on the first board's squares (they pay what the warm-up left to set up)."""
    page = Page(browser, url, variant)
    try:
        board_result = page.recognise(board)  # the page waits for its model itself
        page.wait_until_ready()
        if page.info is None:
            raise BenchError(f"{variant.title}: the model did not load ({page.error})")
        return {
            "model_ready_ms": page.info["at"],
            "warmup_ms": page.info["warmupMs"],
            "load_ms": page.info["loadMs"],
            "first_board_ms": board_result["end"],
            "first_squares_ms": board_result["classifyMs"],
            "runtime": page.info["runtime"],
            "features": page.info["features"],
            "wasm": page.wasm,
            "long_tasks_ms": page.long_tasks(),
        }
    finally:
        page.close()
