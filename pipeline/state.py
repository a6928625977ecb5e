"""doit's dependency state, made safe for unattended builds.

doit has no lock of its own, and its sqlite backend writes only when a run ends: two runs
at once can overwrite each other's state, and a killed run forgets every task it finished.
This backend (registered as `doit.BACKEND` entry point `modelsite`) holds an exclusive
lock beside the state file for as long as it is open, so a second build waits for the
first, and commits each task's record the moment the task succeeds. sqlite's journal
keeps the file whole through a crash, which `dbm.dumb` (doit's default here) does not.
"""

from __future__ import annotations

import fcntl
import os
import signal
import sys

from doit.dependency import SqliteDB

# Dependency.save_success writes this key last: once it is written, the task's record is whole.
_LAST_KEY_OF_A_TASK = "deps:"


class BuildState(SqliteDB):
    desc = "sqlite, locked against concurrent builds, committed after every task"

    def __init__(self, name, codec, *, module_name=None):
        self._lock = _acquire_lock(f"{name}.lock")
        _stop_cleanly_on_sigterm()
        super().__init__(name, codec, module_name=module_name)

    def set(self, task_id, dependency, value):
        super().set(task_id, dependency, value)
        if dependency == _LAST_KEY_OF_A_TASK:
            self._write(task_id)

    def remove(self, task_id):
        super().remove(task_id)
        self._conn.commit()

    def dump(self):
        try:
            super().dump()
        finally:
            os.close(self._lock)  # releases the lock

    def _write(self, task_id):
        self._conn.execute(
            "insert or replace into doit values (?,?)",
            (task_id, self.codec.encode(self._cache[task_id])),
        )
        self._conn.commit()
        self._dirty.discard(task_id)


def _acquire_lock(path: str) -> int:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(descriptor, 64, 0).decode(errors="replace").strip() or "another process"
        sys.stderr.write(f"{path}: build state in use by {holder}; waiting for it to finish...\n")
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"doit pid {os.getpid()}\n".encode(), 0)
    return descriptor


def _stop_cleanly_on_sigterm() -> None:
    """SIGTERM (cron timeouts, systemd, CI) ends the build like Ctrl-C: the running task's
    temporary files are removed and finished tasks stay recorded."""
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, signal.default_int_handler)
