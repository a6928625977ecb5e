"""The glyph classifier: the characters that say what a hand holds.

Counts beside hand pieces ("2", "×12") and the kanji lines of kifu viewers
(「先手の持駒：歩二　角」) are read a character at a time by a small network over
blobs.glyph_features. Its weights are web/src/apps/shogi-board/hand-glyphs.json, which the
page reads too (glyphs.ts). `python -m pipeline.shogi.glyphs` trains it anew from text
rendered in TRAINING_FONTS (Debian's free Japanese fonts, the packages named in
font_pieces.FONTS); HELD_OUT_FONTS are kept for measuring it and the hands reader.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path

import numpy as np

from pipeline.files import write_atomically
from pipeline.shogi import blobs, font_pieces

WEIGHTS_PATH = (
    Path(__file__).resolve().parents[2] / "web" / "src" / "apps" / "shogi-board" / "hand-glyphs.json"
)

DIGITS = "0123456789×"
KIND_GLYPHS = {"歩": "FU", "香": "KY", "桂": "KE", "銀": "GI", "金": "KI", "角": "KA", "飛": "HI"}
NUMERALS = "一二三四五六七八九十"
# The words around a hand in a kifu line: 先手の持駒：なし, 後手, 上手, 下手.
WORDS = "先後上下手の持駒：な"
OTHER = "?"  # anything else
CLASSES = list(DIGITS) + list(KIND_GLYPHS) + list(NUMERALS) + list(WORDS) + ["し", OTHER]
# Characters an app may show near a board that are none of the above, for OTHER to learn.
# (Not those that look like one of the classes: ニ, ハ, ロ, レ, ー...)
OTHERS = (
    "玉王と杏圭全馬龍竜成不打同局面数番時間分秒対名人段級棋譜将盤台左右直引寄行残勝負"
    "あいうえおかきくけこさすせそたちつてとにぬねはひふほまみむめもやゆよらりるれろわをん"
    "アイウエオキクケコサシスセソチツテナヌネノヒフホマミムメモヤユヨラリルワン"
    "acdefhkmnprtuvwyzACDEFGHJKLMNPQRTUVWY#%&=@"
)
# Characters read as another: apps write a count "x2" as often as "×2".
SAME_AS = {"x": "×"}

HELD_OUT_FONTS = ("ipa_gothic", "noto_serif_semibold", "vl_gothic", "sawarabi_mincho", "ume_gothic", "klee")
TRAINING_FONTS = tuple(name for name in font_pieces.FONTS if name not in HELD_OUT_FONTS)


def font(name: str, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(font_pieces.font_path(name)), max(6, size))


def held_out_font(rng, size: int):
    return font(HELD_OUT_FONTS[rng.integers(len(HELD_OUT_FONTS))], size)


def draw_text(image, at, text: str, typeface, colour, bold: int = 0) -> None:
    """`text` on an RGBA PIL image, its top left at `at`; `bold`: pixels added around."""
    from PIL import ImageDraw

    fill = tuple(int(value) for value in colour) + (255,)
    ImageDraw.Draw(image).text(at, text, font=typeface, fill=fill, stroke_width=bold, stroke_fill=fill)


class Classifier:
    """The network of WEIGHTS_PATH: features (n, FEATURES) -> probabilities (n, CLASSES).

    Its "convolution" layers see the glyph's picture (the first CELLS x CELLS features): each
    is 3x3 (the picture padded with zeros), ReLU, then the largest of each 2x2. What they
    leave, row by row, and the features after the picture go through its "dense" layers,
    ReLU between them. A small convolutional network reads small, blurred digits that a
    dense one of its size takes for other characters."""

    def __init__(self, document: dict):
        self.classes = document["classes"]
        # weights are stored as whole numbers to be multiplied by their layer's scale
        self.layers = [
            (layer["type"], np.asarray(layer["weights"], dtype=np.float32) * layer["scale"],
             np.asarray(layer["bias"], dtype=np.float32))
            for layer in document["layers"]
        ]  # fmt: skip

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        features = np.asarray(features, dtype=np.float32)
        pictures = features[:, : blobs.CELLS * blobs.CELLS].reshape(-1, blobs.CELLS, blobs.CELLS, 1)
        dense = [(weights, bias) for kind, weights, bias in self.layers if kind == "dense"]
        for kind, weights, bias in self.layers:
            if kind == "convolution":
                pictures = _convolved(pictures, weights, bias)
        values = np.concatenate([pictures.reshape(len(features), -1), features[:, blobs.CELLS * blobs.CELLS :]], axis=1)
        for index, (weights, bias) in enumerate(dense):
            values = values @ weights + bias
            if index < len(dense) - 1:
                values = np.maximum(values, 0)
        values = np.exp(values - values.max(axis=1, keepdims=True))
        return values / values.sum(axis=1, keepdims=True)

    def read(self, features: list[np.ndarray]) -> list[tuple[str, float]]:
        """The best class of each glyph and its probability."""
        if not features:
            return []
        probabilities = self.probabilities(np.stack(features))
        best = probabilities.argmax(axis=1)
        return [(self.classes[i], float(probabilities[row, i])) for row, i in enumerate(best)]


def _convolved(pictures: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """(n, h, w, channels) pictures through a 3x3 convolution (3, 3, channels, outputs),
    zero-padded, ReLU, then the largest of each 2x2: (n, h / 2, w / 2, outputs)."""
    count, height, width, _ = pictures.shape
    padded = np.pad(pictures, ((0, 0), (1, 1), (1, 1), (0, 0)))
    patches = np.concatenate([padded[:, y : y + height, x : x + width] for y in range(3) for x in range(3)], axis=3)
    values = np.maximum(patches @ weights.reshape(-1, weights.shape[3]) + bias, 0)
    return values.reshape(count, height // 2, 2, width // 2, 2, -1).max(axis=(2, 4))


@functools.cache
def classifier(path: Path = WEIGHTS_PATH) -> Classifier:
    return Classifier(json.loads(Path(path).read_text(encoding="utf-8")))


# --- training ---------------------------------------------------------------------------


def sample_lines(rng, fonts) -> tuple[str, object]:
    """(text, RGB image) of one line of text as the hands reader meets it: a count, a kifu
    hand line, or other characters, in one of `fonts` at an ink height of about 8 to 26
    pixels, on a random background, sometimes blurred or JPEG-compressed."""
    import io

    from PIL import Image, ImageFilter

    from pipeline.shogi import position

    kind = rng.random()
    if kind < 0.35:
        text = ("×x"[int(rng.integers(2))] if rng.random() < 0.3 else "") + str(int(rng.integers(2, 19)))
    elif kind < 0.75:
        hand = {name: int(rng.integers(0, 4)) if rng.random() < 0.4 else 0 for name in position.HAND_KINDS}
        if rng.random() < 0.3:
            hand["FU"] = int(rng.integers(0, 19))
        side = position.BOD_SIDES["b" if rng.random() < 0.5 else "w"][int(rng.random() < 0.3)]
        text = f"{side}の持駒：{position.hand_text(hand)}".rstrip("　")
    else:
        pool = OTHERS + "".join(CLASSES[:-1])
        text = "".join(pool[i] for i in rng.integers(len(pool), size=int(rng.integers(2, 9))))
    typeface = font(fonts[rng.integers(len(fonts))], int(rng.integers(14, 40)))
    dark = rng.random() < 0.3
    paper = rng.integers(0, 70, 3) if dark else rng.integers(170, 256, 3)
    ink = rng.integers(190, 256, 3) if dark else rng.integers(0, 90, 3)
    width = round(typeface.getlength(text)) + 20
    image = Image.new("RGBA", (width, typeface.size * 2), tuple(int(v) for v in paper) + (255,))
    # bold now and then, as apps draw counts
    bold = int(rng.random() < 0.25 and typeface.size >= 16)
    draw_text(image, (10, typeface.size // 2), text, typeface, ink, bold)
    image = image.convert("RGB")
    # shrunk or enlarged as screenshots are (shogi_data.random_screenshot's resamplers)
    scale = rng.uniform(0.35, 1.2)
    image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                         int(rng.choice([0, 1, 2, 3, 4])))  # fmt: skip
    if rng.random() < 0.2:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 0.6)))
    if rng.random() < 0.3:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=int(rng.integers(60, 96)))
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return text, image


def line_glyphs(image, kanji: bool) -> tuple[np.ndarray, np.ndarray, list[list[blobs.Blob]], int]:
    """(labels, shades, characters, line height) of the longest line of text in an image: of kanji
    (blobs.glyphs) or of a count (a character a blob)."""
    pixels = np.asarray(image, dtype=np.float32)
    everywhere = np.ones(pixels.shape[:2], dtype=bool)
    shades = blobs.shade(pixels, blobs.background(pixels, everywhere))
    labels, found = blobs.components(blobs.ink(shades, everywhere))
    lines = blobs.text_lines(found)
    if not lines:
        return labels, shades, [], 0
    line = max(lines, key=len)
    characters = blobs.glyphs(line) if kanji else [[blob] for blob in line]
    return labels, shades, characters, blobs.line_height(line)


def training_set(count: int, fonts, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(features, class indices, the share of lines whose characters came apart as written)
    from `count` lines of `sample_lines`; lines that did not come apart right are left out."""
    rng = np.random.default_rng(seed)
    features, targets, whole = [], [], 0
    for _ in range(count):
        text, image = sample_lines(rng, fonts)
        written = [character for character in text if not character.isspace()]
        labels, shades, characters, height = line_glyphs(image, kanji=not text[-1].isdigit())
        if len(characters) != len(written):
            continue
        whole += 1
        for character, parts in zip(written, characters, strict=True):
            features.append(blobs.glyph_features(labels, shades, parts, height))
            character = SAME_AS.get(character, character)
            targets.append(CLASSES.index(character) if character in CLASSES else CLASSES.index(OTHER))
    return np.stack(features), np.asarray(targets), whole / count


def train(lines: int = 60000, seed: int = 2026, epochs: int = 20) -> dict:
    """A new classifier document (see Classifier) trained on TRAINING_FONTS."""
    from pipeline.quiet import import_tensorflow

    features, targets, _ = training_set(lines, TRAINING_FONTS, seed)
    tf = import_tensorflow()
    keras = tf.keras
    keras.utils.set_random_seed(seed)
    cells = blobs.CELLS * blobs.CELLS
    inputs = keras.Input((blobs.FEATURES,))
    pictures = keras.layers.Reshape((blobs.CELLS, blobs.CELLS, 1))(inputs[:, :cells])
    for filters in (16, 32):
        pictures = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(pictures)
        pictures = keras.layers.MaxPooling2D()(pictures)
    values = keras.layers.Concatenate()([keras.layers.Flatten()(pictures), inputs[:, cells:]])
    values = keras.layers.Dense(64, activation="relu")(values)
    model = keras.Model(inputs, keras.layers.Dense(len(CLASSES))(values))
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # fmt: skip
    # the step halved each quarter of the epochs: the last ones settle what the first found
    halved = keras.callbacks.LearningRateScheduler(lambda epoch, _: 3e-3 * 0.5 ** (epoch // max(1, epochs // 4)))
    model.fit(features, targets, batch_size=128, epochs=epochs, verbose=0, callbacks=[halved])
    layers = []
    for layer in model.layers:
        if not layer.get_weights():
            continue
        weights, bias = layer.get_weights()
        scale = float(np.abs(weights).max()) / 127  # 8 bits a weight: a quarter of the text
        layers.append({"type": "convolution" if weights.ndim == 4 else "dense", "scale": scale,
                       "weights": np.round(weights / scale).astype(int).tolist(),
                       "bias": np.round(bias, 4).tolist()})  # fmt: skip
    return {"classes": CLASSES, "layers": layers}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.shogi.glyphs", description=__doc__)
    parser.add_argument("--lines", type=int, default=60000, help="lines of text to train on")
    parser.add_argument("--epochs", type=int, default=20, help="passes over those lines")
    options = parser.parse_args(argv)
    document = train(options.lines, epochs=options.epochs)
    write_atomically(WEIGHTS_PATH, (json.dumps(document, separators=(",", ":")) + "\n").encode())
    held_out, targets, whole = training_set(1500, HELD_OUT_FONTS, seed=7)
    right = (Classifier(document).probabilities(held_out).argmax(axis=1) == targets).mean()
    print(f"{WEIGHTS_PATH}: held-out fonts: {right:.2%} of {len(targets)} characters "
          f"right; {whole:.1%} of lines came apart as written")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
