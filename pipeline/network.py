"""The classifier network, defined once for training and for freezing."""

from __future__ import annotations


def build_classifier(architecture: str, alpha: float, input_size: int, num_classes: int):
    """A Keras model from float32 pixels 0-255 (NHWC) to logits.

    The model's own preprocessing is its first layer, so every consumer (frozen graph,
    TF.js, the page) feeds raw pixels and none can get the scaling wrong.
    """
    import keras

    if architecture != "mobilenet_v2":
        raise ValueError(f"unknown architecture {architecture!r}")
    pixels = keras.Input((input_size, input_size, 3), name="pixels")
    scaled = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="preprocess")(pixels)
    backbone = keras.applications.MobileNetV2(
        input_shape=(input_size, input_size, 3),
        alpha=alpha,
        include_top=False,
        weights=None,
        pooling="avg",
    )
    features = backbone(scaled)
    features = keras.layers.Dropout(0.2, name="dropout")(features)
    logits = keras.layers.Dense(num_classes, name="logits")(features)
    return keras.Model(pixels, logits, name="classifier")
