"""Tensor engine benchmarks (issue: the Tensor engine). Every peer runs in this process, on the same data.

1. Digits MLP epoch: sklearn ``load_digits`` (standardized), 64→128→64→10 ReLU, softmax cross-entropy, SGD lr 0.1,
   batch 64 — errorflow (fused ``linear``/``softmax_cross_entropy``, or the plain ops a learner writes) vs PyTorch
   CPU (``F.linear``, ``F.cross_entropy``) vs a hand-written numpy forward/backward (the floor), in float64 and
   float32. Same initial weights and batch order for all three; the final losses are checked to agree. Small
   matrices: one thread each. Medians over alternating rounds.
2. Op overhead: a chain of 1000 elementwise ops on (4, 4) float32 tensors plus backward, µs per op.
3. 1024×1024 matmul forward + backward (three matmuls) vs raw numpy, GFLOP/s.
4. The notes' §8 point: the same MLP on ``Value``s and on ``Tensor``s, the speed-up.
5. The layer-level error-flow diagram of the digits MLP, drawn and rendered. Target: under 2 s.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from common import moons, print_table, timings

import nn
from autodiff import Tensor, linear, no_grad, softmax_cross_entropy

BATCH, LR = 64, 0.1


def digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    X = data.data.astype(np.float64)
    X = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-8)
    return X, data.target.astype(np.int64)


def init_weights(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    sizes = [64, 128, 64, 10]
    weights = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        bound = np.sqrt(6 / (n_in + n_out))
        weights += [rng.uniform(-bound, bound, size=(n_out, n_in)), np.zeros(n_out)]
    return weights


def _sgd_step(params: list[Tensor], loss: Tensor) -> None:
    for p in params:
        p.zero_grad()
    loss.backward()
    with no_grad():
        for p in params:
            p.data -= LR * p.grad


def epoch_errorflow(params: list[Tensor], X: np.ndarray, y: np.ndarray, order: np.ndarray) -> float:
    W1, b1, W2, b2, W3, b3 = params
    for start in range(0, len(order), BATCH):
        idx = order[start : start + BATCH]
        x, t = Tensor(X[idx]), y[idx]
        h1 = linear(x, W1, b1).relu()
        h2 = linear(h1, W2, b2).relu()
        loss = softmax_cross_entropy(linear(h2, W3, b3), t)
        _sgd_step(params, loss)
    return loss.item()


def epoch_errorflow_plain(params: list[Tensor], X: np.ndarray, y: np.ndarray, order: np.ndarray) -> float:
    """The same epoch written with plain ops, as a learner would: h @ W.T + b, log_softmax, a one-hot mask."""
    W1, b1, W2, b2, W3, b3 = params
    eye = np.eye(10, dtype=X.dtype)
    for start in range(0, len(order), BATCH):
        idx = order[start : start + BATCH]
        x, t = Tensor(X[idx]), eye[y[idx]]
        h1 = (x @ W1.T + b1).relu()
        h2 = (h1 @ W2.T + b2).relu()
        loss = -((h2 @ W3.T + b3).log_softmax(axis=1) * t).sum() * (1.0 / len(idx))
        _sgd_step(params, loss)
    return loss.item()


def epoch_torch(params, X, y, order) -> float:
    """PyTorch written the way its users write it: F.linear and F.cross_entropy."""
    import torch
    import torch.nn.functional as F

    W1, b1, W2, b2, W3, b3 = params
    for start in range(0, len(order), BATCH):
        idx = order[start : start + BATCH]
        x, t = X[idx], y[idx]
        h1 = torch.relu(F.linear(x, W1, b1))
        h2 = torch.relu(F.linear(h1, W2, b2))
        loss = F.cross_entropy(F.linear(h2, W3, b3), t)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
    return loss.item()


def epoch_numpy(params: list[np.ndarray], X: np.ndarray, y: np.ndarray, order: np.ndarray) -> float:
    W1, b1, W2, b2, W3, b3 = params
    for start in range(0, len(order), BATCH):
        idx = order[start : start + BATCH]
        x, t, n = X[idx], y[idx], len(idx)
        z1 = x @ W1.T + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ W2.T + b2
        h2 = np.maximum(z2, 0)
        z3 = h2 @ W3.T + b3
        shifted = z3 - z3.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -logp[np.arange(n), t].mean()
        d3 = np.exp(logp)
        d3[np.arange(n), t] -= 1
        d3 /= n
        d2 = (d3 @ W3) * (z2 > 0)
        d1 = (d2 @ W2) * (z1 > 0)
        grads = [d1.T @ x, d1.sum(0), d2.T @ h1, d2.sum(0), d3.T @ h2, d3.sum(0)]
        for p, g in zip(params, grads):
            p -= LR * g
    return float(loss)


def single_threaded(fn):
    """Run a small-matrix benchmark with every peer on one thread: OpenBLAS's and PyTorch's thread pools spin
    after each call and would otherwise steal the 2 cores from whichever peer runs next."""

    def wrapper(*args, **kwargs):
        import torch
        from threadpoolctl import threadpool_limits

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with threadpool_limits(1):
                return fn(*args, **kwargs)
        finally:
            torch.set_num_threads(threads)

    return wrapper


def digits_rows() -> list[tuple[str, str, str]]:
    return [digits_epoch(np.float64, epoch_errorflow, "fused (`linear`, `softmax_cross_entropy`)"),
            digits_epoch(np.float32, epoch_errorflow, "fused"),
            digits_epoch(np.float32, epoch_errorflow_plain, "plain ops (`h @ W.T + b`, `log_softmax`, one-hot)")]


@single_threaded
def digits_epoch(dtype, ours_epoch, how: str) -> tuple[str, str, str]:
    import torch

    X, y = digits()
    X = X.astype(dtype)
    order = np.random.default_rng(0).permutation(len(X))
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    weights = [w.astype(dtype) for w in init_weights()]
    # one epoch from the same start: the three implementations must agree
    losses = (
        ours_epoch([Tensor(w, requires_grad=True) for w in weights], X, y, order),
        epoch_torch([torch.tensor(w, requires_grad=True) for w in weights], Xt, yt, order),
        epoch_numpy([w.copy() for w in weights], X, y, order),
    )
    assert np.allclose(losses, losses[0], rtol=1e-9 if dtype == np.float64 else 1e-3), losses
    ours = [Tensor(w, requires_grad=True) for w in weights]
    theirs = [torch.tensor(w, requires_grad=True) for w in weights]
    floor = [w.copy() for w in weights]
    t_ours, t_torch, t_numpy = timings(
        [
            lambda: ours_epoch(ours, X, y, order),
            lambda: epoch_torch(theirs, Xt, yt, order),
            lambda: epoch_numpy(floor, X, y, order),
        ],
        rounds=11,
    )
    target = {"fused": "≤ 1.3× numpy", "plain": "≤ 1.4× numpy"}["plain" if "plain" in how else "fused"]
    return (
        f"digits MLP epoch (64→128→64→10, batch 64), {np.dtype(dtype).name}, {how}",
        f"errorflow {t_ours.ms()}, PyTorch {t_torch.ms()}, numpy {t_numpy.ms()}: "
        f"**{t_ours.median / t_numpy.median:.2f}× numpy's time** (PyTorch {t_torch.median / t_numpy.median:.2f}×)",
        target,
    )


@single_threaded
def op_overhead(n_ops: int = 1000) -> tuple[str, str, str]:
    import torch

    start = np.random.default_rng(0).random((4, 4)).astype(np.float32)

    def chain_errorflow() -> None:
        x = Tensor(start, requires_grad=True)
        y = x
        for i in range(n_ops):
            y = y * 0.999 if i % 2 else (y + 0.001).tanh() if i % 3 == 0 else y + 0.001
        y.sum().backward()

    def chain_torch() -> None:
        x = torch.tensor(start, requires_grad=True)
        y = x
        for i in range(n_ops):
            y = y * 0.999 if i % 2 else (y + 0.001).tanh() if i % 3 == 0 else y + 0.001
        y.sum().backward()

    ours, theirs = timings([chain_errorflow, chain_torch], rounds=11)
    t_ours, t_torch = ours.median / n_ops, theirs.median / n_ops
    return (
        f"op overhead: {n_ops} elementwise ops on (4, 4) float32 + backward",
        f"errorflow {t_ours * 1e6:.2f} µs/op ({ours.low / n_ops * 1e6:.2f}–{ours.high / n_ops * 1e6:.2f}), "
        f"PyTorch {t_torch * 1e6:.2f} µs/op: **{t_torch / t_ours:.2f}× PyTorch's speed**",
        "≥ 1.8×",
    )


def big_matmul(n: int = 1024) -> tuple[str, str, str]:
    rng = np.random.default_rng(0)
    A_data, B_data, G = rng.random((n, n)), rng.random((n, n)), rng.random((n, n))
    A, B = Tensor(A_data, requires_grad=True), Tensor(B_data, requires_grad=True)

    def ours() -> None:
        A.zero_grad()
        B.zero_grad()
        (A @ B).backward(G)

    def raw() -> None:
        A_data @ B_data
        G @ B_data.T
        A_data.T @ G

    flops = 3 * 2 * n**3
    g_ours, g_raw = (flops / t.median / 1e9 for t in timings([ours, raw], rounds=9))
    return (
        f"{n}×{n} matmul forward + backward",
        f"errorflow {g_ours:.1f} GFLOP/s, numpy {g_raw:.1f} GFLOP/s: **{g_ours / g_raw:.0%}**",
        "≥ 97% of numpy",
    )


def value_vs_tensor() -> tuple[str, str, str]:
    X, y = moons(100)
    scalar = nn.MLP(2, [16, 16, 1], activation="relu", seed=0)
    layers = scalar.layers
    weights = [
        Tensor([[w.data for w in row] for row in layer.W], requires_grad=True) for layer in layers
    ] + [Tensor([b.data for b in layer.b], requires_grad=True) for layer in layers]
    Ws, bs = weights[:3], weights[3:]

    def on_values() -> float:
        scores = [scalar(list(row)) for row in X.tolist()]
        loss = sum((1 + -yi * si).relu() for yi, si in zip(y.tolist(), scores)) * (1 / len(scores))
        scalar.zero_grad()
        loss.backward()
        return loss.data

    def on_tensors() -> float:
        h = Tensor(X)
        for k, (W, b) in enumerate(zip(Ws, bs)):
            h = h @ W.T + b
            h = h.relu() if k < 2 else h
        loss = (1 - Tensor(y) * h.reshape(-1)).relu().mean()
        for p in weights:
            p.zero_grad()
        loss.backward()
        return loss.item()

    assert abs(on_values() - on_tensors()) < 1e-9
    t_values, t_tensors = (t.median for t in timings([on_values, on_tensors], rounds=5))
    return (
        "§8: MLP 2→16→16→1 on 100 points, forward + backward",
        f"Value {t_values * 1e3:.1f} ms, Tensor {t_tensors * 1e3:.2f} ms: **{t_values / t_tensors:.0f}× speed-up**",
        "(the notes' point: vectorize)",
    )


def layer_view(rounds: int = 5) -> tuple[str, str, str]:
    """The layer-level error-flow diagram of the digits MLP (64→128→64→10, batch 64), built and rendered to SVG."""
    from autodiff import viz

    X, y = digits()
    net = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        loss = softmax_cross_entropy(net(Tensor(X[:64])), y[:64])
        viz.draw(loss, flow=True, collapse=True).svg()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return (
        "layer-level flow diagram of the digits MLP (collapse=True), forward + draw + dot -Tsvg",
        f"median {median:.2f} s (min {min(times):.2f}, max {max(times):.2f}, {rounds} rounds)",
        "< 2 s",
    )


def main() -> None:
    print_table("Tensor engine", [*digits_rows(), op_overhead(), big_matmul(), value_vs_tensor(), layer_view()])


if __name__ == "__main__":
    main()
