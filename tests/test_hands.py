"""Pieces in hand read from board screenshots: pieces beside the board, pieces above and below
it, and the kanji lines of kifu viewers; counts and what cannot be read."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
import test_board
from PIL import Image, ImageDraw
from support import ROOT, clean_environment, ready_page
from test_board import recognise_on_page

from pipeline.shogi import blobs, glyphs, grid, hand_screenshots, hands, position
from pipeline.shogi import data as shogi_data
from pipeline.shogi.recognize import Recognizer

# Screenshots a layout is measured on, and the share whose two hands must be read exactly.
SCREENSHOTS = 60
READ_EXACTLY = {"beside": 0.95, "above_below": 0.95, "kifu_text": 0.95}
# Hands read wrong with no word of what to check, the board's grid found right: at most this.
WRONG_UNSAID = 0.05
SEED = 20261205  # not the screenshots any threshold was set on

default_site = test_board.default_site  # the site built from the shipped model, served


@pytest.fixture(scope="module")
def node():
    """The project's Node, built if it is not yet."""
    subprocess.run([sys.executable, "-m", "doit", "node"], cwd=ROOT, env=clean_environment(),
                   capture_output=True, check=True)  # fmt: skip
    return str(ROOT / "artifacts" / "node" / "bin" / "node")


@pytest.fixture(scope="module")
def recognizer(default_frozen):
    return Recognizer(default_frozen.graph, default_frozen.config.input_size)


@pytest.fixture(scope="module")
def styles():
    return shogi_data.load_pieces(), shogi_data.load_boards()


def drawn(layout: str, count: int, styles, directory, seed: int = SEED):
    rng = np.random.default_rng(seed)
    shots = []
    for number in range(count):
        shot = hand_screenshots.hand_screenshot(layout, *styles, rng)
        path = directory / f"{layout}-{number}.png"
        shot.image.save(path)
        shots.append((path, shot))
    return shots


@pytest.mark.parametrize("layout", hand_screenshots.LAYOUTS)
def test_both_hands_are_read_exactly_from_most_screenshots_of_each_layout(layout, recognizer, styles, tmp_path):
    shots = drawn(layout, SCREENSHOTS, styles, tmp_path)
    read = dict(recognizer.read([path for path, _ in shots], with_hands=True))
    right = unsaid = 0
    for path, shot in shots:
        reading = read[path]
        if isinstance(reading, Exception):
            continue
        square = (shot.grid[3] - shot.grid[1]) / 9
        grid_found = max(abs(a - b) for a, b in zip(grid.find_grid(Image.open(path)), shot.grid)) < 0.2 * square
        right += reading.hands.hands == shot.hands
        unsaid += reading.hands.hands != shot.hands and not reading.hands.problems and grid_found
        if reading.hands.hands == shot.hands and any(n for hand in shot.hands.values() for n in hand.values()):
            # read from what the layout shows
            assert reading.hands.source == ("text" if layout == "kifu_text" else "pieces")
    print(f"{layout}: {right} of {len(shots)} screenshots' hands read exactly; {unsaid} wrong unsaid")
    assert right >= READ_EXACTLY[layout] * len(shots)
    assert unsaid <= WRONG_UNSAID * len(shots)


def test_a_screenshot_without_hands_says_none_were_seen(recognizer, tmp_path):
    board = shogi_data.render_board(next(iter(shogi_data.load_boards().values())), {})
    page = shogi_data.on_page(board, np.random.default_rng(1), background=(240, 240, 240))
    page.save(tmp_path / "bare.png")
    [(_, reading)] = list(recognizer.read([tmp_path / "bare.png"], with_hands=True))
    assert reading.hands.source == "nothing"
    assert reading.hands.hands == position.empty_hands()
    assert "No pieces in hand seen" in reading.hands.summary()


def one_piece_and(count: str, styles, size: int = 22, font: str = glyphs.HELD_OUT_FONTS[0]):
    """A board with one sente pawn beside it and `count` written right of the pawn (in `font`
    at `size` pixels): the image and its grid."""
    pieces, boards = styles
    page = Image.new("RGBA", (700, 560), (235, 235, 240, 255))
    page.alpha_composite(shogi_data.render_board(next(iter(boards.values())), {}).convert("RGBA"), (10, 10))
    pawn = pieces["hitomoji"]["B_FU"][0]
    pawn = pawn.resize((round(pawn.width * 48 / pawn.height), 48))
    page.alpha_composite(pawn, (520, 400))
    glyphs.draw_text(page, (520 + pawn.width + 6, 442 - size), count, glyphs.font(font, size), (0, 0, 0))
    return np.asarray(page.convert("RGB")), shogi_data.moved(shogi_data.TEXTURE_GRID, 10, 10, 1.0, 1.0)


@pytest.mark.parametrize(("count", "read", "problems"), [
    ("7", 7, []),
    ("×12", 12, []),
    ("", 1, []),
    ("%", 1, ["The count beside sente's pawn could not be read: check it."]),
])  # fmt: skip
def test_the_count_beside_a_piece_is_read_or_named_as_unreadable(count, read, problems, styles):
    pixels, box = one_piece_and(count, styles)
    found = hands.find(pixels, box)
    assert len(found.pieces) == 1
    hands_read = hands.hands_from(found, [("B_FU", 0.99)])
    assert hands_read.hands["b"]["FU"] == read
    assert hands_read.problems == problems


def times_touching(styles, font: str, size: int = 22):
    """`one_piece_and` with "×4" drawn touching, as tight kerning draws it: one blob."""
    pixels, box = one_piece_and("×", styles, size=size, font=font)
    times = max(hands.find(pixels, box).characters, key=lambda mark: mark.right)
    page = Image.fromarray(pixels).convert("RGBA")
    typeface = glyphs.font(font, size)
    glyphs.draw_text(page, (times.right - 1 - typeface.getbbox("4")[0], 442 - size), "4", typeface, (0, 0, 0))
    return np.asarray(page.convert("RGB")), box


def parted_two(styles):
    """`one_piece_and` with a "2" whose hook is parted from its arc, as blur leaves a thin
    stroke fainter than ink."""
    pixels, box = one_piece_and("2", styles, size=20)
    two = max(hands.find(pixels, box).characters, key=lambda mark: mark.right)
    pixels = pixels.copy()
    pixels[two.top : two.top + two.height // 3, two.left + two.width // 3] = (235, 235, 240)
    return pixels, box


@pytest.mark.parametrize("font", glyphs.HELD_OUT_FONTS)
def test_a_count_drawn_touching_its_times_sign_is_read(font, styles):
    pixels, box = times_touching(styles, font)
    read = hands.hands_from(hands.find(pixels, box), [("B_FU", 0.99)])
    assert (read.hands["b"]["FU"], read.problems) == (4, [])


def test_a_stroke_parted_from_its_digit_is_read_with_it(styles):
    pixels, box = parted_two(styles)
    found = hands.find(pixels, box)
    assert len([mark for mark in found.characters if mark.left > 560]) == 2  # the 2 and its hook
    read = hands.hands_from(found, [("B_FU", 0.99)])
    assert (read.hands["b"]["FU"], read.problems) == (2, [])


def test_a_count_as_large_as_a_piece_is_not_counted_as_one(styles):
    pixels, box = one_piece_and("3", styles, size=34)
    found = hands.find(pixels, box)
    assert len(found.pieces) == 2  # the pawn, and the 3 as large as a small piece
    read = hands.hands_from(found, [("B_FU", 0.99)] * 2)  # the model takes both for pawns
    assert (read.hands["b"]["FU"], read.problems) == (3, [])


@pytest.mark.parametrize("apart", [1, 4])
def test_a_sliver_of_a_pieces_own_edge_just_right_of_it_is_not_its_count(apart, styles):
    pixels, box = one_piece_and("", styles)
    piece = hands.find(pixels, box).pieces[0]
    pixels = pixels.copy()
    # its shadow's edge, a few pixels apart from the blob found, as resampling leaves it
    pixels[piece.bottom - 16 : piece.bottom - 4, piece.right + apart] = (90, 90, 90)
    read = hands.hands_from(hands.find(pixels, box), [("B_FU", 0.99)])
    assert (read.hands["b"]["FU"], read.problems) == (1, [])


def test_a_speck_in_the_hole_of_a_digit_is_part_of_it(styles):
    pixels, box = one_piece_and("10", styles, size=32, font="noto_serif_semibold")  # its 0 has no slash
    found = hands.find(pixels, box)
    zero = max(found.characters, key=lambda mark: mark.left)
    own = found.labels[zero.top : zero.bottom, zero.left : zero.right] == zero.id
    rows, columns = np.nonzero(blobs.filled(own) & ~own)
    middle = zero.left + round(columns.mean())
    pixels = pixels.copy()
    # a grey speck down the hole, apart from the ring, as blur and JPEG leave one
    pixels[zero.top + rows.min() + 3 : zero.top + rows.max() - 2, middle - 1 : middle + 1] = (120, 120, 120)
    found = hands.find(pixels, box)
    assert len(found.characters) == 3  # the 1, the 0, the speck
    # the 0 is large enough to be a piece too: the model says it is none
    read = [("B_FU", 0.99)] + [("BLANK", 0.99)] * (len(found.pieces) - 1)
    assert hands.hands_from(found, read).hands["b"]["FU"] == 10


def test_blobs_the_model_does_not_take_for_hand_pieces_are_not_counted(styles):
    pixels, box = one_piece_and("3", styles)
    found = hands.find(pixels, box)
    for label in ("BLANK", "B_OU"):  # not a piece, and a piece no hand holds
        assert hands.hands_from(found, [(label, 0.99)]).source == "nothing"
    assert hands.hands_from(found, [("B_FU", 0.3)]).source == "nothing"  # the model unsure
    # a promoted piece in a hand is a misread of its kind: counted as that kind
    assert hands.hands_from(found, [("W_TO", 0.9)]).hands["w"]["FU"] == 3


def kifu_page():
    """A page with a bare board, room for a kifu line above and below it (at y 30 and 610):
    the RGBA image and the board's grid."""
    image = Image.new("RGBA", (900, 700), (250, 250, 250, 255))
    board = shogi_data.render_board(next(iter(shogi_data.load_boards().values())), {})
    image.alpha_composite(board.convert("RGBA"), (20, 90))
    return image, shogi_data.moved(shogi_data.TEXTURE_GRID, 20, 90, 1.0, 1.0)


@pytest.mark.parametrize("sente", [
    "先手の持駒：角　●",  # a blot, no piece
    "先手の持駒：",  # nothing: an empty hand is written なし
])  # fmt: skip
def test_a_kifu_line_that_cannot_be_read_is_named(sente):
    canvas, grid = kifu_page()
    font = glyphs.font(glyphs.HELD_OUT_FONTS[0], 28)
    glyphs.draw_text(canvas, (20, 30), "後手の持駒：飛　歩三", font, (0, 0, 0))
    glyphs.draw_text(canvas, (20, 610), sente.rstrip("●"), font, (0, 0, 0))
    if sente.endswith("●"):
        ImageDraw.Draw(canvas).ellipse((250, 615, 272, 637), fill=(0, 0, 0, 255))
    found = hands.find(np.asarray(canvas.convert("RGB")), grid)
    read = hands.hands_from(found, [])
    assert read.source == "text"
    assert read.hands["w"] == dict(position.empty_hands()["w"], HI=1, FU=3)
    assert read.problems == ["The line of sente's pieces in hand could not be read: check them."]


def kifu_touching(font: str, overlap: int):
    """A board with kifu hand lines whose characters are drawn `overlap` pixels into each
    other, as tight fonts, blur and JPEG join them: the image and its grid."""
    image, grid = kifu_page()
    typeface = glyphs.font(font, 28)
    for y, text in [(30, "後手の持駒：飛　歩三"), (610, "先手の持駒：角　金　銀二")]:
        x = 20
        for character in text:
            glyphs.draw_text(image, (x, y), character, typeface, (0, 0, 0))
            x += round(typeface.getlength(character)) - overlap
    return np.asarray(image.convert("RGB")), grid


TOUCHING_KIFU = [("noto_serif_semibold", 2), ("vl_gothic", 2), ("sawarabi_mincho", 3), ("klee", 3)]


@pytest.mark.parametrize(("font", "overlap"), TOUCHING_KIFU)
def test_kifu_characters_drawn_touching_are_read_apart(font, overlap):
    """Characters joined into one blob are cut where they meet."""
    read = hands.hands_from(hands.find(*kifu_touching(font, overlap)), [])
    assert (read.source, read.problems) == ("text", [])
    assert read.hands == {"w": dict(position.empty_hands()["w"], HI=1, FU=3),
                          "b": dict(position.empty_hands()["b"], KA=1, KI=1, GI=2)}  # fmt: skip


def test_what_no_kifu_line_says_is_taken_for_a_misread():
    for misread in ["", "　", "　角　香一"]:  # nothing; a count of one (a kind alone is one)
        assert hands.MISREAD.search(misread), misread
    for said in ["なし", "　角　香二", "　歩十一", "　飛　歩十八"]:
        assert not hands.MISREAD.search(said), said


def test_ink_comes_apart_into_8_connected_blobs_numbered_as_they_come():
    mask = np.array([
        [1, 0, 0, 1, 1],
        [0, 1, 0, 0, 1],
        [0, 0, 0, 0, 0],
        [1, 1, 0, 1, 0],
    ], dtype=bool)  # fmt: skip
    labels, found = blobs.components(mask)
    assert [(b.left, b.top, b.right, b.bottom, b.size) for b in found] == [
        (0, 0, 2, 2, 2), (3, 0, 5, 2, 3), (0, 3, 2, 4, 2), (3, 3, 4, 4, 1),
    ]  # fmt: skip
    assert labels[1, 1] == 1 and labels[1, 4] == 2 and labels[3, 3] == 4


def test_a_lines_small_faint_characters_stay_in_it():
    """A character, then 二 (two thin strokes), then a faint 金 that came apart into small
    strokes: no two of those small blobs are near enough by their own heights, but the line's
    are."""
    line = [blobs.Blob(1, 0, 0, 20, 20, 100), blobs.Blob(2, 25, 6, 40, 9, 15), blobs.Blob(3, 25, 13, 40, 16, 15),
            blobs.Blob(4, 60, 5, 80, 10, 30), blobs.Blob(5, 62, 12, 78, 17, 30)]  # fmt: skip
    assert [[blob.id for blob in found] for found in blobs.text_lines(line)] == [[1, 2, 3, 4, 5]]
    below = [blobs.Blob(6, 0, 40, 20, 60, 100)]  # the next line down stays apart
    assert len(blobs.text_lines(line + below)) == 2


def test_what_is_drawn_on_a_stand_is_inside_it_and_the_page_around_it_is_not():
    stand = np.zeros((7, 7), dtype=bool)
    stand[1:6, 1:6] = True
    stand[3, 3] = False  # a count drawn in the page's own colour
    filled = blobs.filled(stand)
    assert filled[3, 3] and not filled[0, 0] and filled.sum() == 25


def test_the_page_and_the_command_line_read_the_same_whole_position(default_site, browser, styles, tmp_path):
    """Screenshots of each layout read on the page (hands in the editor, the note on where
    they came from) and by `recognize --full`: the same SFEN."""
    shots = [shot for layout in hand_screenshots.LAYOUTS for shot in drawn(layout, 3, styles, tmp_path, seed=5)]
    completed = subprocess.run(
        [sys.executable, "-m", "pipeline.shogi.recognize", "--full", *(str(path) for path, _ in shots)],
        cwd=ROOT, env=clean_environment(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    command_line = completed.stdout.splitlines()
    page = ready_page(browser, default_site)
    for (path, shot), sfen in zip(shots, command_line, strict=True):
        recognise_on_page(page, path)
        assert page.get_attribute("#sfen", "data-sfen") == sfen, path
        assert page.is_visible("#hands-note")
        if sfen.split()[2] != "-":  # some pieces read in hand: from text or from pieces
            source = page.get_attribute("#hands-note", "data-source")
            assert source == ("text" if shot.layout == "kifu_text" else "pieces"), path
    page.close()


def read_on_the_page(node, cases, tmp_path):
    """hands.ts on (name, RGB pixels, grid box, labels) cases, the model's part played by
    `labels` ([label, score] for the pieces found, in turn): for each, the boxes of the
    pieces found, what was read, and the pieces' crops."""
    size, files = 64, []
    for name, pixels, box, labels in cases:
        height, width = pixels.shape[:2]
        rgba = tmp_path / f"{name}.rgba"
        rgba.write_bytes(np.asarray(Image.fromarray(pixels).convert("RGBA")).tobytes())
        files.append({"file": str(rgba), "width": width, "height": height, "grid": list(box), "size": size,
                      "labels": labels})  # fmt: skip
    completed = subprocess.run(
        [node, str(ROOT / "tests" / "hands_ts.cjs"),
         str(ROOT / "web"), str(tmp_path / "js")],
        input=json.dumps(files), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    return [(page["pieces"], page["read"], np.fromfile(f"{case['file']}.crops", dtype=np.float32))
            for case, page in zip(files, json.loads(completed.stdout), strict=True)]  # fmt: skip


def assert_read_alike(node, cases, tmp_path):
    """The page finds and reads in each case what Python does: the same pieces, crops and
    hands. Returns what was read."""
    reads = []
    for (name, pixels, box, labels), (pieces, read, crops) in zip(cases, read_on_the_page(node, cases, tmp_path),
                                                                  strict=True):  # fmt: skip
        found = hands.find(pixels, box)
        expected = hands.hands_from(found, [tuple(labels[i % len(labels)]) for i in range(len(found.pieces))])
        assert pieces == [[b.left, b.top, b.right, b.bottom] for b in found.pieces], name
        assert read == {"hands": expected.hands, "source": expected.source, "problems": expected.problems}, name
        here = hands.crops(pixels, box, found, 64)
        assert np.abs(crops.reshape(here.shape) - here).max(initial=0) < 1e-3, name
        reads.append(expected)
    return reads


def test_the_page_finds_and_reads_what_the_command_line_does_in_every_layout(node, styles, tmp_path):
    """Pieces found, their crops, and the hands read from them as pieces of some kinds (the
    model's part is played by a fixed list here): the same in TypeScript and in Python."""
    labels = [["B_FU", 0.9], ["W_KI", 0.8], ["BLANK", 0.9]]
    cases = []
    for layout in hand_screenshots.LAYOUTS:
        for path, _ in drawn(layout, 6, styles, tmp_path, seed=77):
            image = Image.open(path).convert("RGB")
            cases.append((path.stem, np.asarray(image), grid.find_grid(image), labels))
    assert {"text", "pieces"} <= {read.source for read in assert_read_alike(node, cases, tmp_path)}


def test_the_page_reads_characters_that_touch_or_come_apart_as_the_command_line_does(node, styles, tmp_path):
    pawns = [["B_FU", 0.99]]
    cases = [("touching", *times_touching(styles, glyphs.HELD_OUT_FONTS[0]), pawns),
             ("parted", *parted_two(styles), pawns),
             ("large", *one_piece_and("3", styles, size=34), pawns),
             *((f"kifu-{font}", *kifu_touching(font, overlap), pawns) for font, overlap in TOUCHING_KIFU)]  # fmt: skip
    assert_read_alike(node, cases, tmp_path)


def test_the_page_reads_each_glyph_as_the_classifier_does(node, tmp_path):
    """glyphs.ts against glyphs.Classifier, on the characters of lines rendered in the
    held-out fonts: the same class, the same probability."""
    features, _, _ = glyphs.training_set(30, glyphs.HELD_OUT_FONTS, seed=3)
    completed = subprocess.run([node, str(ROOT / "tests" / "glyphs_ts.cjs"), str(ROOT / "web"), str(tmp_path)],
                               input=json.dumps(features.tolist()), capture_output=True, text=True, check=False)  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    page = json.loads(completed.stdout)
    expected = glyphs.classifier().read(list(features))
    assert len(page) == len(expected) > 100
    assert [name for name, _ in page] == [name for name, _ in expected]
    assert np.allclose([p for _, p in page], [p for _, p in expected], atol=1e-4)


def test_the_glyph_classifier_file_fits_the_code_that_reads_it():
    """hand-glyphs.json is trained by `python -m pipeline.shogi.glyphs`: its classes and input
    are the ones the code has now."""
    classifier = glyphs.classifier()
    assert classifier.classes == glyphs.CLASSES
    assert classifier.probabilities(np.zeros((2, blobs.FEATURES))).shape == (2, len(glyphs.CLASSES))


def test_kifu_lines_are_read_beside_a_long_move_list(styles, tmp_path):
    """A kifu viewer shows the moves too: hundreds of characters, many of them kanji a hand
    line has, none of them a hand."""
    [(path, shot)] = drawn("kifu_text", 1, styles, tmp_path, seed=8)
    screenshot = Image.open(path).convert("RGBA")
    page = Image.new("RGBA", (screenshot.width + 420, screenshot.height), (250, 250, 250, 255))
    page.alpha_composite(screenshot, (0, 0))
    font = glyphs.font(glyphs.HELD_OUT_FONTS[1], 16)
    moves = ["▲７六歩(77)", "△３四歩(33)", "▲２六歩(27)", "△８四歩(83)", "▲２五歩(26)", "△８五歩(84)"]
    for line in range(screenshot.height // 22):
        text = f"{line + 1:3d} {moves[line % 6]}　{moves[(line + 3) % 6]}　消費時間 0:0{line % 10}"
        glyphs.draw_text(page, (screenshot.width + 10, 4 + 22 * line), text, font, (20, 20, 20))
    found = hands.find(np.asarray(page.convert("RGB")), grid.find_grid(screenshot))
    read = hands.hands_from(found, [])
    assert (read.source, read.hands, read.problems) == ("text", shot.hands, [])


def test_the_page_reads_hands_with_the_same_settings():
    source = (ROOT / "web" / "src" / "apps" / "shogi-board" / "hands.ts").read_text(encoding="utf-8")
    names = [name for name, value in vars(hands).items() if name.isupper() and isinstance(value, int | float | tuple)]
    assert len(names) > 10
    for name in names:
        match = re.search(rf"const {name} = \[?([0-9., ]+?)\]?;", source)
        assert match, name
        assert tuple(float(value) for value in match[1].split(",")) == tuple(np.atleast_1d(getattr(hands, name))), name
