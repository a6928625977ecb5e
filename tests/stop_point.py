"""Holds a build at a known point until the test's signal comes.

A test starts `doit` through `run_doit` below with `STOP_POINT` naming the point and
`STOP_POINT_REACHED` a file to create once the build is there. At the points inside Python
the build waits inside a garbage-collector callback, as JAX's callback runs all through
freeze and convert: a KeyboardInterrupt raised there is printed as "ignored" and the code
goes on, which is how a Ctrl-C used to be lost. (Webpack's point is a Node module, given to
the build in NODE_OPTIONS.)
"""

from __future__ import annotations

import functools
import gc
import os
import signal
import sys
import time
from pathlib import Path

WAIT_SECONDS = 120  # a test that never signals fails on the build's output, not by hanging

# Run with `python -c` in the project copy: the copy's pipeline, then this hook, then doit.
run_doit = [sys.executable, "-c", "import stop_point, doit.__main__ as d; d.main()"]


def _wait_for_the_signal() -> None:
    Path(os.environ["STOP_POINT_REACHED"]).touch()
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.01)


def _wait_in_a_gc_callback() -> None:
    waited = False

    def callback(phase, info):
        nonlocal waited
        if phase == "start" and not waited:
            waited = True
            _wait_for_the_signal()

    gc.callbacks.append(callback)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(callback)


def _held_before(function):
    @functools.wraps(function)
    def held(*arguments, **keywords):
        _wait_in_a_gc_callback()
        return function(*arguments, **keywords)

    return held


def _install(point: str) -> None:
    if point in ("freeze", "convert"):
        module = __import__(f"pipeline.{point}", fromlist=[point])
        setattr(module, point, _held_before(getattr(module, point)))
    elif point == "between freeze and convert":
        from doit.reporter import ConsoleReporter

        announce = ConsoleReporter.execute_task

        def execute_task(self, task):  # doit's own code, after freeze is recorded
            if task.name == "convert":
                _wait_in_a_gc_callback()
            return announce(self, task)

        ConsoleReporter.execute_task = execute_task


# A build started at a terminal takes Ctrl-C; one that a script started in the background
# ignores SIGINT from birth (and rightly keeps ignoring it). These builds are the first kind,
# however the tests themselves were started.
signal.signal(signal.SIGINT, signal.default_int_handler)
if os.environ.get("STOP_POINT"):
    _install(os.environ["STOP_POINT"])
