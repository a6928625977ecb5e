import json

import numpy as np
import pytest
from PIL import Image

from pipeline.shogi import data as shogi_data
from pipeline.shogi import squares

GRID = (0.0, 0.0, 450.0, 450.0)  # 50 px squares


def test_the_page_and_python_read_one_geometry_file():
    document = json.loads((squares.GEOMETRY_PATH).read_text(encoding="utf-8"))
    assert squares.GEOMETRY_PATH.relative_to(squares.GEOMETRY_PATH.parents[4]).as_posix() == (
        "web/src/apps/shogi-board/board-geometry.json"
    )
    shape = squares.geometry()
    assert (shape.files, shape.ranks, shape.margin) == (
        document["files"],
        document["ranks"],
        document["margin"],
    )


def test_a_square_box_is_its_grid_cell_moved_inward_by_the_margin():
    margin = squares.geometry().margin
    grid = (10.0, 20.0, 10.0 + 9 * 40, 20.0 + 9 * 60)
    # file 9 is the leftmost column, rank 1 the top row
    assert squares.square_box(grid, 9, 1) == pytest.approx(
        (10 + 40 * margin, 20 + 60 * margin, 10 + 40 * (1 - margin), 20 + 60 * (1 - margin))
    )
    assert squares.square_box(grid, 1, 9) == pytest.approx(
        (10 + 40 * (8 + margin), 20 + 60 * (8 + margin), 370 - 40 * margin, 560 - 60 * margin)
    )


@pytest.mark.parametrize("square", [(0, 1), (10, 1), (1, 0), (1, 10)])
def test_there_is_no_square_off_the_board(square):
    with pytest.raises(ValueError, match="no square"):
        squares.square_box(GRID, *square)


def test_squares_come_in_sfen_order():
    order = squares.square_order()
    assert len(order) == 81
    assert order[:2] == [(9, 1), (8, 1)]
    assert order[8:10] == [(1, 1), (9, 2)]
    assert order[-1] == (1, 9)


def test_cut_board_gives_each_square_alone_in_sfen_order():
    # every square a colour of its own: the cut must show exactly that colour, nothing of
    # a neighbour, at the place SFEN lists the square
    colours = {}
    image = Image.new("RGB", (450, 450))
    for file, rank in squares.square_order():
        colour = (file * 25, rank * 25, 255 - file * 10 - rank * 10)
        colours[file, rank] = colour
        column, row = 9 - file, rank - 1
        image.paste(colour, (column * 50, row * 50, column * 50 + 50, row * 50 + 50))

    cut = squares.cut_board(image, GRID, 32)

    assert cut.shape == (81, 32, 32, 3)
    assert cut.dtype == np.float32
    for index, square in enumerate(squares.square_order()):
        assert (cut[index] == np.asarray(colours[square], dtype=np.float32)).all(), square


def test_the_square_generator_cuts_squares_as_the_recogniser_does():
    pieces = shogi_data.load_pieces()["hitomoji"]
    texture = shogi_data.load_boards()["warm_458x500"]
    placements = {
        (5, 5): shogi_data.Placement(pieces["B_KI"][0], scale=1.1, dx=0.1, dy=-0.1, angle=3),
        (4, 5): shogi_data.Placement(pieces["W_HI"][0]),
        (9, 1): shogi_data.Placement(pieces["W_KY"][0], dx=-0.1),
        (6, 6): shogi_data.Placement(pieces["B_RY"][0], scale=0.9),
    }
    board = shogi_data.render_board(texture, placements)

    recognised = squares.cut_board(board, shogi_data.TEXTURE_GRID, 96)

    for index, (file, rank) in enumerate(squares.square_order()):
        generated = np.asarray(shogi_data.render_square(texture, placements, file, rank, 96))
        # resampling a crop instead of the whole board may round a pixel the other way
        difference = np.abs(generated.astype(np.float32) - recognised[index])
        assert difference.max() <= 1, (file, rank)
