"""The whole position on the page, in Chromium with the shipped default model: squares
corrected by mouse and keyboard, the hands and side to move edited, warnings shown, the
position copied as SFEN, USI and BOD, and links that open it here and in lishogi's editor."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import quote

import test_board
from support import ROOT, clean_environment, ready_page
from test_board import recognise_on_page

from pipeline.shogi.position import Position, parse_sfen, write_sfen

# test_board's fixtures, for this module too: the site built and served, fresh screenshots
default_site = test_board.default_site
fresh_boards = test_board.fresh_boards

CHOOSER = "#square-chooser"
CELLS = "#board-diagram .cell"
# Two kings and nothing else: no warnings until the test makes some.
KINGS = "4k4/9/9/9/9/9/9/9/4K4 b - 1"


def full_sfen(page) -> str:
    return page.get_attribute("#sfen", "data-sfen")


def labels(page) -> list[str]:
    return page.eval_on_selector_all(CELLS, "cells => cells.map(cell => cell.dataset.label)")


CORRECTED = """cells => cells.flatMap((cell, index) =>
    cell.classList.contains('corrected') ? [[index, cell.dataset.corrected]] : [])"""


def corrected(page) -> dict[int, str]:
    """Corrected squares -> the label read before the correction."""
    return dict(page.eval_on_selector_all(CELLS, CORRECTED))


def warnings(page) -> list[str]:
    return page.eval_on_selector_all(
        "#position-warnings li", "items => items.map(i => i.textContent)"
    )


def square_index(name: str) -> int:
    """The index in SFEN order of a square named as "5e"."""
    return "abcdefghi".index(name[1]) * 9 + 9 - int(name[0])


def choose(page, square: int, option: str) -> None:
    """Opens the chooser on `square` and clicks `option` (a selector inside it)."""
    page.locator(CELLS).nth(square).click()
    page.locator(f"{CHOOSER} {option}").click()
    assert page.locator(CHOOSER).is_hidden()


def counter(side: str, kind: str) -> str:
    return f"#hands-editor .counter[data-side={side}][data-kind={kind}]"


def open_link(browser, url: str):
    """A new tab on a page link, once it shows the link's position or says why it cannot;
    without waiting for the model: a link needs none."""
    page = browser.new_page()
    page.goto(url)
    page.wait_for_selector("[data-board], #board-status.error", state="attached", timeout=60_000)
    return page


def test_squares_are_corrected_from_the_top_3_the_palette_and_by_flipping(
    default_site,
    browser,
    fresh_boards,
):
    page = ready_page(browser, default_site)
    path, board = fresh_boards[2]
    assert recognise_on_page(page, path) == board
    assert full_sfen(page) == f"{board} b - 1"
    read = labels(page)
    pieces = [square for square, label in enumerate(read) if label != "BLANK"]
    blanks = [square for square, label in enumerate(read) if label == "BLANK"]
    by_top_3, by_palette, by_flip = pieces[0], blanks[0], pieces[1]

    # the top 3: the model's own numbers, best first; the second one picked
    page.locator(CELLS).nth(by_top_3).click()
    guesses = page.locator(f"{CHOOSER} .chooser-guesses button")
    assert guesses.count() == 3
    assert guesses.first.get_attribute("data-label") == read[by_top_3]
    assert "%" in guesses.first.inner_text()
    second = guesses.nth(1).get_attribute("data-label")
    guesses.nth(1).click()
    assert page.locator(CHOOSER).is_hidden()
    choose(page, by_palette, ".chooser-palette button[data-label=W_RY]")
    choose(page, by_flip, ".chooser-flip")
    flipped = ("W_" if read[by_flip].startswith("B_") else "B_") + read[by_flip][2:]

    expected = list(read)
    expected[by_top_3], expected[by_palette], expected[by_flip] = second, "W_RY", flipped
    assert labels(page) == expected
    assert parse_sfen(full_sfen(page)) == Position(expected)  # changed there and only there
    assert full_sfen(page).split()[0] == page.get_attribute("#sfen", "data-board")
    assert corrected(page) == {
        by_top_3: read[by_top_3],
        by_palette: "BLANK",
        by_flip: read[by_flip],
    }

    # Escape closes the chooser and changes nothing
    page.locator(CELLS).nth(by_palette).click()
    page.keyboard.press("Escape")
    assert page.locator(CHOOSER).is_hidden()
    assert page.evaluate("document.activeElement.dataset.label") == "W_RY"
    assert labels(page) == expected

    # a moved grid reads the board again: the corrections go, the hands stay
    page.click(f"{counter('b', 'FU')} button[data-step='1']")
    corner = page.locator("#screenshot-view .corner").first.bounding_box()
    x, y = corner["x"] + corner["width"] / 2, corner["y"] + corner["height"] / 2
    page.evaluate("document.querySelector('#sfen').removeAttribute('data-board')")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 1, y + 1)
    page.mouse.up()
    page.wait_for_selector("[data-board]", state="attached", timeout=60_000)
    assert corrected(page) == {}
    assert full_sfen(page) == f"{board} b P 1"

    # a new screenshot starts afresh: no corrections, empty hands
    choose(page, by_palette, ".chooser-palette button[data-label=W_RY]")
    assert corrected(page) == {by_palette: "BLANK"}
    assert recognise_on_page(page, path) == board
    assert corrected(page) == {}
    assert full_sfen(page) == f"{board} b - 1"
    page.close()


def test_a_square_is_corrected_by_keyboard_alone(default_site, browser, fresh_boards):
    page = ready_page(browser, default_site)
    path, board = fresh_boards[3]
    assert recognise_on_page(page, path) == board
    read = labels(page)
    focused = (
        "[...document.querySelectorAll('#board-diagram .cell')].indexOf(document.activeElement)"
    )

    page.locator(CELLS).first.focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "ArrowLeft", "ArrowDown"):
        page.keyboard.press(key)
    square = page.evaluate(focused)
    assert square == 19  # rank c, the second file from the left (8c)
    assert page.locator(f"{CELLS}[tabindex='0']").count() == 1  # one tab stop for the board

    page.keyboard.press("Enter")
    assert page.locator(CHOOSER).is_visible()
    options = page.locator(f"{CHOOSER} .chooser-guesses button")
    assert page.evaluate("document.activeElement.dataset.label") == read[square]  # the best first
    page.keyboard.press("ArrowDown")
    second = options.nth(1).get_attribute("data-label")
    assert page.evaluate("document.activeElement.dataset.label") == second
    page.keyboard.press("Enter")

    assert page.locator(CHOOSER).is_hidden()
    assert page.evaluate(focused) == square  # back on the square
    assert labels(page)[square] == second
    assert corrected(page) == {square: read[square]}
    # Space opens it too; the palette follows the top 3, sente's pawn first
    page.keyboard.press(" ")
    assert page.locator(CHOOSER).is_visible()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    assert labels(page)[square] == "B_FU"
    page.close()


def test_the_hands_and_the_side_to_move_are_edited_and_warned_of(default_site, browser):
    page = open_link(browser, f"{default_site}#sfen={quote(KINGS)}")
    assert full_sfen(page) == KINGS
    assert warnings(page) == []
    assert page.locator("#position-warnings").is_hidden()

    plus, minus = "button[data-step='1']", "button[data-step='-1']"
    page.click(f"{counter('b', 'FU')} {plus}")
    page.click(f"{counter('b', 'FU')} {plus}")
    assert full_sfen(page) == "4k4/9/9/9/9/9/9/9/4K4 b 2P 1"
    page.fill(f"{counter('w', 'HI')} input", "1")  # typed: counts at once
    assert full_sfen(page) == "4k4/9/9/9/9/9/9/9/4K4 b 2Pr 1"
    page.check("input[name=turn][value=w]")
    assert full_sfen(page) == "4k4/9/9/9/9/9/9/9/4K4 w 2Pr 1"
    page.click(f"{counter('b', 'FU')} {minus}")
    assert full_sfen(page) == "4k4/9/9/9/9/9/9/9/4K4 w Pr 1"
    page.check("input[name=turn][value=b]")
    page.click(f"{counter('w', 'HI')} {minus}")
    page.click(f"{counter('w', 'HI')} {minus}")  # no fewer than none
    assert full_sfen(page) == "4k4/9/9/9/9/9/9/9/4K4 b P 1"

    # more than a hand can hold becomes the most, once the field is left
    page.fill(f"{counter('b', 'FU')} input", "25")
    page.keyboard.press("Tab")
    assert page.input_value(f"{counter('b', 'FU')} input") == "18"
    assert full_sfen(page) == "4k4/9/9/9/9/9/9/9/4K4 b 18P 1"
    assert warnings(page) == []

    # 19 pawns: warned of, never refused; and gone when undone
    page.click(f"{counter('w', 'FU')} {plus}")
    assert full_sfen(page) == "4k4/9/9/9/9/9/9/9/4K4 b 18Pp 1"
    assert [text for text in warnings(page) if "19 pawns" in text], warnings(page)
    page.click(f"{counter('w', 'FU')} {minus}")
    assert warnings(page) == []
    assert page.locator("#position-warnings").is_hidden()

    # nifu, made on the board
    page.fill(f"{counter('b', 'FU')} input", "0")
    choose(page, square_index("5e"), ".chooser-palette button[data-label=B_FU]")
    choose(page, square_index("5g"), ".chooser-palette button[data-label=B_FU]")
    assert [text for text in warnings(page) if "nifu" in text], warnings(page)
    choose(page, square_index("5g"), ".chooser-palette button[data-label=BLANK]")
    assert warnings(page) == []
    page.close()


def test_the_position_is_copied_as_sfen_usi_and_bod(default_site, browser, fresh_boards):
    page = ready_page(browser, default_site)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    path, board = fresh_boards[4]
    assert recognise_on_page(page, path) == board
    choose(page, 0, ".chooser-palette button[data-label=W_KY]")
    page.click(f"{counter('w', 'KA')} button[data-step='1']")
    page.fill(f"{counter('b', 'FU')} input", "3")
    page.check("input[name=turn][value=w]")
    sfen = full_sfen(page)
    assert sfen.endswith(" w 3Pb 1")
    clipboard = "navigator.clipboard.readText()"

    page.click("#copy-sfen")
    assert page.evaluate(clipboard) == sfen
    assert "Copied" in page.inner_text("#copied")
    page.click("#copy-usi")
    assert page.evaluate(clipboard) == f"position sfen {sfen}"
    page.click("#copy-bod")
    bod = page.evaluate(clipboard)
    assert bod.startswith("後手の持駒：角　") and "後手番" in bod
    # the BOD reads back, in Python, as the position shown
    reread = (
        "import sys; from pipeline.shogi import position as p; "
        "print(p.write_sfen(p.parse_bod(sys.stdin.read())))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", reread], input=bod,
        cwd=ROOT, env=clean_environment(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == sfen
    page.click("#copy-link")
    assert page.evaluate(clipboard) == page.locator("#share-link").evaluate("a => a.href")
    page.close()


def test_a_share_link_opens_the_position_without_a_screenshot(default_site, browser, fresh_boards):
    page = ready_page(browser, default_site)
    path, board = fresh_boards[5]
    assert recognise_on_page(page, path) == board
    choose(page, 40, ".chooser-palette button[data-label=B_UM]")
    page.click(f"{counter('b', 'GI')} button[data-step='1']")
    page.fill(f"{counter('w', 'FU')} input", "2")
    page.check("input[name=turn][value=w]")
    sfen, shown = full_sfen(page), labels(page)
    link = page.locator("#share-link").evaluate("a => a.href")
    assert link == f"{default_site}#sfen={quote(sfen, safe='')}"
    page.close()

    opened = open_link(browser, link)
    assert full_sfen(opened) == sfen
    assert opened.get_attribute("#sfen", "data-board") == sfen.split()[0]
    assert labels(opened) == shown
    assert opened.input_value(f"{counter('b', 'GI')} input") == "1"
    assert opened.input_value(f"{counter('w', 'FU')} input") == "2"
    assert opened.is_checked("input[name=turn][value=w]")
    # no screenshot, so no top 3, no doubts, nothing corrected
    assert opened.evaluate("document.querySelector('#screenshot').width") == 0
    assert (
        opened.eval_on_selector_all(f"{CELLS}[title]:not([title=''])", "cells => cells.length") == 0
    )
    assert opened.locator(f"{CELLS}.doubtful, {CELLS}.corrected").count() == 0
    # and it can be changed like any other: the palette alone
    opened.locator(CELLS).nth(0).click()
    assert opened.locator(f"{CHOOSER} .chooser-guesses").count() == 0
    opened.keyboard.press("Escape")

    # a link followed on the open page shows its position too
    opened.evaluate(f"location.hash = 'sfen=' + encodeURIComponent({KINGS!r})")
    opened.wait_for_function(f"document.querySelector('#sfen').dataset.sfen === {KINGS!r}")
    opened.close()


def test_a_malformed_link_says_why_and_the_page_still_works(default_site, browser):
    for hash_part, words in [
        (f"sfen={quote('9/9/9 b - 1')}", "9 ranks"),
        (f"sfen={quote('4k4/9/9/9/9/9/9/9/4K4 x - 1')}", "side to move"),
        ("sfen=4k4%2", "%-escape"),
        ("sfen=", "fields"),
    ]:
        page = open_link(browser, f"{default_site}#{hash_part}")
        status = page.inner_text("#board-status")
        assert "could not be shown" in status and words in status, status
        assert page.get_attribute("#sfen", "data-sfen") is None
        page.evaluate(f"location.hash = 'sfen=' + encodeURIComponent({KINGS!r})")
        page.wait_for_function(f"document.querySelector('#sfen').dataset.sfen === {KINGS!r}")
        page.close()


def test_the_lishogi_link_opens_its_editor_on_the_position(default_site, browser):
    sfen = "ln1g3+Rl/1ks1g4/ppppp1p1p/9/5+b3/9/PPPPPPP1P/7S1/LNSGKG1NL w RBNs2p 12"
    page = open_link(browser, f"{default_site}#sfen={quote(sfen)}")
    assert full_sfen(page) == sfen
    expected = ("https://lishogi.org/editor/"
                "ln1g3+Rl/1ks1g4/ppppp1p1p/9/5+b3/9/PPPPPPP1P/7S1/LNSGKG1NL_w_RBNs2p_12")  # fmt: skip
    assert page.get_attribute("#lishogi-link", "href") == expected
    assert page.get_attribute("#lishogi-link", "target") == "_blank"
    assert write_sfen(parse_sfen(sfen)) == sfen  # the page writes SFEN as Python does
    page.close()
