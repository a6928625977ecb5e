"""What a half turn makes of each class, and reading an image both ways."""

import numpy as np

from pipeline import half_turn

SIDES = ("B_", "W_")


def test_a_half_turn_makes_a_sente_piece_the_gote_one_and_leaves_blank_blank():
    labels = ["BLANK", "B_FU", "W_FU", "B_KI"]
    assert half_turn.turned_classes(labels, SIDES) == [0, 2, 1, -1]  # no W_KI for B_KI


def test_without_a_configured_half_turn_no_class_is_turned():
    assert half_turn.turned_classes(["cat", "dog"], None) == [-1, -1]
    assert half_turn.reading_turns(["cat", "dog"], None) is None


def test_a_model_is_read_both_ways_only_when_every_class_has_its_counterpart():
    assert half_turn.reading_turns(["BLANK", "W_FU", "B_FU"], SIDES) == [0, 2, 1]
    assert half_turn.reading_turns(["BLANK", "B_FU", "W_FU", "B_KI"], SIDES) is None


def test_reading_both_ways_averages_the_upright_reading_and_the_turned_one_mapped_back():
    # a "classifier" that sees only the top-left pixel: turned, it sees the bottom-right one
    def logits_of(pixels):
        return np.stack([pixels[:, 0, 0, 0], pixels[:, 0, 0, 1]], axis=1).astype(float)

    pixels = np.zeros((1, 2, 2, 3))
    pixels[0, 0, 0, :2] = (4, 0)  # upright: class 0 strong
    pixels[0, 1, 1, :2] = (0, 2)  # turned: class 1 strong, which upright is class 0
    both = half_turn.read_both_ways(logits_of, pixels, [1, 0])
    np.testing.assert_allclose(both, [[(4 + 2) / 2, (0 + 0) / 2]])
    np.testing.assert_allclose(half_turn.read_both_ways(logits_of, pixels, None), [[4, 0]])
