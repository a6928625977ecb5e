"""Board screenshots -> SFEN with the shipped default model: on the page in Chromium and on
the command line, on boards the generator draws fresh (not the committed samples)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from support import ROOT, Project, assert_no_chatter, clean_environment, ready_page, serving

from pipeline.shogi import data as shogi_data
from pipeline.shogi import train
from pipeline.shogi.bench import command_line

BOARDS = 20
# Boards the page and the command line must read alike, square for square.
AGREEMENT_BOARDS = 50


@pytest.fixture(scope="module")
def default_site():
    """The real project built from its shipped default checkpoint, served."""
    project = Project(ROOT)
    completed = subprocess.run([sys.executable, "-m", "doit"], cwd=ROOT, env=clean_environment(),
                               capture_output=True, text=True, check=False)  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    with serving(project) as url:
        yield url


@pytest.fixture(scope="module")
def fresh_boards(tmp_path_factory):
    """Screenshots of new random positions: rescaled, inside page margins."""
    return command_line.draw_boards(tmp_path_factory.mktemp("boards"), BOARDS, seed=20261125)


def recognise_on_page(page, path) -> str:
    """The board part of the SFEN the page reads from the screenshot at `path`, or the
    page's message if it reads none."""
    page.evaluate("document.querySelector('#sfen').removeAttribute('data-board')")
    page.set_input_files("input[name=board]", str(path))
    page.wait_for_selector("[data-board], #board-status.error", state="attached", timeout=60_000)
    return page.get_attribute("#sfen", "data-board") or page.inner_text("#board-status")


@pytest.mark.alone
def test_the_page_reads_fresh_boards_and_agrees_with_the_command_line(
    default_site, browser, fresh_boards
):
    page = ready_page(browser, default_site)
    page.evaluate("""() => {
        window.longTasks = [];
        new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map(
            (entry) => entry.duration))).observe({ type: 'longtask' });
    }""")
    on_page = [recognise_on_page(page, path) for path, _ in fresh_boards]
    long_tasks = page.evaluate("window.longTasks")
    page.close()

    truth = [sfen for _, sfen in fresh_boards]
    exact = sum(found == true for found, true in zip(on_page, truth, strict=True)) / BOARDS
    squares = [
        found == true
        for page_sfen, true_sfen in zip(on_page, truth, strict=True)
        for found, true in zip(
            shogi_data.labels_of(page_sfen), shogi_data.labels_of(true_sfen), strict=True
        )
    ]
    assert exact >= 0.95, list(zip(on_page, truth, strict=True))
    assert np.mean(squares) >= 0.995
    assert long_tasks == []  # no main-thread task of 50 ms or more while boards were read

    paths = [str(path) for path, _ in fresh_boards]
    completed = subprocess.run(
        [sys.executable, "-m", "pipeline.shogi.recognize", "--names", *paths],
        cwd=ROOT, env=clean_environment(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    named = [f"{path}\t{sfen}" for path, sfen in zip(paths, on_page, strict=True)]
    assert completed.stdout.splitlines() == named
    assert_no_chatter(completed.stderr)


@pytest.fixture(scope="module")
def held_out_screenshots(tmp_path_factory):
    """Screenshots as apps and phones make them, of piece designs training left out: scaled
    0.6-2x (non-integer), with marked squares and page margins, a third blurred, half
    JPEG-compressed."""
    directory = tmp_path_factory.mktemp("held-out")
    pieces = shogi_data.load_piece_folders([shogi_data.PIECES_DIR, shogi_data.PIECE_SETS_DIR])
    held_out = {name: pieces[name] for name in train.HELD_OUT_STYLES.split(",")}
    textures = shogi_data.load_boards()
    rng = np.random.default_rng(20261129)
    square_height = (shogi_data.TEXTURE_GRID[3] - shogi_data.TEXTURE_GRID[1]) / 9
    made = []
    for number in range(AGREEMENT_BOARDS):
        image, _ = shogi_data.screenshot_board(
            held_out, textures, rng, (0.6 * square_height, 2.0 * square_height)
        )
        if number % 2:  # a JPEG file, besides the JPEG artefacts drawn into half the images
            path = directory / f"board-{number}.jpg"
            image.save(path, quality=int(rng.integers(50, 95)))
        else:
            path = directory / f"board-{number}.png"
            image.save(path)
        made.append(path)
    return made


def test_the_page_and_the_command_line_agree_on_every_square_of_held_out_screenshots(
    default_site, browser, held_out_screenshots
):
    page = ready_page(browser, default_site)
    on_page = [recognise_on_page(page, path) for path in held_out_screenshots]
    page.close()
    completed = subprocess.run(
        [sys.executable, "-m", "pipeline.shogi.recognize", *map(str, held_out_screenshots)],
        cwd=ROOT, env=clean_environment(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    differ = [
        (path.name, page_sfen, cli_sfen)
        for path, page_sfen, cli_sfen in zip(
            held_out_screenshots, on_page, completed.stdout.splitlines(), strict=True
        )
        if page_sfen != cli_sfen
    ]
    assert differ == []


BAD_IMAGES = {
    "not an image": (lambda path: path.write_bytes(b"not an image"), "is not an image"),
    "tiny": (lambda path: Image.new("RGB", (40, 30), "white").save(path), "too small"),
    "no board": (lambda path: Image.new("RGB", (800, 600), "white").save(path), "no 9x9 grid"),
    "huge": (lambda path: Image.new("RGB", (8000, 8000), "white").save(path), "no 9x9 grid"),
}


@pytest.mark.parametrize("case", BAD_IMAGES)
def test_bad_images_get_a_message_on_the_page_and_the_next_board_still_works(
    default_site, browser, fresh_boards, tmp_path, case
):
    make, message = BAD_IMAGES[case]
    bad = tmp_path / "bad.png"
    make(bad)
    page = ready_page(browser, default_site)
    assert message in recognise_on_page(page, bad)
    path, sfen = fresh_boards[0]
    assert recognise_on_page(page, path) == sfen
    page.close()


def test_the_command_line_names_each_bad_image_and_still_reads_the_good_ones(
    default_site, fresh_boards, tmp_path
):
    bad = {case: tmp_path / f"{number}.png" for number, case in enumerate(BAD_IMAGES)}
    for case, path in bad.items():
        BAD_IMAGES[case][0](path)
    good, sfen = fresh_boards[0]
    completed = subprocess.run(
        [sys.executable, "-m", "pipeline.shogi.recognize", *map(str, bad.values()), str(good)],
        cwd=ROOT, env=clean_environment(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 1
    assert completed.stdout.splitlines() == [""] * len(bad) + [sfen]  # a line for each image
    errors = completed.stderr.splitlines()
    for case, path in bad.items():
        word = BAD_IMAGES[case][1].split()[-1]  # the command line words it its own way
        assert [line for line in errors if str(path) in line and word in line], case


def test_each_square_shows_its_top_3_and_the_sfen_can_be_copied(default_site, browser, fresh_boards):
    page = ready_page(browser, default_site)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    path, sfen = fresh_boards[1]
    assert recognise_on_page(page, path) == sfen
    first = page.locator("#board-diagram .cell").first
    assert len(first.get_attribute("title").splitlines()) == 3
    first.click()
    assert page.inner_text("#board-status").startswith("9a: ")
    page.click("#copy-sfen")
    assert page.evaluate("navigator.clipboard.readText()") == f"{sfen} b - 1"  # the full SFEN
    page.close()


def test_the_sample_gallery_boards_are_read_correctly(default_site, browser):
    import json
    import urllib.request

    samples = json.loads((ROOT / "web" / "src" / "apps" / "shogi-board" / "samples" / "samples.json").read_text("utf-8"))
    page = ready_page(browser, default_site)
    buttons = page.locator("#samples button")
    buttons.first.wait_for()
    assert buttons.count() == len(samples)
    # the gallery shows the build's thumbnails, a few KB each, not the screenshots
    page.wait_for_function("[...document.querySelectorAll('#samples img')].every((image) => image.complete)")
    shown = page.eval_on_selector_all("#samples img", "images => images.map((image) => [image.src, image.naturalWidth])")
    for (source, width), sample in zip(shown, samples):
        assert source.endswith(f"/thumbnails/{sample['file'].rsplit('.', 1)[0]}.jpg") and width == 128
        with urllib.request.urlopen(source) as thumbnail:
            assert len(thumbnail.read()) < 20_000
    for index, sample in enumerate(samples):
        page.evaluate("document.querySelector('#sfen').removeAttribute('data-board')")
        buttons.nth(index).click()
        page.wait_for_selector("[data-board]", state="attached", timeout=60_000)
        assert page.get_attribute("#sfen", "data-board") == sample["sfen"], sample["file"]
    page.close()


def test_the_model_card_shows_what_the_recipe_does_on_designs_nobody_trained_on(default_site):
    """The shipped model trained on everything; its card shows the held-out run's table."""
    import json
    import urllib.request

    from pipeline import checkpoints

    with urllib.request.urlopen(f"{default_site.rstrip('/')}/card.html") as response:
        card = response.read().decode("utf-8")
    held_out_run = json.loads((ROOT / "artifacts" / "checkpoints" / checkpoints.CARD_NAMES[2])
                              .read_text(encoding="utf-8"))  # fmt: skip
    assert f"a run of the same recipe (step {held_out_run['step']}) that left them out" in card
    for design in held_out_run["held_out_boards"]["designs"]:
        assert f"<th>{design}</th>" in card
