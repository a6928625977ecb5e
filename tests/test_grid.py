"""The board grid is found in screenshots of every size, with margins, compressed."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from pipeline.shogi import data as shogi_data
from pipeline.shogi import grid


@pytest.fixture(scope="module")
def assets():
    return shogi_data.load_pieces(), shogi_data.load_boards()


def screenshot(board, rng):
    """The board as a screenshot shows it: rescaled, inside page margins, maybe a JPEG.
    Returns the image and where its grid truly is."""
    scale = rng.uniform(0.5, 2.2)
    size = (round(board.width * scale), round(board.height * scale))
    board = board.resize(size, Image.Resampling.BILINEAR)
    left, top, right, bottom = (int(margin) for margin in rng.integers(0, 120, 4))
    colour = tuple(int(channel) for channel in rng.integers(0, 256, 3))
    canvas = Image.new("RGB", (size[0] + left + right, size[1] + top + bottom), colour)
    canvas.paste(board, (left, top))
    if rng.random() < 0.5:
        buffer = io.BytesIO()
        canvas.save(buffer, "JPEG", quality=int(rng.integers(30, 90)))
        canvas = Image.open(io.BytesIO(buffer.getvalue()))
    truth = np.array(shogi_data.TEXTURE_GRID) * scale + np.array([left, top, left, top])
    return canvas, truth


def test_the_grid_is_found_within_a_few_percent_of_a_square(assets):
    pieces, boards = assets
    rng = np.random.default_rng(5)
    for _ in range(20):
        board, _ = shogi_data.random_board(pieces, boards, rng)
        image, truth = screenshot(board, rng)
        found = np.array(grid.find_grid(image))
        square = (truth[2] - truth[0]) / 9
        # the training data shifts the grid by up to 4 % of a square: within that, squares
        # are cut the way the model has seen them
        assert np.abs(found - truth).max() < 0.04 * square, (found, truth)


def test_every_board_texture_is_found(assets):
    _, boards = assets
    for name, texture in boards.items():
        found = np.array(grid.find_grid(shogi_data.render_board(texture, {})))
        assert np.abs(found - np.array(shogi_data.TEXTURE_GRID)).max() < 1.5, name


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (Image.new("RGB", (40, 40), "white"), "too small"),
        (Image.new("RGB", (600, 600), "white"), "no 9x9 grid"),
        (
            Image.fromarray(np.random.default_rng(1).integers(0, 256, (500, 500, 3), np.uint8)),
            "no 9x9 grid",
        ),
    ],
    ids=["tiny", "blank", "noise"],
)
def test_an_image_without_a_board_is_refused(image, message):
    with pytest.raises(grid.GridError, match=message):
        grid.find_grid(image)


def test_the_page_finds_the_same_grid_and_cuts_the_same_squares(assets, tmp_path):
    """web/src/board.ts, run in Node, against pipeline/shogi/grid.py and squares.py on the same
    pixels: screenshots scaled 0.5-2.2x, with margins, half of them JPEGs, and grids with a
    line beside them."""
    import json
    import subprocess
    import sys

    from support import ROOT, clean_environment

    from pipeline.shogi import squares

    subprocess.run([sys.executable, "-m", "doit", "node"], cwd=ROOT, env=clean_environment(),
                   capture_output=True, check=True)  # fmt: skip
    pieces, boards = assets
    rng = np.random.default_rng(9)
    size = 96
    images, expected = [], []
    for number in range(8):
        board, _ = shogi_data.random_board(pieces, boards, rng)
        image, _ = screenshot(board, rng)
        image = image.convert("RGB")
        path = tmp_path / f"{number}.rgba"
        path.write_bytes(image.convert("RGBA").tobytes())
        images.append(f"{path}:{image.width}:{image.height}")
        box = grid.find_grid(image)
        expected.append((path, box, squares.cut_board(image, box, size)))
    for extra in ("left", "below"):
        image, _ = lines_beside_a_board(extra)
        path = tmp_path / f"{extra}.rgba"
        path.write_bytes(image.convert("RGBA").tobytes())
        images.append(f"{path}:{image.width}:{image.height}")
        box = grid.find_grid(image)
        expected.append((path, box, squares.cut_board(image, box, size)))
    images.append(f"{tmp_path / 'blank.rgba'}:100:100")
    (tmp_path / "blank.rgba").write_bytes(b"\xff" * 100 * 100 * 4)
    completed = subprocess.run(
        [str(ROOT / "artifacts" / "node" / "bin" / "node"), str(ROOT / "tests" / "board_ts.cjs"),
         str(ROOT / "web"), str(tmp_path), str(size), *images],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    found = [json.loads(line) for line in completed.stdout.splitlines()]
    for page, (path, box, cut) in zip(found[:-1], expected, strict=True):
        assert np.allclose(page, box, atol=1e-3), (page, box)
        page_squares = np.fromfile(f"{path}.squares", dtype=np.float32).reshape(cut.shape)
        assert np.abs(page_squares - cut).max() < 1e-3
    assert "no 9x9 grid" in found[-1]["error"]


def test_a_full_board_whose_pieces_cover_much_of_its_lines_is_found():
    """Screenshot boards (seed 19: pieces up to 8 % oversize, thin lines, scaled and
    blurred), where the lines stand out from the median column by about a fifth only."""
    image, _ = shogi_data.screenshot_board(
        shogi_data.load_pieces(), shogi_data.load_boards(), np.random.default_rng(19)
    )
    left, top, right, bottom = grid.find_grid(image)
    texture = shogi_data.TEXTURE_GRID
    # the board's own proportions: the squares are taller than wide
    expected = (texture[3] - texture[1]) / (texture[2] - texture[0])
    assert abs((bottom - top) / (right - left) - expected) < 0.01 * expected


def lines_beside_a_board(extra: str):
    """A bare grid of thin lines, 40 px apart, with one more line running the image's whole
    height or width 40 px beyond it on the `extra` side (as the edge of a stand or a column of
    pieces in hand lines up beside a board), where the grid's lines do not reach.
    Returns the image and where its grid truly is."""
    from PIL import ImageDraw

    image = Image.new("RGB", (520, 520), (230, 200, 150))
    draw = ImageDraw.Draw(image)
    truth = (80, 80, 440, 440)
    for line in range(10):
        at = 80 + 40 * line
        draw.line((at, 80, at, 440), fill=(40, 30, 20))
        draw.line((80, at, 440, at), fill=(40, 30, 20))
    at = {"left": 40, "right": 480, "above": 40, "below": 480}[extra]
    if extra in ("left", "right"):
        draw.line((at, 0, at, 519), fill=(40, 30, 20))
    else:
        draw.line((0, at, 519, at), fill=(40, 30, 20))
    return image, truth


@pytest.mark.parametrize("extra", ["left", "right", "above", "below"])
def test_a_line_beside_the_board_that_the_grid_does_not_cross_is_not_taken_for_its_edge(extra):
    image, truth = lines_beside_a_board(extra)
    assert np.abs(np.array(grid.find_grid(image)) - truth).max() < 1


def test_the_page_searches_with_the_same_settings():
    from support import ROOT

    source = (ROOT / "web" / "src" / "apps" / "shogi-board" / "grid.ts").read_text(encoding="utf-8")
    for name in ("LINE_CONTRAST", "WINDOW", "STANDOUT", "CROSSED", "SEARCH_SIDE"):
        match = re.search(rf"const {name} = ([0-9.]+);", source)
        assert match, name
        assert float(match[1]) == getattr(grid, name), name
