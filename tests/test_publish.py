"""Publishing is atomic: rebuilds killed at any moment never break the served site."""

from __future__ import annotations

import json
import random
import re
import subprocess
import threading
import time
import urllib.request
from posixpath import dirname

from support import save_random_checkpoint, start_build

from pipeline import checkpoints
from pipeline.serve import make_server

# Each kill lands at a random moment inside a task that writes (what changed -> the task):
# the model stages, webpack, and twice as often the publishing, after either kind of change.
KILLS = [("checkpoint", "freeze"), ("checkpoint", "convert"), ("checkpoint", "site"),
         ("web app", "bundle"), ("web app", "site")] * 2  # fmt: skip


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200, url
        return response.read()


def load_site(base: str) -> None:
    """Loads the site as the page does and checks that it is whole and of one build."""
    page = fetch(base).decode("utf-8")
    script = re.search(r'<script src="([^"]+)"', page)[1]
    wasm = re.search(r'name="wasm-path" content="([^"]+)"', page)[1]
    assert fetch(base + script)
    assert fetch(f"{base}{wasm}tfjs-backend-wasm-simd.wasm")
    manifest = json.loads(fetch(base + "manifest.json"))
    model = json.loads(fetch(base + manifest["model"]))
    metadata = model["userDefinedMetadata"]["classifier"]
    assert metadata["checkpoint_fingerprint"] == manifest["checkpointFingerprint"]
    for group in model["weightsManifest"]:
        for shard in group["paths"]:
            assert fetch(f"{base}{dirname(manifest['model'])}/{shard}")


def _task_durations(project, change, what: str) -> dict[str, float]:
    """Seconds each task of the rebuild after `change(what)` takes here, from its line to the
    next task's (or the end)."""
    change(what)
    build = start_build(project)
    starts = {}
    for line in build.stdout:
        if line.startswith(".  "):
            starts[line.split()[1]] = time.monotonic()
    assert build.wait() == 0
    ends = [*list(starts.values())[1:], time.monotonic()]
    return {task: end - start for (task, start), end in zip(starts.items(), ends, strict=True)}


def test_killed_rebuilds_never_break_the_site_and_the_next_build_publishes(project):
    server = make_server(project.artifacts / "site", "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    stop, loads, failures = threading.Event(), [], []

    def keep_loading():
        while not stop.is_set():
            try:
                load_site(base)
                loads.append(1)
            except Exception as error:  # noqa: BLE001 - every failure is a finding
                failures.append(repr(error))

    client = threading.Thread(target=keep_loading, daemon=True)
    client.start()
    rng = random.Random(5)
    main = project.root / "web" / "src" / "main.ts"
    seeds = iter(range(100, 200))

    def change(what: str) -> None:
        if what == "web app":
            main.write_text(main.read_text("utf-8").replace("Ready", "Ready!"), "utf-8")
        else:
            seed = next(seeds)
            save_random_checkpoint(project.checkpoint_dir, seed=seed, step=seed)

    try:
        lasting = {what: _task_durations(project, change, what) for what in ("checkpoint", "web app")}
        for what, task in KILLS:
            change(what)
            build = start_build(project)
            if not any(line.strip() == f".  {task}" for line in build.stdout):
                raise AssertionError(f"the build never started {task}")
            time.sleep(rng.uniform(0, lasting[what][task]))
            build.kill()
            build.wait()
            build.stdout.close()
        save_random_checkpoint(project.checkpoint_dir, seed=200, step=200)
        final = project.doit()
        assert "site" in final.executed
        load_site(base)
    finally:
        stop.set()
        client.join(timeout=60)
        server.shutdown()
        server.server_close()

    assert failures == []
    assert len(loads) > 100
    manifest = json.loads((project.artifacts / "site" / "manifest.json").read_text("utf-8"))
    current = checkpoints.fingerprint(checkpoints.latest_prefix(project.checkpoint_dir))
    assert manifest["checkpointFingerprint"] == current
    leftovers = [path.name for path in (project.artifacts / "site").iterdir()
                 if path.name.startswith(".")]  # fmt: skip
    assert leftovers == []


def test_200_concurrent_clients_during_a_publish_see_no_errors_and_no_mixed_model(project):
    from concurrent.futures import ThreadPoolExecutor

    server = make_server(project.artifacts / "site", "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    save_random_checkpoint(project.checkpoint_dir, seed=300, step=300)
    build = start_build(project, output=subprocess.DEVNULL)
    manifests = set()

    def client(_):
        failures = []
        while build.poll() is None:
            try:
                load_site(base)
                manifests.add(fetch(base + "manifest.json"))
            except Exception as error:  # noqa: BLE001 - every failure is a finding
                failures.append(repr(error))
        return failures

    try:
        with ThreadPoolExecutor(max_workers=200) as pool:
            failures = [failure for result in pool.map(client, range(200)) for failure in result]
    finally:
        server.shutdown()
        server.server_close()
    assert build.returncode == 0
    assert failures == []
    assert len(manifests) >= 2  # the clients saw the publish happen
