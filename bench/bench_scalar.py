"""Scalar engine benchmarks (issue: foundation).

1. The micrograd demo step: MLP 2→16→16→1 (ReLU, last layer linear), hinge loss + 1e-4·L2 over 100 two-moons
   points, forward, backward and an SGD update — micrograd's own code, the same code on errorflow's ``Value``
   (``micrograd_style.py``: what learners write) and errorflow's fused ``nn.MLP``, with the same weights and data
   (the losses are checked to agree); medians over alternating rounds, with GC on and GC paused for all.
2. A 10⁶-deep chain ``y = y*1.0001 + 0.0001``: forward + backward.
3. Memory per scalar node while the graph is alive (tracemalloc).
"""

from __future__ import annotations

import gc
import random
import time
import tracemalloc

from common import moons, print_table, timings

import nn
from autodiff import Value


def micrograd_step(model, X, y, lr=0.5):
    from micrograd.engine import Value as MValue

    inputs = [list(map(MValue, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return total.data


def errorflow_step(model, X, y, lr=0.5):
    inputs = [list(map(Value, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return total.data


def _demo_models():
    """micrograd's MLP(2, [16, 16, 1]), the same network as micrograd-style code on errorflow's Value, and
    errorflow's own nn.MLP (fused neurons), all with micrograd's initial weights."""
    import micrograd_style
    from micrograd.nn import MLP as MicroMLP

    random.seed(1)
    micro = MicroMLP(2, [16, 16, 1])
    learner = micrograd_style.MLP(2, [16, 16, 1])
    fused = nn.MLP(2, [16, 16, 1], activation="relu", seed=0)
    for model in (learner, fused):
        for p_ours, p_micro in zip(model.parameters(), micro.parameters(), strict=True):
            p_ours.data = p_micro.data
    return micro, learner, fused


def micrograd_rows(rounds: int = 7) -> list[tuple[str, str, str]]:
    """The demo step three ways, against micrograd, in alternating rounds; GC on and GC paused."""
    X, y = moons(100)
    X, y = X.tolist(), y.tolist()
    micro, learner, fused = _demo_models()
    losses = [micrograd_step(micro, X, y), errorflow_step(learner, X, y), errorflow_step(fused, X, y)]
    assert max(losses) - min(losses) < 1e-9, losses
    steps = [lambda: micrograd_step(micro, X, y), lambda: errorflow_step(learner, X, y),
             lambda: errorflow_step(fused, X, y)]  # fmt: skip
    on = timings(steps, rounds)
    off = timings(steps, rounds, gc_paused=True)
    return [
        (
            "micrograd demo step, micrograd-style code (`sum(w*x) + b`) on errorflow vs micrograd",
            f"errorflow {on[1].ms()}, micrograd {on[0].ms()}: **{on[0].median / on[1].median:.1f}×**; "
            f"GC paused for both: {off[1].ms()} vs {off[0].ms()}: **{off[0].median / off[1].median:.2f}×**",
            "≥ 6× (≥ 2× with GC paused)",
        ),
        (
            "the same step with errorflow's `nn.MLP` (one weighted_sum node per neuron) vs micrograd's code",
            f"errorflow {on[2].ms()}, micrograd {on[0].ms()}: **{on[0].median / on[2].median:.1f}×**; "
            f"GC paused: **{off[0].median / off[2].median:.1f}×**",
            "≥ 20×",
        ),
    ]


def memory_per_node(n: int = 20_000) -> tuple[str, str, str]:
    """Bytes per scalar node while the graph is alive, from tracemalloc, including the backward pass."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    x = Value(1.0)
    y = x
    for _ in range(n // 2):
        y = y * 1.0001 + 0.0001
    built = tracemalloc.get_traced_memory()[0]
    y.backward()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del before
    return (
        f"memory per scalar node (chain of {n:,} nodes, tracemalloc)",
        f"graph alive: **{built / n:.0f} B/node**; peak during backward: {peak / n:.0f} B/node",
        "≤ 320 B",
    )


def deep_chain(n: int = 1_000_000) -> tuple[str, str, str]:
    start = time.perf_counter()
    x = Value(1.0, "x")
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.0001
    forward = time.perf_counter() - start
    y.backward()
    total = time.perf_counter() - start
    return (
        f"chain y = y·1.0001 + 0.0001, depth {n:,}",
        f"forward {forward:.2f} s + backward {total - forward:.2f} s = **{total:.2f} s**",
        "≤ 3.6 s",
    )


def player_page(rounds: int = 3) -> tuple[str, str, str]:
    """The backprop player of micrograd's MLP(2, [16, 16, 1]) on one input, the whole graph (issue 12's case)."""
    import statistics

    from autodiff import viz
    from nn.micrograd import MLP

    random.seed(0)
    model = MLP(2, [16, 16, 1])
    times, size, frames = [], 0, 0
    for _ in range(rounds):
        start = time.perf_counter()
        player = viz.BackpropPlayer(model([Value(0.5), Value(-1.0)]), max_nodes=None)
        page = player.page()
        times.append(time.perf_counter() - start)
        size, frames = len(page.encode("utf-8")), len(player)
    return (
        "backprop player of MLP(2, [16, 16, 1]) on Values, whole graph, built to HTML",
        f"{frames} frames, **{size / 1e6:.1f} MB**, median {statistics.median(times):.1f} s "
        f"(min {min(times):.1f}, max {max(times):.1f}, {rounds} rounds)",
        "< 5 MB, < 10 s",
    )


def main() -> None:
    print_table("Scalar engine (Value)", [*micrograd_rows(), deep_chain(), memory_per_node(), player_page()])


if __name__ == "__main__":
    main()
