"""What a half turn does to a model's classes, and reading an image both ways.

Some classifiers know what turning an image half round makes of each class: a shogi piece
upside down is the other side's piece of the same kind. The `half_turn` setting names the
two label prefixes a turn swaps (`["B_", "W_"]`); a class with neither stays itself.

Such a model trains on every image both as drawn and turned. An image it reads upright with
less than SURE_UPRIGHT confidence is read turned too, and the two readings, mapped back to
the upright classes, are averaged: on designs it never saw, the average misreads fewer
squares than either reading alone (README, "The embedded default model").
"""

from __future__ import annotations

from pipeline.network import softmax

# Chosen on the development group: turning only the squares read upright with less than
# 99 % kept nearly all of the gain of turning every square, while turning a quarter of them.
SURE_UPRIGHT = 0.99


def turned_classes(labels: list[str], prefixes: tuple[str, str] | None) -> list[int]:
    """For each class, the index of the class a half turn makes of it; -1 when that class
    is not among `labels`, or when no half turn is configured (`prefixes` None)."""
    if prefixes is None:
        return [-1] * len(labels)
    first, second = prefixes
    swap = {first: second, second: first}
    turned = [
        next((swap[p] + label[len(p) :] for p in prefixes if label.startswith(p)), label)
        for label in labels
    ]
    return [labels.index(label) if label in labels else -1 for label in turned]


def reading_turns(labels: list[str], prefixes: tuple[str, str] | None) -> list[int] | None:
    """`turned_classes` when every class has its turned counterpart, so the model can be
    read both ways; None when it cannot (no half turn configured, or a class's counterpart
    is missing), and it is read upright only."""
    turned = turned_classes(labels, prefixes)
    return None if -1 in turned else turned


def read_both_ways(logits_of, pixels, turns: list[int] | None):
    """The logits of `pixels` (n, height, width, channels) as the frozen graph computes
    them: the upright reading, except that with `turns`, an image read upright with less
    than SURE_UPRIGHT confidence gets the mean of its upright reading and its half-turned
    one mapped back (class i upright is class turns[i] turned). So does the least sure
    image of the batch (the first of equals): the second reading never gets an empty batch,
    which TensorFlow's CPU convolutions refuse."""
    import numpy as np

    upright = logits_of(pixels)
    if turns is None:
        return upright
    sure = softmax(upright).max(axis=1)
    doubtful = np.flatnonzero((sure < SURE_UPRIGHT) | (np.arange(len(sure)) == np.argmin(sure)))
    turned = logits_of(np.ascontiguousarray(pixels[doubtful, ::-1, ::-1]))
    logits = upright.copy()
    logits[doubtful] = (upright[doubtful] + turned[:, turns]) / 2
    return logits
