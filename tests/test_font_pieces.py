"""The piece styles rendered from fonts: committed, complete, and what the renderer makes."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.shogi import data as shogi_data
from pipeline.shogi import font_pieces


@pytest.fixture(scope="module")
def committed():
    return shogi_data.load_pieces(font_pieces.FONT_PIECES_DIR)


def test_every_rendered_style_is_committed_and_complete(committed):
    assert sorted(committed) == sorted(font_pieces.STYLES)
    for style in committed.values():
        assert sorted(style) == sorted(set(shogi_data.LABELS) - {"BLANK"})
        assert {image.size for images in style.values() for image in images} == {
            font_pieces.SIZE
        }


def test_gote_pieces_are_sente_pieces_turned_half_round(committed):
    for style in committed.values():
        for kind in ("FU", "OU", "RY"):
            for sente, gote in zip(style[f"B_{kind}"], style[f"W_{kind}"], strict=True):
                turned = np.asarray(sente.rotate(180))
                assert np.array_equal(turned, np.asarray(gote))


def test_no_style_shares_a_name_with_a_cc0_style():
    both = shogi_data.load_piece_folders([shogi_data.PIECES_DIR, font_pieces.FONT_PIECES_DIR])
    assert len(both) == len(font_pieces.STYLES) + len(shogi_data.load_pieces())


def test_a_style_name_used_twice_is_an_error():
    with pytest.raises(shogi_data.DataError, match="a second style named 'hitomoji'"):
        shogi_data.load_piece_folders([shogi_data.PIECES_DIR, shogi_data.PIECES_DIR])


def test_every_character_is_in_its_font():
    """A font without a glyph draws its empty box (or nothing), which would teach nothing."""
    for style in font_pieces.STYLES.values():
        texts = [*font_pieces.ONE_CHARACTER.values(), *font_pieces.TWO_CHARACTERS.values()]
        characters = set("".join(texts) + style.dragon)
        for font in {style.font, style.cursive_font} - {""}:
            missing = _glyph_bitmap(font, "\ue000")  # private use: no font draws it
            for character in characters:
                bitmap = _glyph_bitmap(font, character)
                assert bitmap.any(), f"{font} draws nothing for {character}"
                assert bitmap.shape != missing.shape or not np.array_equal(bitmap, missing), (
                    f"{font} has no {character}"
                )


def test_the_committed_images_are_what_the_renderer_makes():
    """Re-rendering needs the fonts (Debian packages named in font_pieces.FONTS)."""
    for name, style in font_pieces.STYLES.items():
        for file_name, data in font_pieces.render_style(style).items():
            rendered = np.asarray(Image.open(io.BytesIO(data)))
            committed = np.asarray(Image.open(font_pieces.FONT_PIECES_DIR / name / file_name))
            assert np.array_equal(rendered, committed), f"{name}/{file_name} differs"


def test_a_missing_font_is_named_with_its_package(monkeypatch, tmp_path):
    monkeypatch.setattr(font_pieces, "FONT_ROOT", tmp_path)
    with pytest.raises(shogi_data.DataError, match=r"apt-get install fonts-ipafont-mincho"):
        font_pieces.render_all(tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing written


def _glyph_bitmap(font: str, character: str) -> np.ndarray:
    from PIL import ImageFont

    mask = ImageFont.truetype(str(font_pieces.font_path(font)), 64).getmask(character)
    if not mask.size[0]:
        return np.zeros((1, 1), dtype=np.uint8)
    return np.asarray(Image.frombytes("L", mask.size, bytes(mask)))


def test_ci_installs_every_font_package():
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    for _, package in font_pieces.FONTS.values():
        assert package in ci.split(), package
