"""The classifier network, defined once for training and for freezing."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import NamedTuple

from pipeline.errors import BuildError

# `architecture = "package.module:function"`: a network of the user's own
PLUGIN = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


class NetworkError(BuildError):
    """The configured network cannot be built as the settings say."""


class Application(NamedTuple):
    """A keras.applications image classifier the settings can name."""

    constructor: str  # in keras.applications
    takes_alpha: bool  # has a width multiplier
    # what its first layer expects, from pixels 0-255: "minus_one_to_one", "caffe" (BGR,
    # ImageNet means subtracted) or "pixels" (it scales them itself)
    expects: str


# The ones TF.js runs, by the name `architecture` takes.
ARCHITECTURES = {
    "mobilenet_v2": Application("MobileNetV2", takes_alpha=True, expects="minus_one_to_one"),
    "mobilenet_v3_small": Application("MobileNetV3Small", takes_alpha=True, expects="pixels"),
    "mobilenet_v3_large": Application("MobileNetV3Large", takes_alpha=True, expects="pixels"),
    "efficientnet_b0": Application("EfficientNetB0", takes_alpha=False, expects="pixels"),
    "resnet50": Application("ResNet50", takes_alpha=False, expects="caffe"),
}


def build_classifier(
    architecture: str, alpha: float, input_shape: tuple[int, int, int], num_classes: int,
    options=(),
):
    """A Keras model from float32 pixels 0-255 (NHWC, `input_shape` = height, width,
    channels) to logits.

    The model's own preprocessing is its first layers, so every consumer (frozen graph,
    TF.js, the page) feeds raw pixels and none can get the scaling wrong. A plugin
    (`package.module:function`) is called with `input_shape`, `num_classes` and `options`
    (the `[tool.modelsite.network]` settings) as keyword arguments, and must return such a
    model.
    """
    import keras

    if PLUGIN.match(architecture):
        return _from_plugin(architecture, tuple(input_shape), num_classes, dict(options))
    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r}")
    application = ARCHITECTURES[architecture]
    shape = tuple(input_shape)
    pixels = keras.Input(shape, name="pixels")
    if application.expects == "minus_one_to_one":
        scaled = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="preprocess")(pixels)
    elif application.expects == "caffe":
        scaled = keras.layers.Lambda(keras.applications.resnet.preprocess_input,
                                     name="preprocess")(pixels)  # fmt: skip
    else:
        scaled = pixels
    extra = {"alpha": alpha} if application.takes_alpha else {}
    if application.constructor.startswith("MobileNetV3"):
        extra["include_preprocessing"] = True
    backbone = getattr(keras.applications, application.constructor)(
        input_shape=shape, include_top=False, weights=None, pooling="avg", **extra
    )
    features = backbone(scaled)
    features = keras.layers.Dropout(0.2, name="dropout")(features)
    logits = keras.layers.Dense(num_classes, name="logits")(features)
    return keras.Model(pixels, logits, name="classifier")


def plugin_source(architecture: str) -> Path | None:
    """The file of a plugin's module, found without running it (its package's __init__
    aside); None for a named network, or a module that cannot be found."""
    if not PLUGIN.match(architecture):
        return None
    try:
        spec = importlib.util.find_spec(architecture.split(":")[0])
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec and spec.origin else None


def _from_plugin(architecture: str, input_shape: tuple, num_classes: int, options: dict):
    import keras

    module_name, function_name = architecture.split(":")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as error:
        raise NetworkError(f"architecture {architecture!r}: cannot load it ({error})") from error
    try:
        model = function(input_shape=input_shape, num_classes=num_classes, **options)
    except TypeError as error:  # most often settings it does not take, or lacks
        raise NetworkError(f"architecture {architecture!r}: {error}") from error
    wanted = ((None, *input_shape), (None, num_classes))
    got = (
        (tuple(model.input_shape), tuple(model.output_shape))
        if isinstance(model, keras.Model)
        else type(model).__name__
    )
    if got != wanted:
        raise NetworkError(
            f"architecture {architecture!r} should return a Keras model from pixels"
            f" {wanted[0]} to logits {wanted[1]}; it returned {got}"
        )
    return model


def softmax(logits, temperature: float = 1.0):
    """Probabilities from logits (NumPy, along the last axis), as the frozen graph gives them
    at temperature 1."""
    import numpy as np

    scaled = logits / temperature
    scaled = scaled - scaled.max(axis=-1, keepdims=True)
    exponent = np.exp(scaled)
    return exponent / exponent.sum(axis=-1, keepdims=True)
