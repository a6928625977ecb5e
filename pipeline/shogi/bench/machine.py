"""What the benchmark ran on, for the report: figures mean little without it."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

from pipeline import node
from pipeline.config import Config


def _field(path: str, key: str, separator: str) -> str:
    """The value of the first `key<separator>value` line of a system file, or ''."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    for line in lines:
        name, _, value = line.partition(separator)
        if name.strip() == key:
            return value.strip().strip('"')
    return ""


def describe(config: Config, chromium: str, tensorflow: str) -> dict:
    memory = _field("/proc/meminfo", "MemTotal", ":").split()
    system = f"{platform.system()} {platform.release()}"
    distribution = _field("/etc/os-release", "PRETTY_NAME", "=")
    package = json.loads((config.web_dir / "package.json").read_text(encoding="utf-8"))
    return {
        "cpu": _field("/proc/cpuinfo", "model name", ":") or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(int(memory[0]) / 2**20, 1) if memory else None,
        "os": f"{distribution}, {system}" if distribution else system,
        "python": platform.python_version(),
        "chromium": chromium,
        "tensorflow": tensorflow,
        "tfjs": package["dependencies"]["@tensorflow/tfjs-core"],
        "node": node.run_node(config, ["--version"]).strip(),
    }


def load_average() -> float:
    """The 1-minute load average: near 0 on a quiet machine, near the core count on a busy one."""
    return round(os.getloadavg()[0], 2)
