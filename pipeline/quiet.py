"""TensorFlow without its start-up chatter.

On a machine without a GPU, importing TensorFlow prints lines that read like errors: cuFFT,
cuDNN and cuBLAS factories "already registered", a failed cuInit, computation placers
registered twice. Environment variables silence TensorFlow's own info and warnings; the
rest come through logging libraries no variable reaches, so they are filtered out of the
process's stderr by a small child process that passes every other line on as it comes. A
child, not a thread: what a crashing process writes last still gets through.
"""

from __future__ import annotations

import atexit
import os
import re
import select
import signal
import subprocess
import sys

# Start-up chatter only: each pattern is one known message, so real errors still show.
NOISE = re.compile(
    rb"Unable to register cu(FFT|DNN|BLAS) factory: Attempting to register factory for plugin"
    rb"|computation placer already registered"
    rb"|failed call to cuInit"
    rb"|All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    rb"|Could not find cuda drivers on your machine, GPU will not be used"
    rb"|devices\.cc:\d+\] Number of eligible GPUs"
    rb"|single_machine\.cc:\d+\] Starting new session"
    # the TFLite converter and interpreter (pipeline/tflite.py)
    rb"|tf_tfl_flatbuffer_helpers\.cc:\d+\] Ignored (output_format|drop_control_dependency)"
    rb"|Created TensorFlow Lite XNNPACK delegate for CPU"
)

_wanted = False
_filter: subprocess.Popen | None = None


def filter_tensorflow_chatter() -> None:
    """For the programs that own their process (doit, the command lines): once TensorFlow is
    imported, stderr goes through the filter. Library users, a test runner capturing the
    output among them, keep their stderr as it is."""
    global _wanted
    _wanted = True


def import_tensorflow():
    """Returns the `tensorflow` module; call it before any other TensorFlow import."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # C++ info and warnings
    # tensorflowjs imports tensorflow_decision_forests, which otherwise tries to greet the
    # user through IPython whenever stdout is not a terminal, and fails without it.
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")
    if _wanted:
        filter_stderr()
    import absl.logging
    import tensorflow as tf

    # absl keeps the stderr it found at import; under doit that is a capture object that
    # cannot be closed at exit, so give it the real one.
    absl.logging.get_absl_handler().python_handler.stream = sys.__stderr__
    return tf


def filter_stderr() -> None:
    """From now on this process's stderr (file descriptor 2, which C++ code writes to as
    well) goes through `NOISE`'s filter."""
    global _filter
    if _filter is not None:
        return
    sys.stderr.flush()
    original = os.dup(2)
    reader, writer = os.pipe()
    _filter = subprocess.Popen(
        [sys.executable, "-I", os.path.abspath(__file__)],
        stdin=reader,
        stdout=original,
        start_new_session=True,  # Ctrl-C at a terminal stops the build, not its stderr
    )
    os.close(reader)
    os.dup2(writer, 2)
    os.close(writer)
    atexit.register(_stop_filtering, original)


def _stop_filtering(original: int) -> None:
    """Hands stderr back and lets the filter write what it still holds, so that a shell's
    prompt comes after the last line."""
    sys.stderr.flush()
    os.dup2(original, 2)  # the filter sees the end of its input (unless a child still writes)
    try:
        _filter.wait(timeout=2)
    except subprocess.TimeoutExpired:
        pass


def pass_on(source: int, sink: int) -> None:
    """Copies `source` to `sink` without `NOISE`'s lines. A line left unfinished for a
    moment (a progress bar redrawn with \\r) is shown as it is."""
    pending = b""
    while True:
        ready, _, _ = select.select([source], [], [], 0.05 if pending else None)
        if not ready:
            _write(sink, pending)
            pending = b""
            continue
        chunk = os.read(source, 65536)
        if not chunk:
            break
        *lines, pending = re.split(rb"(?<=[\r\n])", pending + chunk)
        _write(sink, b"".join(line for line in lines if not NOISE.search(line)))
    _write(sink, pending)


def _write(sink: int, data: bytes) -> None:
    while data:
        data = data[os.write(sink, data) :]


if __name__ == "__main__":
    # Stay until the build's stderr closes: a stop signal goes to the build, which then
    # reports it here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        pass_on(sys.stdin.fileno(), sys.stdout.fileno())
    except BrokenPipeError:
        pass  # nobody reads the build's stderr any more
