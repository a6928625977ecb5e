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


def test_only_the_images_read_upright_with_doubt_and_the_least_sure_one_are_read_turned():
    def logits_of(pixels):
        # class 0's logit is the top-left pixel's red, against 0 for class 1; the green of
        # the bottom-right pixel names the image, and turned, an image shows it top left
        calls.append(pixels[:, 0, 0, 1].tolist())
        return np.stack([pixels[:, 0, 0, 0], np.zeros(len(pixels))], axis=1)

    calls = []
    pixels = np.zeros((3, 2, 2, 3))
    pixels[:, 1, 1, 1] = (1, 2, 3)
    pixels[:, 0, 0, 0] = (9, 1, 2)  # 99.99 %, 73 % and 88 % sure of class 0
    logits = half_turn.read_both_ways(logits_of, pixels, [0, 1])
    assert calls[1] == [2, 3]  # the two doubtful images
    # turned, each sees a 0 top left: class 0 and class 1 are then equally likely
    np.testing.assert_allclose(logits, [[9, 0], [0.5, 0], [1, 0]])

    calls.clear()
    pixels[:, 0, 0, 0] = (9, 12, 10)  # all sure: the least sure is read turned all the same
    half_turn.read_both_ways(logits_of, pixels, [0, 1])
    assert calls[1] == [1]

    calls.clear()
    pixels[:, 0, 0, 0] = (9, 9, 9)  # equally sure: only the first
    half_turn.read_both_ways(logits_of, pixels, [0, 1])
    assert calls[1] == [1]
