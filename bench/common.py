"""Shared helpers for the benchmarks: best-of-N timing and a table printer."""

from __future__ import annotations

import gc
import platform
import time
from collections.abc import Callable

import numpy as np


def best_times(fns: list[Callable[[], object]], repeat: int = 7) -> list[float]:
    """Best wall time of each function, measured in alternation so that both see the same machine load."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            gc.collect()  # each peer pays for its own garbage, not for the previous peer's cycles
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


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
