"""Live reload for `doit serve`: watch what the build reads, and tell open pages.

Polling, not inotify: it needs nothing installed, sees files replaced by rename (as
checkpoint writers do), and a few hundred stat calls a second cost nothing here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

EVENTS_PATH = "/__modelsite/events"
_HEARTBEAT_SECONDS = 15


def snapshot(paths: Iterable[Path]) -> frozenset:
    """Name, size and modification time of every file under `paths`."""
    entries = set()
    for root in paths:
        files = root.rglob("*") if root.is_dir() else [root]
        for path in files:
            try:
                stat = path.stat()
            except OSError:
                continue  # vanished between listing and stat: the next poll sees the result
            if path.is_file():
                entries.add((str(path), stat.st_size, stat.st_mtime_ns))
    return frozenset(entries)


class Watcher:
    """Calls `on_change` once the files under `paths` have changed and then held still for
    `settle` seconds (a trainer writes several files; one rebuild should see them all)."""

    def __init__(self, paths: list[Path], on_change: Callable[[], None],
                 interval: float = 0.5, settle: float = 1.0):  # fmt: skip
        self.paths = paths
        self.on_change = on_change
        self.interval = interval
        self.settle = settle
        self._stopped = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name="watcher", daemon=True).start()

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        seen = snapshot(self.paths)
        while not self._stopped.wait(self.interval):
            current = snapshot(self.paths)
            if current == seen:
                continue
            while not self._stopped.wait(self.settle):
                settled = snapshot(self.paths)
                if settled == current:
                    break
                current = settled
            seen = current
            self.on_change()
            seen = snapshot(self.paths)  # what the build itself wrote is no news


class Events:
    """Server-sent events for every open page: `reload`, or `build-error` with a message."""

    def __init__(self):
        self._condition = threading.Condition()
        self._history: list[tuple[str, str]] = []

    def publish(self, name: str, data: str = "") -> None:
        with self._condition:
            self._history.append((name, data))
            self._condition.notify_all()

    def stream(self, write: Callable[[bytes], None], stopped: Callable[[], bool]) -> None:
        """Writes events published from now on until writing fails or `stopped()`."""
        with self._condition:
            position = len(self._history)
        write(b": connected\n\n")
        while not stopped():
            with self._condition:
                self._condition.wait_for(
                    lambda seen=position: len(self._history) > seen, timeout=_HEARTBEAT_SECONDS
                )
                news = self._history[position:]
                position = len(self._history)
            # a comment line now and then finds out when the page has gone away
            payload = "".join(_event(name, data) for name, data in news) or ": alive\n\n"
            write(payload.encode("utf-8"))


def _event(name: str, data: str) -> str:
    lines = "".join(f"data: {line}\n" for line in (data.splitlines() or [""]))
    return f"event: {name}\n{lines}\n"

