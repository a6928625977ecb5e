"""doit's dependency state, made safe for unattended builds.

doit has no lock of its own, and its sqlite backend writes only when a run ends: two runs
at once can overwrite each other's state, and a killed run forgets every task it finished.
This backend (registered as `doit.BACKEND` entry point `modelsite`) holds an exclusive
lock beside the state file for as long as it is open, so a second build waits for the
first, and commits each task's record the moment the task succeeds. sqlite's journal
keeps the file whole through a crash, which `dbm.dumb` (doit's default here) does not.

Ctrl-C and SIGTERM stop the build between tasks at the latest (`pipeline.stopping`).
"""

from __future__ import annotations

import fcntl
import os
import sys

from doit.dependency import SqliteDB

from pipeline import stopping

# Dependency.save_success writes this key last: once it is written, the task's record is whole.
_LAST_KEY_OF_A_TASK = "deps:"


class BuildState(SqliteDB):
    desc = "sqlite, locked against concurrent builds, committed after every task"

    def __init__(self, name, codec, *, module_name=None):
        self._lock = _acquire_lock(f"{name}.lock")
        stopping.install()
        super().__init__(name, codec, module_name=module_name)

    def get(self, task_id, dependency):
        stopping.stop_if_requested()  # doit is about to decide whether to run another task
        return super().get(task_id, dependency)

    def set(self, task_id, dependency, value):
        # A task that was running when the stop came is not recorded, even if its code
        # swallowed the KeyboardInterrupt and carried on to the end.
        stopping.stop_if_requested()
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
        if sys.exc_info()[0] is None:  # not already stopping (dump runs in doit's `finally`)
            stopping.stop_if_requested()

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
