"""Graph lifetime: a graph is freed once its output is dropped, and training loops do not grow memory."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np

from autodiff import Tensor, Value


def test_value_graph_is_freed_after_backward_and_drop():
    w = Value(0.5, "w")
    hidden = (w * 2.0 + 1.0).tanh()
    loss = hidden * hidden
    loss.backward()
    refs = [weakref.ref(hidden), weakref.ref(loss)]
    del hidden, loss
    gc.collect()
    assert all(r() is None for r in refs)
    assert w.grad != 0.0  # the leaf keeps its gradient


def test_tensor_graph_is_freed_after_backward_and_drop():
    W = Tensor(np.ones((3, 3)), requires_grad=True)
    z = (W @ np.ones(3)).sigmoid()
    loss = z.sum()
    loss.backward()
    refs = [weakref.ref(z), weakref.ref(loss)]
    del z, loss
    gc.collect()
    assert all(r() is None for r in refs)


def _train(steps: int, W: Tensor, X: np.ndarray, y: np.ndarray) -> None:
    for _ in range(steps):
        loss = ((X @ W).tanh() - y).relu().mean()
        W.zero_grad()
        loss.backward()
        W.data -= 0.01 * W.grad


def test_training_loop_memory_does_not_grow():
    rng = np.random.default_rng(0)
    W = Tensor(rng.normal(size=(8, 4)), requires_grad=True)
    X, y = rng.normal(size=(32, 8)), rng.normal(size=(32, 4))
    _train(50, W, X, y)  # warm up caches
    gc.collect()
    tracemalloc.start()
    _train(100, W, X, y)
    gc.collect()
    after_100, _ = tracemalloc.get_traced_memory()
    _train(1000, W, X, y)
    gc.collect()
    after_1100, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert after_1100 - after_100 < 64 * 1024, f"memory grew by {after_1100 - after_100} bytes over 1000 steps"


def test_accumulating_a_loss_without_item_keeps_graphs_alive_and_item_does_not():
    """The `total += loss` mistake (see README): keeping the node keeps every step's graph."""
    w = Tensor(np.ones(4), requires_grad=True)
    total = 0.0
    kept = []
    for _ in range(3):
        loss = (w * 2).sum()
        kept.append(weakref.ref(loss))
        total += loss  # a Tensor: chains all three graphs together
    gc.collect()
    assert all(r() is not None for r in kept)
    del total, loss
    total = 0.0
    kept = []
    for _ in range(3):
        loss = (w * 2).sum()
        kept.append(weakref.ref(loss))
        total += loss.item()  # a float: each graph can go
    del loss
    gc.collect()
    assert all(r() is None for r in kept)
    assert total == 24.0
