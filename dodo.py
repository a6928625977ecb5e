"""doit tasks: checkpoint -> frozen graph -> TF.js and TFLite models -> web bundle -> static site.

Each stage lives in pipeline/; this file only wires them up. Nothing heavy is imported
here, so a build with nothing to do stays fast.
"""

import sys
from pathlib import Path

from pipeline import bundle, convert, freeze, node, site, tflite
from pipeline import config as settings
from pipeline.quiet import filter_tensorflow_chatter
from pipeline.shogi import bench, train

try:
    CONFIG = settings.load(Path(__file__).parent)
except settings.ConfigError as error:
    sys.exit(f"modelsite: {error}")  # the message says it all; a traceback would bury it
CONFIG.output_dir.mkdir(parents=True, exist_ok=True)  # doit opens its state file there
filter_tensorflow_chatter()  # from the moment a task imports TensorFlow

DOIT_CONFIG = {
    "default_tasks": ["site"],
    # locked against concurrent builds, each task's state committed as it finishes
    "backend": "modelsite",
    "dep_file": str(CONFIG.output_dir / "doit-state.sqlite3"),
    "verbosity": 2,
}


def task_freeze():
    return freeze.task(CONFIG)


def task_convert():
    return convert.task(CONFIG)


def task_tflite():
    return tflite.task(CONFIG)


def task_node():
    return node.task(CONFIG)


def task_bundle():
    return bundle.task(CONFIG)


def task_site():
    return site.task(CONFIG)


def task_train():
    return train.task(CONFIG)


def task_bench():
    return bench.task(CONFIG)
