import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.shogi import data as shogi_data
from pipeline.shogi import squares

START = "lnsgkgsnl/1r5b1/ppppppppp/9/9/9/PPPPPPPPP/1B5R1/LNSGKGSNL"


@pytest.fixture(scope="module")
def pieces():
    return shogi_data.load_pieces()


@pytest.fixture(scope="module")
def boards():
    return shogi_data.load_boards()


def test_the_labels_are_the_original_classifiers_in_its_order():
    kinds = ["FU", "KY", "KE", "GI", "KI", "KA", "HI", "OU", "TO", "NY", "NK", "NG", "UM", "RY"]
    assert list(shogi_data.LABELS) == (
        ["BLANK"] + [f"B_{kind}" for kind in kinds] + [f"W_{kind}" for kind in kinds]
    )


def test_the_assets_hold_four_complete_styles_and_four_boards(pieces, boards):
    assert sorted(pieces) == [
        "hitomoji",
        "hitomoji_dark",
        "hitomoji_gothic",
        "hitomoji_gothic_dark",
    ]
    for style in pieces.values():
        assert sorted(style) == sorted(set(shogi_data.LABELS) - {"BLANK"})
        assert len(style["B_OU"]) == len(style["W_OU"]) == 2  # 王 and 玉
    assert sorted(boards) == [f"{name}_458x500" for name in ("dark", "light", "resin", "warm")]
    assert (shogi_data.ASSETS_DIR / "LICENSE").is_file()


def _broken_copy(tmp_path):
    target = tmp_path / "pieces"
    shutil.copytree(shogi_data.PIECES_DIR / "hitomoji", target / "hitomoji")
    return target


def test_a_missing_piece_image_is_named(tmp_path):
    pieces_dir = _broken_copy(tmp_path)
    (pieces_dir / "hitomoji" / "white_horse.png").unlink()
    with pytest.raises(shogi_data.DataError, match=r"hitomoji/white_horse\.png: missing"):
        shogi_data.load_pieces(pieces_dir)


def test_an_unreadable_piece_image_is_named(tmp_path):
    pieces_dir = _broken_copy(tmp_path)
    path = pieces_dir / "hitomoji" / "black_pawn.png"
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(shogi_data.DataError, match=r"hitomoji/black_pawn\.png: cannot read"):
        shogi_data.load_pieces(pieces_dir)


def test_an_unknown_piece_image_is_named(tmp_path):
    pieces_dir = _broken_copy(tmp_path)
    shutil.copy(pieces_dir / "hitomoji" / "black_pawn.png", pieces_dir / "hitomoji" / "queen.png")
    with pytest.raises(shogi_data.DataError, match=r"hitomoji/queen\.png: not a piece image"):
        shogi_data.load_pieces(pieces_dir)


def test_a_board_texture_of_another_size_is_named(tmp_path):
    Image.new("RGB", (400, 400)).save(tmp_path / "odd.png")
    with pytest.raises(shogi_data.DataError, match=r"odd\.png: 400x400, expected 458x500"):
        shogi_data.load_boards(tmp_path)


def test_an_empty_labels_file_is_named(tmp_path):
    path = tmp_path / "labels.txt"
    path.write_text("")
    with pytest.raises(shogi_data.DataError, match=r"labels\.txt: empty"):
        shogi_data.read_labels(path)


def test_an_unknown_label_is_named_with_its_line(tmp_path):
    path = tmp_path / "labels.txt"
    path.write_text("BLANK\nB_FU\nB_QUEEN\n")
    with pytest.raises(shogi_data.DataError, match=r"labels\.txt:3: unknown label 'B_QUEEN'"):
        shogi_data.read_labels(path)


def test_sfen_board_of_the_starting_position():
    back = ["KY", "KE", "GI", "KI", "OU", "KI", "GI", "KE", "KY"]
    position = (
        [f"W_{kind}" for kind in back]
        + ["BLANK", "W_HI"]
        + ["BLANK"] * 5
        + ["W_KA", "BLANK"]
        + ["W_FU"] * 9
        + ["BLANK"] * 27
        + ["B_FU"] * 9
        + ["BLANK", "B_KA"]
        + ["BLANK"] * 5
        + ["B_HI", "BLANK"]
        + [f"B_{kind}" for kind in back]
    )
    assert shogi_data.sfen_board(position) == START


def test_sfen_board_writes_promoted_pieces_with_a_plus():
    position = ["B_TO", "W_RY"] + ["BLANK"] * 79
    assert shogi_data.sfen_board(position).split("/")[0] == "+P+r7"


def test_random_positions_are_plausible():
    rng = np.random.default_rng(1)
    unpromoted = {value: key for key, value in shogi_data.PROMOTED.items()}
    for _ in range(200):
        position = shogi_data.random_position(rng)
        assert len(position) == 81
        assert position.count("B_OU") == position.count("W_OU") == 1
        kinds = Counter(
            unpromoted.get(label[2:], label[2:]) for label in position if label != "BLANK"
        )
        for kind, count in kinds.items():
            assert count <= 2 * shogi_data.FULL_SET[kind]
        for (file, rank), label in zip(squares.square_order(), position):
            ahead = rank if label.startswith("B_") else 10 - rank
            if label[2:] in ("FU", "KY"):
                assert ahead > 1, (label, file, rank)
            if label[2:] == "KE":
                assert ahead > 2, (label, file, rank)
        for side in "BW":
            pawn_files = [
                file
                for (file, _), label in zip(squares.square_order(), position)
                if label == f"{side}_FU"
            ]
            assert len(pawn_files) == len(set(pawn_files))


def test_a_random_board_shows_its_sfen_where_the_squares_are_cut(pieces, boards):
    rng = np.random.default_rng(2)
    one_board = {"warm": boards["warm_458x500"]}
    image, sfen = shogi_data.random_board(pieces, one_board, rng, jitter=False)

    assert image.size == shogi_data.TEXTURE_SIZE
    rows = sfen.split("/")
    assert len(rows) == 9
    cut = squares.cut_board(image, shogi_data.TEXTURE_GRID, 48)
    empty = squares.cut_board(boards["warm_458x500"], shogi_data.TEXTURE_GRID, 48)
    occupied = [np.abs(cut[index] - empty[index]).max() > 40 for index in range(81)]
    expected = []
    for row in rows:
        for char in row.replace("+", ""):
            expected += [False] * int(char) if char.isdigit() else [True]
    assert occupied == expected


def test_random_squares_are_balanced_and_reproducible(pieces, boards):
    labels = list(shogi_data.LABELS)
    x, y = shogi_data.random_squares(pieces, boards, labels, 58, 96, np.random.default_rng(3))
    again, _ = shogi_data.random_squares(pieces, boards, labels, 58, 96, np.random.default_rng(3))
    other, _ = shogi_data.random_squares(pieces, boards, labels, 58, 96, np.random.default_rng(4))

    assert x.shape == (58, 96, 96, 3)
    assert x.dtype == np.uint8
    assert sorted(Counter(y.tolist()).values()) == [2] * 29
    assert np.array_equal(x, again)
    assert not np.array_equal(x, other)


def test_random_squares_are_the_same_drawn_in_several_processes(pieces, boards):
    labels = list(shogi_data.LABELS)
    count = shogi_data.CHUNK + 40  # two chunks, one to each process
    alone = shogi_data.random_squares(pieces, boards, labels, count, 32, np.random.default_rng(7))
    shared = shogi_data.random_squares(
        pieces, boards, labels, count, 32, np.random.default_rng(7), processes=2
    )
    assert np.array_equal(alone[0], shared[0])
    assert np.array_equal(alone[1], shared[1])


def test_random_squares_use_only_the_given_styles(pieces, boards):
    # the same seed draws the same squares but for the style: on a dark board, each square
    # of the dark style is darker than its twin of the light style
    labels = ["B_KI"]
    dark_board = {"dark": boards["dark_458x500"]}
    means = {}
    for name in ("hitomoji_dark", "hitomoji"):
        x, _ = shogi_data.random_squares(
            {name: pieces[name]}, dark_board, labels, 8, 48, np.random.default_rng(5)
        )
        means[name] = x.reshape(8, -1).mean(axis=1)
    assert (means["hitomoji"] - means["hitomoji_dark"] > 30).all()


def test_an_inverted_style_swaps_light_and_dark_and_keeps_the_outline(pieces):
    original = pieces["hitomoji"]["B_KI"][0]
    swapped = shogi_data.inverted(pieces["hitomoji"])["B_KI"][0]
    before = np.asarray(original).astype(int)
    after = np.asarray(swapped).astype(int)
    assert np.array_equal(before[..., 3], after[..., 3])
    opaque = before[..., 3] == 255
    lightness_before = before[..., :3].mean(axis=2)[opaque]
    lightness_after = after[..., :3].mean(axis=2)[opaque]
    # the light body turns dark, the black glyph light
    assert np.median(lightness_before) > 180
    assert np.median(lightness_after) < 75
    assert (lightness_after[lightness_before < 40] > 200).all()


def test_the_piece_sets_are_read_by_their_csa_names_with_their_categories():
    sets = shogi_data.load_pieces(shogi_data.PIECE_SETS_DIR)
    assert len(sets) == 25
    for style in sets.values():
        assert sorted(style) == sorted(label for label in shogi_data.LABELS if label != "BLANK")
    categories = shogi_data.categories([shogi_data.PIECE_SETS_DIR])
    assert set(categories) == set(sets)
    assert Counter(categories.values()) == {
        "kanji": 10, "kanji_marks": 5, "glyph_only": 1, "symbol": 9
    }  # fmt: skip
    # the attribution travels with the images
    readme = (shogi_data.PIECE_SETS_DIR / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in sets)


def test_a_piece_set_missing_its_gote_image_is_named(tmp_path):
    shutil.copytree(shogi_data.PIECE_SETS_DIR / "western", tmp_path / "western")
    (tmp_path / "western" / "1RY.png").unlink()
    with pytest.raises(shogi_data.DataError, match=r"western/1RY\.png: missing"):
        shogi_data.load_pieces(tmp_path)


def test_a_broken_piece_set_index_is_named(tmp_path):
    (tmp_path / "sets.json").write_text('{"western": {}}', encoding="utf-8")
    with pytest.raises(shogi_data.DataError, match=r"sets\.json: not a piece set index"):
        shogi_data.categories([tmp_path])


def test_generated_boards_keep_the_measured_grid(boards):
    from pipeline.shogi import grid

    rng = np.random.default_rng(4)
    for _ in range(12):
        texture = shogi_data.random_texture(boards, rng)
        assert texture.size == shogi_data.TEXTURE_SIZE
        found = grid.find_grid(texture)
        assert np.allclose(found, shogi_data.TEXTURE_GRID, atol=2.0), found


def test_a_marked_square_changes_that_square_only(boards):
    canvas = boards["light_458x500"].convert("RGBA")
    before = np.asarray(canvas).copy()
    for seed in range(8):  # every kind of mark
        shogi_data.mark_square(canvas, shogi_data.TEXTURE_GRID, 5, 5, np.random.default_rng(seed))
    changed = np.argwhere(np.any(np.asarray(canvas) != before, axis=-1))
    left, top, right, bottom = shogi_data.TEXTURE_GRID
    width, height = (right - left) / 9, (bottom - top) / 9
    assert len(changed)
    assert changed[:, 1].min() >= left + 4 * width - 1 and changed[:, 1].max() <= left + 5 * width + 1
    assert changed[:, 0].min() >= top + 4 * height - 1 and changed[:, 0].max() <= top + 5 * height + 1


def test_a_screenshot_board_is_read_where_its_grid_is_found(pieces, boards):
    from pipeline.shogi import grid

    rng = np.random.default_rng(6)
    for _ in range(6):
        image, sfen = shogi_data.screenshot_board(pieces, boards, rng, (28, 90))
        found = grid.find_grid(image)
        square_height = (found[3] - found[1]) / 9
        assert 27 <= square_height <= 91
        assert len(sfen.split("/")) == 9


def test_drawing_processes_end_with_a_killed_parent(tmp_path):
    """A run killed while it draws squares leaves no drawing process behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = (
        "import os, sys, numpy as np\n"
        "from pipeline.shogi import data as d\n"
        "print(os.getpid(), flush=True)\n"
        "d.random_squares(d.load_pieces(), d.load_boards(), list(d.LABELS), 100000, 32,"
        " np.random.default_rng(0), processes=2)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    pid = int(parent.stdout.readline())

    def workers() -> list[int]:
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    status = Path(f"/proc/{entry}/status").read_text()
                    command = Path(f"/proc/{entry}/cmdline").read_text()
                except OSError:
                    continue
                # the pool's processes, not multiprocessing's resource tracker
                if f"\nPPid:\t{pid}\n" in status and "--multiprocessing-fork" in command:
                    found.append(int(entry))
        return found

    deadline = time.monotonic() + 60
    while len(workers()) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    children = workers()
    assert len(children) >= 2
    os.kill(pid, signal.SIGKILL)
    parent.wait()
    def alive(process: int) -> bool:  # a zombie nobody reaps has ended too
        try:
            return "\nState:\tZ" not in Path(f"/proc/{process}/status").read_text()
        except OSError:
            return False

    deadline = time.monotonic() + 10
    while any(map(alive, children)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [child for child in children if alive(child)]
