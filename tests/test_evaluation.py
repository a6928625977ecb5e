"""Held-out designs are judged on whole boards: pieces, exact boards, and outlined squares."""

import numpy as np
import pytest

from pipeline import network
from pipeline.shogi import data as shogi_data
from pipeline.shogi import evaluation

LABELS = list(shogi_data.LABELS)
START = "lnsgkgsnl/1r5b1/ppppppppp/9/9/9/PPPPPPPPP/1B5R1/LNSGKGSNL"


def confident_logits(labels: list[str], sure: float = 12.0):
    """Logits that pick each of `labels` with near certainty."""
    logits = np.zeros((len(labels), len(LABELS)))
    logits[np.arange(len(labels)), [LABELS.index(label) for label in labels]] = sure
    return logits


def test_an_sfen_board_reads_back_into_its_labels():
    rng = np.random.default_rng(1)
    for _ in range(20):
        position = shogi_data.random_position(rng)
        assert shogi_data.labels_of(shogi_data.sfen_board(position)) == position


def test_pieces_are_counted_apart_from_empty_squares():
    truth = shogi_data.labels_of(START)
    read = list(truth)
    read[0] = "W_KE"  # one of 40 pieces read wrong (a lance as a knight)
    logits = {"design": [confident_logits(read), confident_logits(truth)]}
    boards = {"design": [(None, START), (None, START)]}
    figures = evaluation.report(boards, logits, LABELS)["designs"]["design"]
    assert figures["pieces"] == 80
    assert figures["pieces_right"] == pytest.approx(79 / 80)
    assert figures["empty_right"] == 1.0
    assert figures["exact_boards"] == 0.5


def test_a_board_without_a_grid_counts_as_read_wrong():
    boards = {"design": [(None, START)]}
    figures = evaluation.report(boards, {"design": [None]}, LABELS)["designs"]["design"]
    assert (figures["pieces_right"], figures["exact_boards"], figures["no_grid_found"]) == (0, 0, 1)


def test_outlined_shares_count_the_doubtful_squares_among_the_wrong_and_the_right():
    truth = shogi_data.labels_of(START)
    logits = confident_logits(truth)
    logits[0] = 0  # unsure and wrong? argmax of all zeros is BLANK, a lance stands there
    logits[1, LABELS.index("W_KE")] = 0.5  # right, but hardly sure: 0.5 against 0
    logits[1, LABELS.index("B_FU")] = 0.4
    figures = evaluation.report({"d": [(None, START)]}, {"d": [logits]}, LABELS)["designs"]["d"]
    assert figures["wrong_squares"] == 1
    assert figures["wrong_outlined"] == 1.0
    assert figures["right_outlined"] == pytest.approx(1 / 80)


def test_the_fitted_temperature_is_the_one_that_made_the_probabilities():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (4000, 5))
    # draw the truth from softmax(logits / 2.5): a model 2.5 times too sure
    probabilities = network.softmax(logits, 2.5)
    truth = np.array([rng.choice(5, p=row) for row in probabilities])
    assert evaluation.fit_temperature(logits, truth) == pytest.approx(2.5, rel=0.1)


def test_the_summary_gives_mean_and_worst_for_kanji_and_international_designs_apart():
    designs = {
        "a": {"pieces_right": 1.0, "exact_boards": 1.0},
        "b": {"pieces_right": 0.9, "exact_boards": 0.5},
        "c": {"pieces_right": 0.5, "exact_boards": 0.0},
    }
    summary = evaluation.summary(designs, {"c": "symbol", "b": "kanji_marks"})
    assert summary["kanji"]["designs"] == ["a", "b"]
    assert summary["kanji"]["pieces_right_mean"] == pytest.approx(0.95)
    assert summary["kanji"]["pieces_right_worst"] == 0.9
    assert summary["international"]["exact_boards_mean"] == 0.0


def test_a_design_groups_its_colourings():
    assert evaluation.design_of("hitomoji_gothic_dark") == evaluation.design_of("hitomoji_gothic")


def test_the_page_outlines_below_the_threshold_the_figures_use():
    from support import ROOT

    source = (ROOT / "web" / "src" / "apps" / "shogi-board" / "boardview.ts").read_text(encoding="utf-8")
    assert f"export const DOUBTFUL_BELOW = {evaluation.DOUBTFUL_BELOW};" in source


@pytest.mark.parametrize(
    ("group", "styles"),
    [(None, "HELD_OUT_STYLES"), ("development", "DEVELOPMENT_STYLES")],
)
def test_the_command_line_reports_every_design_of_a_group_for_a_built_graph(
    project, group, styles
):
    import json
    import subprocess
    import sys

    from support import assert_no_chatter, clean_environment

    from pipeline.shogi import train

    chosen = ["--group", group] if group else []
    completed = subprocess.run(
        [sys.executable, "-m", "pipeline.shogi.evaluation", "--boards", "1", *chosen],
        cwd=project.root, env=clean_environment(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert_no_chatter(completed.stderr)
    figures = json.loads(completed.stdout)
    designs = {evaluation.design_of(name) for name in getattr(train, styles).split(",")}
    assert set(figures["designs"]) == designs
    assert all(design["boards"] == 1 for design in figures["designs"].values())
    assert set(figures["summary"]) == {"kanji", "international"}
