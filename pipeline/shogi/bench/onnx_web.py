"""ONNX Runtime Web, the other maintained runtime a user might put in a page instead: the
frozen graph converted with tf2onnx, run on the same squares in a page of its own (WASM,
SIMD, one thread or all cores, in ONNX Runtime's own worker). A reference beside the page;
the site publishes no ONNX model."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from pipeline import freeze
from pipeline.config import Config
from pipeline.shogi.bench import BenchError

PACKAGE = "onnxruntime-web"
# Its WASM-only build: the script, the module it loads and its one binary (SIMD + threads).
FILES = ("ort.wasm.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
OPSET = 17

_PAGE = """<!doctype html>
<meta charset="utf-8">
<title>ONNX Runtime Web reference</title>
<script src="ort.wasm.min.js"></script>
<script>
const threads = Number(new URLSearchParams(location.search).get('threads'));
ort.env.wasm.numThreads = threads;
ort.env.wasm.proxy = true;  // in a worker, as the page's model is
ort.env.wasm.wasmPaths = new URL('./', location.href).href;
const { input, shape, batch } = __SETTINGS__;
window.ready = (async () => {
  const started = performance.now();
  const [session, squares] = await Promise.all([
    ort.InferenceSession.create('model.onnx', { executionProviders: ['wasm'] }),
    fetch('squares.bin').then((response) => response.arrayBuffer()),
  ]);
  const size = shape.reduce((a, b) => a * b);
  const all = new Float32Array(squares);
  const batches = [];
  for (let start = 0; start < all.length / size; start += batch) {
    // the last batch padded with zeros, as the page pads its own
    const pixels = new Float32Array(batch * size);
    pixels.set(all.subarray(start * size, Math.min(all.length, (start + batch) * size)));
    batches.push(pixels);
  }
  const count = all.length / size;
  const classify = async () => {
    const labels = [];
    for (const pixels of batches) {
      // a copy: the worker takes the buffer it is given, as the page's worker does
      const tensor = new ort.Tensor('float32', pixels.slice(), [batch, ...shape]);
      const probabilities = (await session.run({ [input]: tensor }))[session.outputNames[0]];
      const classes = probabilities.dims[1];
      for (let row = 0; row < batch && labels.length < count; row++) {
        const scores = probabilities.data.subarray(row * classes, (row + 1) * classes);
        labels.push(scores.indexOf(Math.max(...scores)));
      }
    }
    return labels;
  };
  await classify();  // warm-up
  window.classify = async () => {
    const started = performance.now();
    const labels = await classify();
    return { ms: performance.now() - started, labels };
  };
  return performance.now() - started;
})();
</script>
"""


def version(config: Config) -> str:
    manifest = config.web_dir / "node_modules" / PACKAGE / "package.json"
    return json.loads(manifest.read_text(encoding="utf-8"))["version"]


def prepare(config: Config, pixels, directory: Path) -> Path:
    """Writes the reference page into `directory`: ONNX Runtime Web, the frozen graph in
    ONNX, and `pixels` (the squares, float32)."""
    dist = config.web_dir / "node_modules" / PACKAGE / "dist"
    missing = [name for name in FILES if not (dist / name).is_file()]
    if missing:
        raise BenchError(f"{dist}: {PACKAGE} lacks {', '.join(missing)} (run doit first)")
    directory.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copyfile(dist / name, directory / name)
    info = json.loads((config.frozen_dir / "model-info.json").read_text(encoding="utf-8"))
    convert(config.frozen_dir / "model.pb", info["input"], directory / "model.onnx")
    (directory / "squares.bin").write_bytes(pixels.astype("float32").tobytes())
    settings = {"input": f"{info['input']}:0", "shape": info["input_shape"],
                "batch": config.batch_size}  # fmt: skip
    (directory / "index.html").write_text(_PAGE.replace("__SETTINGS__", json.dumps(settings)))
    return directory


def convert(graph_path: Path, input_name: str, onnx_path: Path) -> None:
    """The frozen graph's probabilities in ONNX (its labels are strings, which ONNX Runtime
    Web cannot return; the class order is the graph's)."""
    import logging

    from pipeline.quiet import import_tensorflow

    tf = import_tensorflow()
    import tf2onnx

    graph_def = freeze.load_graph_def(graph_path)
    # its progress, and TensorFlow's deprecation notes on the TF1 calls it makes
    loggers = [tf.get_logger(), logging.getLogger("tf2onnx")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        tf2onnx.convert.from_graph_def(graph_def, input_names=[f"{input_name}:0"],
                                       output_names=["probabilities:0"], opset=OPSET,
                                       output_path=str(onnx_path))  # fmt: skip
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


class Page:
    """The reference page on `threads` threads, loaded, model ready and warmed up."""

    def __init__(self, browser, url: str, threads: int):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.page.goto(f"{url}?threads={threads}")
        try:
            self.ready_ms = self.page.evaluate("window.ready")
        except Exception as error:
            raise BenchError(f"ONNX Runtime Web, {threads} thread(s): {error}") from error

    def classify(self) -> dict:
        """The squares once: milliseconds, and each square's class index."""
        return self.page.evaluate("window.classify()")

    def timer(self) -> Callable[[], float]:
        return lambda: self.classify()["ms"]

    def close(self) -> None:
        self.context.close()
