"""Ctrl-C and SIGTERM stop a build, and the stop cannot be lost.

Python runs a signal handler in whatever Python code is running when the signal comes, and
that may be a garbage-collector callback, a weakref callback or a `__del__`: JAX and
TensorFlow run such code all through freeze and convert. A KeyboardInterrupt raised there is
printed as "ignored", and the code goes on as if nothing had happened. So the handler also
remembers the request, and the build checks for it where it can stop cleanly: before and
after each task (`pipeline.state`) and after each training step.
"""

from __future__ import annotations

import signal
import sys

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

# The signal that asked this process to stop, once one has.
_requested: signal.Signals | None = None


def install() -> None:
    """SIGTERM (cron timeouts, systemd, CI) ends the build like Ctrl-C: the running task's
    temporary files are removed and finished tasks stay recorded. A signal the parent told
    this process to ignore stays ignored. A stop is reported in one line, not a traceback."""
    for number in STOP_SIGNALS:
        if signal.getsignal(number) in (signal.SIG_DFL, signal.default_int_handler):
            signal.signal(number, _request_stop)
    report_error, report_unraisable = sys.excepthook, sys.unraisablehook

    def report_stop(kind, error, traceback):
        if issubclass(kind, KeyboardInterrupt) and _requested is not None:
            sys.stderr.write(f"doit: {error}; the tasks that finished are kept.\n")
        else:
            report_error(kind, error, traceback)

    def report_unless_swallowed_stop(unraisable):
        if not (isinstance(unraisable.exc_value, KeyboardInterrupt) and _requested):
            report_unraisable(unraisable)  # a swallowed stop is remembered, not lost

    sys.excepthook, sys.unraisablehook = report_stop, report_unless_swallowed_stop


def stop_if_requested() -> None:
    """Raises the stop again if one came, wherever the first KeyboardInterrupt went."""
    if _requested is not None:
        raise KeyboardInterrupt(f"stopped by {_requested.name}")


def _request_stop(number, frame) -> None:
    global _requested
    _requested = signal.Signals(number)
    stop_if_requested()
