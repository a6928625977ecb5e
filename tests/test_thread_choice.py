"""LiteRT.js's thread count follows what each count has been costing on this device."""

from __future__ import annotations

import json
import subprocess

from support import ROOT


def run_batches(tmp_path, warmup: dict, phases: list) -> dict:
    completed = subprocess.run(
        [str(ROOT / "artifacts" / "node" / "bin" / "node"), str(ROOT / "tests" / "threads_ts.cjs"),
         str(ROOT / "web"), str(tmp_path)],
        input=json.dumps({"warmup": warmup, "phases": phases}), capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_the_faster_count_at_warm_up_runs_the_batches_and_the_page_says_so(tmp_path):
    result = run_batches(tmp_path, {"1": [31, 30], "2": [24, 26]}, [[7, {"1": 30, "2": 25}]])
    assert result["ran"] == [2] * 7
    assert result["trial"] == " (a batch at warm-up: 1 thread 31 ms, 2 threads 25 ms)"


def test_threads_that_slow_down_when_a_core_is_taken_give_way_and_come_back_after(tmp_path):
    quiet, busy = {"1": 30, "2": 24}, {"1": 33, "2": 90}  # busy: other work holds a core
    ran = run_batches(tmp_path, {"1": [30, 30], "2": [24, 24]},
                      [[8, quiet], [8, busy], [24, quiet]])["ran"]  # fmt: skip
    assert ran[:7] == [2] * 7 and ran[7] == 1  # every 8th batch keeps one thread's time current
    assert ran[8:15] == [2] + [1] * 6  # one slow batch on 2 threads, then one thread
    assert ran[15] == 2  # a retry while the core is still taken: still slow
    assert ran[16:24] == [1] * 7 + [2]  # the next retry, the core free, finds them fast again
    assert ran[24:] == [2] * 7 + [1] + [2] * 7 + [1]  # and they stay


def test_a_single_count_is_no_choice(tmp_path):
    result = run_batches(tmp_path, {"1": []}, [[9, {"1": 40}]])
    assert result == {"ran": [1] * 9, "trial": ""}
