"""Scalar engine benchmarks (issue: foundation).

1. The micrograd demo step: MLP 2→16→16→1 (ReLU, last layer linear), hinge loss + 1e-4·L2 over 100 two-moons
   points, forward, backward and an SGD update — on errorflow's ``Value`` and on the ``micrograd`` package, with
   the same weights and data (the losses are checked to agree). Target: errorflow ≥ 5× faster.
2. A 10⁶-deep chain ``y = y*1.0001 + 0.0001``: forward + backward. Target: under 10 s.
"""

from __future__ import annotations

import time

from common import best_times, moons, print_table

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


def micrograd_vs_errorflow() -> tuple[str, str, str]:
    from micrograd.nn import MLP as MicroMLP

    X, y = moons(100)
    X, y = X.tolist(), y.tolist()
    micro = MicroMLP(2, [16, 16, 1])
    ours = nn.MLP(2, [16, 16, 1], activation="relu", seed=0)
    for p_ours, p_micro in zip(ours.parameters(), micro.parameters(), strict=True):
        p_ours.data = p_micro.data
    loss_micro, loss_ours = micrograd_step(micro, X, y), errorflow_step(ours, X, y)
    assert abs(loss_micro - loss_ours) < 1e-9, (loss_micro, loss_ours)
    steps = 5  # a block of consecutive training steps: each engine pays for its own garbage collection
    blocks = best_times(
        [
            lambda: [micrograd_step(micro, X, y) for _ in range(steps)],
            lambda: [errorflow_step(ours, X, y) for _ in range(steps)],
        ],
        repeat=3,
    )
    t_micro, t_ours = (t / steps for t in blocks)
    ratio = t_micro / t_ours
    return (
        "micrograd demo step (2→16→16→1, 100 moons)",
        f"errorflow {t_ours * 1e3:.1f} ms, micrograd {t_micro * 1e3:.1f} ms: **{ratio:.1f}× faster**",
        "≥ 5×",
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
        "< 10 s",
    )


def main() -> None:
    print_table("Scalar engine (Value)", [micrograd_vs_errorflow(), deep_chain()])


if __name__ == "__main__":
    main()
