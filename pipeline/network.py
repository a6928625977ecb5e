"""The classifier network, defined once for training and for freezing."""

from __future__ import annotations

from typing import NamedTuple


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


def build_classifier(architecture: str, alpha: float, input_size: int, num_classes: int):
    """A Keras model from float32 pixels 0-255 (NHWC) to logits.

    The model's own preprocessing is its first layers, so every consumer (frozen graph,
    TF.js, the page) feeds raw pixels and none can get the scaling wrong.
    """
    import keras

    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r}")
    application = ARCHITECTURES[architecture]
    shape = (input_size, input_size, 3)
    pixels = keras.Input(shape, name="pixels")
    if application.expects == "minus_one_to_one":
        scaled = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="preprocess")(pixels)
    elif application.expects == "caffe":
        scaled = keras.layers.Lambda(keras.applications.resnet.preprocess_input,
                                     name="preprocess")(pixels)  # fmt: skip
    else:
        scaled = pixels
    options = {"alpha": alpha} if application.takes_alpha else {}
    if application.constructor.startswith("MobileNetV3"):
        options["include_preprocessing"] = True
    backbone = getattr(keras.applications, application.constructor)(
        input_shape=shape, include_top=False, weights=None, pooling="avg", **options
    )
    features = backbone(scaled)
    features = keras.layers.Dropout(0.2, name="dropout")(features)
    logits = keras.layers.Dense(num_classes, name="logits")(features)
    return keras.Model(pixels, logits, name="classifier")
