"""What the programs print: no TensorFlow start-up chatter, and nothing else lost with it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from support import ROOT, assert_no_chatter, clean_environment

from pipeline import quiet

CHATTER_LINES = [
    (
        b"2026-11-01 10:00:00.000000: E external/local_xla/xla/stream_executor/cuda/cuda_fft.cc:467]"
        b" Unable to register cuFFT factory: Attempting to register factory for plugin cuFFT when"
        b" one has already been registered\n"
    ),
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
    (
        b"E0000 00:00:1795970245.960663    7067 cuda_dnn.cc:8579] Unable to register cuDNN factory:"
        b" Attempting to register factory for plugin cuDNN when one has already been registered\n"
    ),
    (
        b"W0000 00:00:1795970245.973413    7067 computation_placer.cc:177] computation placer"
        b" already registered. Please check linkage and avoid linking the same target more than"
        b" once.\n"
    ),
    (
        b"2026-11-01 10:00:02.000000: E external/local_xla/xla/stream_executor/cuda/"
        b"cuda_platform.cc:51] failed call to cuInit: INTERNAL: CUDA error: Failed call to cuInit:"
        b" UNKNOWN ERROR (303)\n"
    ),
]
REAL_ERROR = (
    b"2026-11-01 10:00:03.000000: E tensorflow/core/framework/op_kernel.cc:1857] OP_REQUIRES"
    b" failed at conv_ops.cc:1068 : INVALID_ARGUMENT: input depth must be evenly divisible\n"
)


def test_a_build_prints_its_tasks_and_no_tensorflow_chatter(built_project):
    _, first = built_project
    assert first.executed  # the build imported TensorFlow (freeze, convert)
    assert_no_chatter(first.output)


def test_the_filter_drops_chatter_and_passes_errors_at_once():
    source, source_end = os.pipe()
    sink_end, sink = os.pipe()
    filtering = threading.Thread(target=quiet.pass_on, args=(source, sink), daemon=True)
    filtering.start()
    for line in [*CHATTER_LINES[:2], REAL_ERROR, *CHATTER_LINES[2:]]:
        os.write(source_end, line)
    progress = b"\r 40%|####      | 4/10"  # a progress bar waits for no newline
    os.write(source_end, progress)
    passed = b""
    deadline = time.monotonic() + 10
    while not passed.endswith(progress) and time.monotonic() < deadline:
        passed += os.read(sink_end, 65536)
    assert passed == REAL_ERROR + progress
    os.write(source_end, b"\n")
    os.close(source_end)
    filtering.join(timeout=10)
    os.close(sink)
    assert os.read(sink_end, 65536) == b"\n"


def test_what_a_crashing_process_writes_last_still_shows():
    crash = (
        "import os\n"
        "from pipeline import quiet\n"
        "quiet.filter_stderr()\n"
        f"os.write(2, {CHATTER_LINES[0]!r} + b'last words\\n')\n"
        "os.abort()\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", crash], cwd=ROOT, env=clean_environment(),
        capture_output=True, check=False, timeout=60,
    )  # fmt: skip
    assert completed.returncode == -6  # SIGABRT
    assert completed.stderr == b"last words\n"
