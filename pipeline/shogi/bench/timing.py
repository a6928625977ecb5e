"""Repeated measurements: taken in rounds, so that every compared quantity sees the same
moments of a noisy machine, and summed up by their median."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

Sample = TypeVar("Sample")


def interleaved(
    runs: int, measurements: dict[str, Callable[[], Sample]]
) -> dict[str, list[Sample]]:
    """Takes each measurement once per round, `runs` rounds: side by side, never one batch
    of runs of A followed by one of B. Returns every sample, by name."""
    samples: dict[str, list[Sample]] = {name: [] for name in measurements}
    for _ in range(runs):
        for name, measure in measurements.items():
            samples[name].append(measure())
    return samples


def summary(samples: list[float]) -> dict:
    """Median, spread and the samples themselves (milliseconds or seconds, as given)."""
    return {
        "median": round(statistics.median(samples), 2),
        "min": round(min(samples), 2),
        "max": round(max(samples), 2),
        "runs": len(samples),
        "samples": [round(sample, 2) for sample in samples],
    }


def seconds(action: Callable[[], object]) -> float:
    """Wall time of `action()`, in seconds."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started
