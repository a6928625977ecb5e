"""`doit` rebuilds exactly the stages whose inputs changed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from support import (
    MODEL_TASKS,
    changed_settings,
    clean_environment,
    save_random_checkpoint,
    start_build,
    step_of,
)

ALL_TASKS = ["freeze", "convert", "tflite", "node", "bundle", "site"]


def test_the_first_build_runs_every_task(built_project):
    _, first = built_project
    assert sorted(first.executed) == sorted(ALL_TASKS)


def test_a_second_build_runs_nothing(project):
    run = project.doit()
    assert run.executed == []
    assert sorted(run.up_to_date) == sorted(ALL_TASKS)


def test_loading_the_tasks_does_not_import_tensorflow(project):
    # A no-op build must stay fast: dodo.py may not pull TensorFlow (seconds) in.
    probe = "import sys, dodo; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=project.root,
        env=clean_environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.split() == ["False", "False"]


def test_a_new_checkpoint_rebuilds_the_model_but_not_the_web_app(project):
    save_random_checkpoint(project.checkpoint_dir, seed=2, step=2)
    run = project.doit()
    assert sorted(run.executed) == MODEL_TASKS


def test_a_change_under_web_src_rebuilds_the_bundle_and_the_site_only(project):
    main = project.root / "web" / "src" / "main.ts"
    source = main.read_text(encoding="utf-8")
    assert "Ready: pick, drop or paste images." in source
    main.write_text(source.replace("Ready: pick,", "Ready! Pick,"), encoding="utf-8")
    run = project.doit()
    assert sorted(run.executed) == ["bundle", "site"]


@pytest.mark.parametrize(
    ("module", "stage"),
    [("network.py", "freeze"), ("convert.py", "convert"), ("tflite.py", "tflite"),
     ("bundle.py", "bundle"), ("site.py", "site"), ("model_card.py", "site")],
)  # fmt: skip
def test_a_change_to_a_stage_s_own_code_reruns_that_stage(project, module, stage):
    # The tool's new code may make something else of the same inputs. Here the change is a
    # comment: the stage makes the same bytes, so nothing after it runs.
    path = project.root / "pipeline" / module
    source = path.read_text(encoding="utf-8")
    path.write_text(source + "\n# changed\n", encoding="utf-8")
    try:
        run = project.doit()
    finally:
        path.write_text(source, encoding="utf-8")
    assert run.executed == [stage]


def test_the_page_title_and_description_come_from_the_settings_and_publish_the_site_only(
    project,
):
    with changed_settings(project, title='"Flowers <b>&</b> more"',
                          description='"Which flower is it?"'):  # fmt: skip
        run = project.doit()
    assert run.executed == ["site"]
    page = (project.artifacts / "site" / "index.html").read_text(encoding="utf-8")
    assert "<title>Flowers &lt;b&gt;&amp;&lt;/b&gt; more</title>" in page
    assert "<h1>Flowers &lt;b&gt;&amp;&lt;/b&gt; more</h1>" in page
    assert '<p id="page-description">Which flower is it?</p>' in page
    assert "{{" not in page


def test_the_app_setting_publishes_the_site_only(project):
    with changed_settings(project, app='"shogi-board"'):
        run = project.doit()
    assert run.executed == ["site"]
    manifest = json.loads((project.artifacts / "site" / "manifest.json").read_text("utf-8"))
    assert manifest["app"] == "shogi-board"
    assert project.doit().executed == ["site"]  # and back


def test_a_web_src_change_that_builds_the_same_page_publishes_nothing(project):
    main = project.root / "web" / "src" / "main.ts"
    main.write_text(main.read_text(encoding="utf-8") + "\n// a comment only\n", encoding="utf-8")
    run = project.doit()
    assert run.executed == ["bundle"]


def test_a_checkpoint_saved_again_unchanged_reruns_freeze_at_most(project):
    from pipeline import checkpoints

    prefix = checkpoints.latest_prefix(project.checkpoint_dir)
    before = {path.name: path.read_bytes() for path in checkpoints.files_of(prefix)}
    step = step_of(prefix)
    seed = {1: 1, 2: 2}.get(step)
    assert seed is not None, f"unexpected checkpoint {prefix}"
    save_random_checkpoint(project.checkpoint_dir, seed=seed, step=step)  # same weights again
    after = {path.name: path.read_bytes() for path in checkpoints.files_of(prefix)}
    assert after.keys() == before.keys()

    run = project.doit()
    assert set(run.executed) <= {"freeze"}
    assert {"convert", "tflite", "site"} <= set(run.up_to_date)


def test_a_checkpoint_overwritten_during_the_build_is_rebuilt_next_time(project):
    """doit records file_dep hashes after the action: a checkpoint replaced while freeze
    reads it must not leave the build marked up to date with the old model."""
    import json

    from pipeline import checkpoints

    prefix = checkpoints.latest_prefix(project.checkpoint_dir)
    step = step_of(prefix)
    save_random_checkpoint(project.checkpoint_dir, seed=50, step=step)
    build = start_build(project)
    output = []
    for line in build.stdout:
        output.append(line)
        if line.strip() == ".  freeze":
            # same file names, new weights: doit's file_dep list does not change
            save_random_checkpoint(project.checkpoint_dir, seed=51, step=step)
            break
    output.extend(build.stdout)
    assert build.wait(timeout=900) == 0, "".join(output)

    project.doit()
    info = json.loads((project.artifacts / "frozen" / "model-info.json").read_text("utf-8"))
    current = checkpoints.fingerprint(checkpoints.latest_prefix(project.checkpoint_dir))
    assert info["checkpoint_fingerprint"] == current
    manifest = json.loads((project.artifacts / "site" / "manifest.json").read_text("utf-8"))
    assert manifest["checkpointFingerprint"] == current


def test_clean_removes_what_the_tasks_made_and_doit_rebuilds_it(project):
    run = project.doit("clean")
    assert run.returncode == 0
    for made in ("frozen", "tfjs", "node", "bundle", "site"):
        assert not (project.artifacts / made).exists(), made
    assert not (project.root / "web" / "node_modules").exists()
    assert (project.checkpoint_dir / "checkpoint").exists()  # the input stays

    rebuilt = project.doit()
    assert sorted(rebuilt.executed) == sorted(ALL_TASKS)
