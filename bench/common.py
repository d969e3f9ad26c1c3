"""Shared helpers for the benchmarks: medians over alternating rounds, and a table printer."""

from __future__ import annotations

import gc
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Timing:
    """Wall times of one peer over alternating rounds: the median is the figure; min and max show the spread."""

    median: float
    low: float
    high: float

    def ms(self, digits: int = 1) -> str:
        return f"{self.median * 1e3:.{digits}f} ms ({self.low * 1e3:.{digits}f}–{self.high * 1e3:.{digits}f})"


def timings(fns: list[Callable[[], object]], rounds: int = 7, gc_paused: bool = False) -> list[Timing]:
    """Each function's median (and min–max) wall time over ``rounds`` alternating rounds, so that every peer sees
    the same machine load; never best-of. ``gc_paused`` pauses Python's collector inside each timed call."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            gc.collect()  # each peer pays for its own garbage, not for the previous peer's cycles
            if gc_paused:
                gc.disable()
            try:
                start = time.perf_counter()
                fn()
                times[i].append(time.perf_counter() - start)
            finally:
                gc.enable()
    return [Timing(statistics.median(t), min(t), max(t)) for t in times]


def moons(n: int = 100, noise: float = 0.1, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles with labels ±1 (the micrograd demo's data), from numpy only."""
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.vstack([np.c_[np.cos(t_out), np.sin(t_out)], np.c_[1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5]])
    X += rng.normal(scale=noise, size=X.shape)
    y = np.r_[-np.ones(n_out), np.ones(n_in)]
    return X, y


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, numpy {np.__version__}"


def print_table(title: str, rows: list[tuple[str, str, str]]) -> None:
    print(f"\n## {title}\n")
    print("| benchmark | result | target |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
