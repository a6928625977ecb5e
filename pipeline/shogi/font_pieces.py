"""More piece styles for training, drawn from Debian's free Japanese fonts.

`python -m pipeline.shogi.font_pieces` renders every style of STYLES into
pipeline/shogi/assets/font-pieces/STYLE/, in the same form as the CC0 piece images
(SIDE_KIND.png, 140x148 RGBA, gote rotated 180 degrees). The images are committed, so
training needs no fonts; only re-rendering them does (the packages are named in FONTS).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline.files import write_atomically
from pipeline.shogi import data as shogi_data

FONT_PIECES_DIR = shogi_data.ASSETS_DIR.parent / "font-pieces"
FONT_ROOT = Path("/usr/share/fonts")
# Font name -> (file under FONT_ROOT, the Debian package that installs it).
FONTS = {
    "ipa_mincho": ("opentype/ipafont-mincho/ipam.ttf", "fonts-ipafont-mincho"),
    "ipa_gothic": ("opentype/ipafont-gothic/ipag.ttf", "fonts-ipafont-gothic"),
    "kouzan": ("truetype/kouzan-mouhitsu/kouzan-mouhitsu.ttf", "fonts-kouzan-mouhitsu"),
    "kouzan_gyosho": (
        "truetype/kouzan-mouhitsu/kouzan-mouhitsu-gyosho.ttf",
        "fonts-kouzan-mouhitsu",
    ),
    "kouzan_sosho": (
        "truetype/kouzan-mouhitsu/KouzanBrushFontSousyo.ttf",
        "fonts-kouzan-mouhitsu",
    ),
    "soseki": ("truetype/aoyagi-soseki/aoyagi-soseki.ttf", "fonts-aoyagi-soseki"),
    "cedar": ("truetype/motoya-l-cedar/MTLc3m.ttf", "fonts-motoya-l-cedar"),
    "maru": ("truetype/motoya-l-maruberi/MTLmr3m.ttf", "fonts-motoya-l-maruberi"),
    "vl_gothic": ("truetype/vlgothic/VL-Gothic-Regular.ttf", "fonts-vlgothic"),
    "ume_mincho": ("truetype/horai-umefont/ume-tmo3.ttf", "fonts-horai-umefont"),
    "ume_gothic": ("truetype/horai-umefont/ume-tgo5.ttf", "fonts-horai-umefont"),
    "seto": ("truetype/seto/setofont.ttf", "fonts-seto"),
    "klee": ("truetype/klee/KleeOne-SemiBold.ttf", "fonts-klee"),
    "misaki": ("truetype/misaki/misaki_gothic.ttf", "fonts-misaki"),
    "kouzan_t": ("truetype/aoyagi-kouzan-t/AoyagiKouzanT.ttf", "fonts-aoyagi-kouzan-t"),
    "kiloji": ("truetype/kiloji/kiloji_b.ttf", "fonts-kiloji"),
    "mplus_black": ("opentype/mplus/Mplus1-Black.otf", "fonts-mplus"),
    "dejima": ("truetype/dejima-mincho/dejima-mincho-r227.ttf", "fonts-dejima-mincho"),
    "konatu": ("truetype/konatu/Konatu.ttf", "fonts-konatu"),
    "noto_sans_light": ("opentype/noto/NotoSansCJK-Light.ttc", "fonts-noto-cjk-extra"),
    "noto_sans_medium": ("opentype/noto/NotoSansCJK-Medium.ttc", "fonts-noto-cjk-extra"),
    "noto_sans_black": ("opentype/noto/NotoSansCJK-Black.ttc", "fonts-noto-cjk-extra"),
    "noto_serif_light": ("opentype/noto/NotoSerifCJK-Light.ttc", "fonts-noto-cjk-extra"),
    "noto_serif_semibold": ("opentype/noto/NotoSerifCJK-SemiBold.ttc", "fonts-noto-cjk-extra"),
    "noto_serif_black": ("opentype/noto/NotoSerifCJK-Black.ttc", "fonts-noto-cjk-extra"),
    "sawarabi_mincho": (
        "truetype/sawarabi-mincho/sawarabi-mincho-medium.ttf",
        "fonts-sawarabi-mincho",
    ),
    "sawarabi_gothic": (
        "truetype/sawarabi-gothic/sawarabi-gothic-medium.ttf",
        "fonts-sawarabi-gothic",
    ),
    "hanazono": ("truetype/hanazono/HanaMinA.ttf", "fonts-hanazono"),
    "tw_kai": ("truetype/cns11643/TW-Kai-98_1.ttf", "fonts-cns11643-kai"),
    "wenkai_bold": ("truetype/lxgw-wenkai/LXGWWenKai-Bold.ttf", "fonts-lxgw-wenkai"),
    "wenkai_light": ("truetype/lxgw-wenkai/LXGWWenKai-Light.ttf", "fonts-lxgw-wenkai"),
    "yoz_bold": ("truetype/yozvox-yozfont/YOzBN_.ttf", "fonts-yozvox-yozfont"),
}

# What each piece image says: one character, or the full two-character name.
ONE_CHARACTER = {
    "pawn": "歩", "lance": "香", "knight": "桂", "silver": "銀", "gold": "金",
    "bishop": "角", "rook": "飛", "king": "王", "king2": "玉",
    "prom_pawn": "と", "prom_lance": "杏", "prom_knight": "圭", "prom_silver": "全",
    "horse": "馬", "dragon": "龍",
}  # fmt: skip
TWO_CHARACTERS = {
    "pawn": "歩兵", "lance": "香車", "knight": "桂馬", "silver": "銀将", "gold": "金将",
    "bishop": "角行", "rook": "飛車", "king": "王将", "king2": "玉将",
    "prom_pawn": "と金", "prom_lance": "成香", "prom_knight": "成桂", "prom_silver": "成銀",
    "horse": "龍馬", "dragon": "龍王",
}  # fmt: skip
# Traditional sets write a promoted piece as the cursive form of the unpromoted one.
CURSIVE_PROMOTED = {"prom_lance": "香", "prom_knight": "桂", "prom_silver": "銀", "prom_pawn": "と"}
PROMOTED_KINDS = {kind for kind in shogi_data.KINDS if kind.startswith("prom_")} | {
    "horse",
    "dragon",
}

SIZE = (140, 148)
LIGHT_WOOD, YELLOW_WOOD, PALE_WOOD, DARK_WOOD, BLACK = (
    (236, 201, 138),
    (250, 222, 140),
    (246, 230, 190),
    (205, 160, 95),
    (24, 24, 24),
)
INK, WHITE, RED, PINK = (16, 16, 16), (245, 245, 245), (200, 20, 20), (245, 120, 120)


@dataclass(frozen=True)
class FontStyle:
    """How one rendered style looks."""

    font: str
    body: tuple[int, int, int] = LIGHT_WOOD
    text: tuple[int, int, int] = INK
    promoted_text: tuple[int, int, int] = RED
    two_characters: bool = False
    # A font for the promoted pieces' cursive forms (CURSIVE_PROMOTED), or none.
    cursive_font: str = ""
    dragon: str = "龍"
    # Pentagon proportions: width of the base and of the shoulders, as fractions of SIZE.
    base: float = 0.88
    shoulders: float = 0.76
    # Bolder lettering: an outline this wide (pixels, on glyphs drawn 200 pixels high)
    # thickens every stroke, as heavy typefaces on some sites' pieces.
    weight: int = 0
    # Width of the lettering, as a fraction of SIZE's width.
    lettering: float = 0.56
    # The piece's body: "flat" colour, "gradient" (lit from the top left, with a bevel),
    # "wood" (grain), "outline" (an unfilled pentagon) or "none" (the lettering alone).
    finish: str = "flat"
    # Movement marks: a dot for each square the piece steps to, under the lettering.
    marks: bool = False
    # Pixel-art sets: the piece drawn this many pixels high, then enlarged without smoothing.
    pixels: int = 0


STYLES = {
    "ipa_mincho": FontStyle("ipa_mincho", cursive_font="kouzan_sosho"),
    "ipa_gothic": FontStyle("ipa_gothic", body=YELLOW_WOOD, dragon="竜"),
    "kouzan": FontStyle("kouzan", body=DARK_WOOD, cursive_font="kouzan_sosho", base=0.92),
    "kouzan_gyosho": FontStyle("kouzan_gyosho", body=PALE_WOOD, promoted_text=INK),
    "soseki": FontStyle("soseki", body=YELLOW_WOOD, shoulders=0.7),
    "cedar_two": FontStyle("cedar", two_characters=True, base=0.84),
    "maru": FontStyle("maru", body=PALE_WOOD, dragon="竜", shoulders=0.8),
    "vl_gothic_dark": FontStyle("vl_gothic", body=BLACK, text=WHITE, promoted_text=PINK),
    "ume_mincho_two": FontStyle("ume_mincho", body=DARK_WOOD, two_characters=True),
    "ume_gothic_two": FontStyle(
        "ume_gothic", body=BLACK, text=WHITE, promoted_text=PINK, two_characters=True
    ),
    "seto": FontStyle("seto", body=LIGHT_WOOD, dragon="竜", base=0.9),
    "ipa_mincho_dark": FontStyle(
        "ipa_mincho", body=BLACK, text=WHITE, promoted_text=PINK, cursive_font="kouzan_sosho"
    ),
    "ipa_gothic_bold": FontStyle("ipa_gothic", weight=8, lettering=0.7),
    "vl_gothic_bold": FontStyle("vl_gothic", body=PALE_WOOD, dragon="竜", weight=8, lettering=0.66),
    "maru_bold_dark": FontStyle(
        "maru", body=BLACK, text=WHITE, promoted_text=PINK, weight=8, lettering=0.66, base=0.92
    ),
    "ipa_mincho_bold": FontStyle("ipa_mincho", body=YELLOW_WOOD, weight=8, lettering=0.66),
    # Textbook, brush, handwriting, pixel and heavy rounded type, on generated bodies:
    "klee_textbook": FontStyle("klee", body=PALE_WOOD, finish="gradient"),
    "kouzan_t_wood": FontStyle("kouzan_t", body=LIGHT_WOOD, finish="wood", base=0.9),
    "kiloji_outline": FontStyle("kiloji", body=INK, finish="outline", lettering=0.6),
    "mplus_black_3d": FontStyle("mplus_black", body=YELLOW_WOOD, finish="gradient", dragon="竜"),
    "dejima_marks": FontStyle("dejima", body=LIGHT_WOOD, marks=True, lettering=0.5),
    "mplus_marks_dark": FontStyle(
        "mplus_black", body=BLACK, text=WHITE, promoted_text=PINK, marks=True, lettering=0.5
    ),
    "misaki_pixel": FontStyle("misaki", body=YELLOW_WOOD, pixels=32, lettering=0.62),
    "konatu_glyph": FontStyle("konatu", finish="none", lettering=0.8),
    "kouzan_glyph_two": FontStyle("kouzan", finish="none", two_characters=True, lettering=0.7),
    "ipa_gothic_glyph": FontStyle("ipa_gothic", finish="none", weight=6, lettering=0.8),
    "klee_wood_two": FontStyle("klee", body=DARK_WOOD, finish="wood", two_characters=True),
    # Stroke weights from hairline to black (Noto CJK's Japanese faces), small lettering
    # over marks, and more bare glyphs:
    "noto_serif_black_3d": FontStyle("noto_serif_black", body=YELLOW_WOOD, finish="gradient"),
    "noto_sans_black_dark": FontStyle(
        "noto_sans_black", body=(60, 60, 64), text=WHITE, promoted_text=RED, lettering=0.64
    ),
    "noto_sans_light_wood": FontStyle(
        "noto_sans_light", finish="wood", cursive_font="kouzan_gyosho"
    ),
    "noto_serif_light_two": FontStyle("noto_serif_light", body=PALE_WOOD, two_characters=True),
    "noto_sans_small_marks": FontStyle(
        "noto_sans_medium", body=YELLOW_WOOD, finish="wood", marks=True, lettering=0.36
    ),
    "sawarabi_mincho_outline": FontStyle("sawarabi_mincho", body=INK, finish="outline"),
    "sawarabi_gothic_3d": FontStyle(
        "sawarabi_gothic", body=PALE_WOOD, finish="gradient", cursive_font="kouzan_sosho"
    ),
    "hanazono_glyph": FontStyle("hanazono", finish="none", lettering=0.8),
    "noto_serif_glyph_two": FontStyle(
        "noto_serif_semibold", finish="none", two_characters=True, lettering=0.7
    ),
    # Regular script (kaisho), as most wooden sets are lettered, and a pen hand:
    "tw_kai_wood": FontStyle("tw_kai", finish="wood", cursive_font="kouzan_gyosho"),
    "tw_kai_two": FontStyle("tw_kai", body=YELLOW_WOOD, finish="gradient", two_characters=True),
    "wenkai_bold_3d": FontStyle("wenkai_bold", body=PALE_WOOD, finish="gradient", dragon="竜"),
    # (thickening this face leaves its strokes hollow: outlined lettering, as some sets have)
    "wenkai_light_dark": FontStyle(
        "wenkai_light", body=(72, 46, 30), text=WHITE, promoted_text=PINK, weight=3
    ),
    "wenkai_marks": FontStyle("wenkai_bold", body=DARK_WOOD, marks=True, lettering=0.46),
    "yoz_bold": FontStyle("yoz_bold", body=YELLOW_WOOD, cursive_font="kouzan_sosho", base=0.92),
}

# Where each piece steps, as (column, row) offsets seen from its owner (row -1 is ahead);
# a row of -2 stands for the ranged moves of lance, rook and bishop lines.
GOLD_MOVES = ((-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (0, 1))
KING_MOVES = tuple((x, y) for x in (-1, 0, 1) for y in (-1, 0, 1) if (x, y) != (0, 0))
MOVES = {
    "pawn": ((0, -1),), "lance": ((0, -1), (0, -2)), "knight": ((-1, -2), (1, -2)),
    "silver": ((-1, -1), (0, -1), (1, -1), (-1, 1), (1, 1)), "gold": GOLD_MOVES,
    "bishop": ((-1, -1), (1, -1), (-1, 1), (1, 1)), "rook": ((0, -1), (-1, 0), (1, 0), (0, 1)),
    "king": KING_MOVES, "king2": KING_MOVES, "prom_pawn": GOLD_MOVES, "prom_lance": GOLD_MOVES,
    "prom_knight": GOLD_MOVES, "prom_silver": GOLD_MOVES, "horse": KING_MOVES,
    "dragon": KING_MOVES,
}  # fmt: skip



def font_path(name: str) -> Path:
    """The installed file of font `name`; a clear error naming the package if it is missing."""
    relative, package = FONTS[name]
    path = FONT_ROOT / relative
    if not path.is_file():
        raise shogi_data.DataError(
            f"{path}: font {name!r} is not installed (apt-get install {package})"
        )
    return path


def render_style(style: FontStyle) -> dict[str, bytes]:
    """Every piece image of `style`: file name (SIDE_KIND.png) -> PNG bytes."""
    images = {}
    for kind in shogi_data.KINDS:
        piece = _render_piece(style, kind)
        for side in shogi_data.SIDES:
            image = piece if side == "black" else piece.rotate(180)
            images[f"{side}_{kind}.png"] = _png(image)
    return images


def render_all(output_dir: Path = FONT_PIECES_DIR) -> list[Path]:
    """Renders every style of STYLES into `output_dir`; returns the style folders."""
    for style in STYLES.values():  # every font first, so a missing one writes nothing
        font_path(style.font)
        if style.cursive_font:
            font_path(style.cursive_font)
    folders = []
    for name, style in STYLES.items():
        folder = Path(output_dir) / name
        folder.mkdir(parents=True, exist_ok=True)
        for file_name, data in render_style(style).items():
            write_atomically(folder / file_name, data)
        folders.append(folder)
    return folders


def _render_piece(style: FontStyle, kind: str):
    from PIL import Image

    width, height = SIZE
    image = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    _draw_body(image, style)

    promoted = kind in PROMOTED_KINDS
    colour = style.promoted_text if promoted else style.text
    if style.two_characters:
        text, font = TWO_CHARACTERS[kind], style.font
    elif style.cursive_font and kind in CURSIVE_PROMOTED:
        text, font = CURSIVE_PROMOTED[kind], style.cursive_font
    else:
        text, font = ONE_CHARACTER[kind], style.font
    if kind == "dragon":
        text = text.replace("龍", style.dragon)
    # The lettering sits in the body below the shoulders, as on a real piece; marks take
    # the bottom of the body.
    margin = (1 - style.lettering) / 2
    bottom = 0.74 if style.marks else 0.95
    box = (margin * width, 0.2 * height, (1 - margin) * width, bottom * height)
    _draw_text(image, text, font_path(font), box, colour, style.weight)
    if style.marks:
        _draw_marks(image, MOVES[kind], colour)
    if style.pixels:
        small = (round(style.pixels * width / height), style.pixels)
        image = image.resize(small, Image.Resampling.BOX).resize(SIZE, Image.Resampling.NEAREST)
    return image


def _draw_body(image, style: FontStyle) -> None:
    """The pentagon of `style.finish`, with a soft shadow under a filled one."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    if style.finish == "none":
        return
    shape = _pentagon(style)
    edge = tuple(max(0, channel - 60) for channel in style.body)
    if style.finish == "outline":
        ImageDraw.Draw(image).polygon(shape, outline=style.body + (255,), width=5)
        return
    shadow = Image.new("L", SIZE, 0)
    ImageDraw.Draw(shadow).polygon([(x + 3, y + 3) for x, y in shape], fill=110)
    image.putalpha(shadow.filter(ImageFilter.GaussianBlur(2)))
    mask = Image.new("L", SIZE, 0)
    ImageDraw.Draw(mask).polygon(shape, fill=255)
    width, height = SIZE
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    body = np.asarray(style.body, dtype=np.float32)
    if style.finish == "gradient":
        # light from the top left, and a bevel: the rim darker than the face
        light = 1.12 - 0.24 * (x / width + y / height) / 2
        rim = np.asarray(mask.filter(ImageFilter.GaussianBlur(5)), dtype=np.float32) / 255
        shade = light * (0.8 + 0.2 * rim)
        pixels = body * shade[..., None]
    elif style.finish == "wood":
        # grain: stripes along the piece, wavering, with a fixed seed so renders repeat
        rng = np.random.default_rng(7)
        waver = np.cumsum(rng.normal(0, 0.6, height))[:, None]
        grain = np.sin((x + waver) * 0.35 + 3 * np.sin(y * 0.02)) * 0.5 + 0.5
        pixels = body * (0.86 + 0.16 * grain)[..., None]
    else:
        pixels = np.broadcast_to(body, (height, width, 3))
    face = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB").convert("RGBA")
    face.putalpha(mask)
    image.alpha_composite(face)
    ImageDraw.Draw(image).polygon(shape, outline=edge + (255,), width=2)


def _draw_marks(image, moves, colour) -> None:
    """Movement marks under the lettering: a dot a move, a bar for a ranged one."""
    from PIL import ImageDraw

    width, height = SIZE
    draw = ImageDraw.Draw(image)
    centre_x, centre_y, step, dot = width / 2, 0.85 * height, 0.045 * height, 0.014 * height
    draw.ellipse((centre_x - dot, centre_y - dot, centre_x + dot, centre_y + dot), fill=colour)
    for column, row in moves:
        x = centre_x + column * step
        y = centre_y + max(row, -1) * step + (0 if row > -2 else -step * 0.6)
        if row == -2 and column == 0:  # ranged: a bar
            draw.line((x, y - step * 0.4, x, y + step * 0.4), fill=colour, width=3)
        else:
            draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=colour)


def _pentagon(style: FontStyle) -> list[tuple[float, float]]:
    width, height = SIZE
    centre = width / 2
    return [
        (centre, 0.03 * height),
        (centre + style.shoulders * width / 2, 0.16 * height),
        (centre + style.base * width / 2, 0.97 * height),
        (centre - style.base * width / 2, 0.97 * height),
        (centre - style.shoulders * width / 2, 0.16 * height),
    ]


def _draw_text(image, text: str, path: Path, box, colour, weight: int) -> None:
    """Draws `text` top to bottom, each character scaled to fill its share of `box`, its
    strokes thickened by `weight` (see FontStyle)."""
    from PIL import Image, ImageFont

    left, top, right, bottom = box
    cell_height = (bottom - top) / len(text)
    font = ImageFont.truetype(str(path), 200)
    for index, character in enumerate(text):
        mask = font.getmask(character, mode="L", stroke_width=weight)
        glyph = Image.frombytes("L", mask.size, bytes(mask))
        glyph = glyph.crop(glyph.getbbox())
        scale = min((right - left) / glyph.width, 0.96 * cell_height / glyph.height)
        # Two-character names are set narrower than they are tall, as piece sets do.
        squeeze = 0.8 if len(text) > 1 else 1.0
        size = (max(1, round(glyph.width * scale * squeeze)), max(1, round(glyph.height * scale)))
        glyph = glyph.resize(size, Image.Resampling.LANCZOS)
        x = round((left + right - glyph.width) / 2)
        y = round(top + index * cell_height + (cell_height - glyph.height) / 2)
        ink = Image.new("RGBA", glyph.size, colour + (255,))
        ink.putalpha(glyph)
        image.alpha_composite(ink, (x, y))


def _png(image) -> bytes:
    import io

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.shogi.font_pieces", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--output", type=Path, default=FONT_PIECES_DIR)
    arguments = parser.parse_args(argv)
    try:
        folders = render_all(arguments.output)
    except shogi_data.DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"rendered {len(folders)} styles into {arguments.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
