"""Errors the build reports as plain messages: bad input, not bugs in the pipeline."""

from __future__ import annotations

import functools


class BuildError(Exception):
    """Something the user can fix; the message names the file or setting and the cause."""


def reported(action):
    """Wraps a task action so that a BuildError fails the task with its message alone
    (doit would print a traceback, which buries the one line that matters)."""
    from doit.exceptions import TaskFailed

    @functools.wraps(action)
    def run(*arguments, **keywords):
        try:
            return action(*arguments, **keywords)
        except BuildError as error:
            return TaskFailed(str(error))

    return run
