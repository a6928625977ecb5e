"""Imports TensorFlow so that its start-up chatter stays out of build logs."""

from __future__ import annotations

import os
import sys


def import_tensorflow():
    """Returns the `tensorflow` module; call it before any other TensorFlow import."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # C++ info and warnings
    # tensorflowjs imports tensorflow_decision_forests, which otherwise tries to greet the
    # user through IPython whenever stdout is not a terminal, and fails without it.
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")
    import absl.logging
    import tensorflow as tf

    # absl keeps the stderr it found at import; under doit that is a capture object that
    # cannot be closed at exit, so give it the real one.
    absl.logging.get_absl_handler().python_handler.stream = sys.__stderr__
    return tf
