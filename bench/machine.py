"""What the numbers were measured on: CPU, cores, memory, Python, and how busy the machine was."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path


def describe() -> list[str]:
    """Lines for the top of a report."""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return [
        f"CPU: {_cpu_model()}, {os.cpu_count()} cores",
        f"RAM: {_memory_gib():.1f} GiB",
        f"Python {platform.python_version()} ({sys.implementation.name}), {platform.system()} "
        f"{platform.release()}",
        f"load average before the run (1, 5, 15 min): {load}",
    ]


def load_average() -> float:
    return os.getloadavg()[0]


def _cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or "unknown CPU"


def _memory_gib() -> float:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return 0.0


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""
