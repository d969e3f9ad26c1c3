"""``autodiff demo``: the main job — the notes' models end to end, with every artifact written to one folder.

1. the §1 neuron: forward, backward, gradcheck report, its graph and error-flow diagram;
2. the §3–4 window classifier trained with the max-margin loss; ranking accuracy on held-out windows;
3. an MLP on two moons trained on both engines (Value and Tensor); decision boundary; the §8 speed-up;
4. a digits MLP (sklearn's ``load_digits``) with Adam and an lr schedule; test accuracy; loss curve;
5. a summary table: each step, its key number, the path of every artifact.

A step that fails prints one line and the demo goes on; what earlier steps wrote stays; the exit code is 1.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["run_demo", "StepResult"]


@dataclass
class StepResult:
    name: str
    key_number: str = ""
    artifacts: list[Path] = field(default_factory=list)
    error: str | None = None


class DemoError(RuntimeError):
    """A step could not run; the message is one line meant for the user."""


def _progress(iterable: Iterable[Any], enabled: bool, desc: str, total: int | None = None) -> Any:
    """tqdm when enabled and stderr is a terminal, else the plain iterable (quiet in CI and pipes)."""
    if not enabled or not sys.stderr.isatty():
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False)


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> None:
    """Write a figure as a PNG and free it."""
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _plt().close(fig)


def neuron_step(out: Path, seed: int, quick: bool, progress: bool) -> StepResult:
    """The notes' §1 sigmoid neuron a = σ(wᵀx + b): forward, backward, gradcheck, graph and error flow."""
    from . import Value, gradcheck, viz

    x1, x2 = Value(2.0, "x₁"), Value(0.0, "x₂")
    w1, w2 = Value(-3.0, "w₁"), Value(1.0, "w₂")
    b = Value(6.8813735870195432, "b")

    def neuron(x1: Value, x2: Value, w1: Value, w2: Value, b: Value) -> Value:
        z = w1 * x1 + w2 * x2 + b
        z.label = "z"
        a = z.sigmoid()
        a.label = "a"
        return a

    a = neuron(x1, x2, w1, w2, b)
    a.backward()
    print(f"  a = σ(w₁x₁ + w₂x₂ + b) = {a.data:.6f}; error signal 1 at a, shared back:")
    print("  " + ", ".join(f"∂a/∂{v.label} = {v.grad:+.4f}" for v in (w1, w2, x1, x2, b)))
    report = gradcheck(neuron, [x1, x2, w1, w2, b])
    print("  " + str(report).replace("\n", "\n  "))
    if not report:
        raise DemoError("the neuron's gradients disagree with centered differences")
    graph_path, flow_path = out / "neuron.svg", out / "neuron-flow.svg"
    try:
        viz.draw(a, title="a = σ(w₁x₁ + w₂x₂ + b)").save(graph_path)
        viz.draw(a, flow=True, title="error flow: the signal on every edge").save(flow_path)
    except viz.GraphvizNotInstalled as error:
        raise DemoError(str(error).splitlines()[0]) from None
    return StepResult("§1 neuron: gradcheck", f"max rel error {max(r.rel_error for r in report.rows):.1e}",
                      [graph_path, flow_path])


def window_step(out: Path, seed: int, quick: bool, progress: bool) -> StepResult:
    """The §3 window classifier s = uᵀf(Wx + b), trained with J = max(Δ + s_c − s, 0) on true vs corrupted."""
    import nn
    import optim

    data = nn.data.window_dataset(seed=seed)
    model = nn.WindowClassifier(data.word_vectors, hidden=8, seed=seed)
    optimizer = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    rng = np.random.default_rng(seed)
    train = data.train.true_windows
    epochs = 60 if quick else 200
    losses = []
    bar = _progress(range(epochs), progress, "window classifier", total=epochs)
    for _ in bar:
        corrupted = data.corrupt(train, rng=rng)
        loss = nn.max_margin_loss(model(train), model(corrupted))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{losses[-1]:.3f}")
    from . import no_grad

    with no_grad():
        s, s_c = model(data.test.true_windows).data, model(data.test.corrupted_windows).data
    accuracy = float(np.mean(s > s_c))
    print(f"  {len(train)} true training windows, {epochs} epochs: loss {losses[0]:.3f} → {losses[-1]:.3f}")
    print(f"  held-out: true window scored above its corrupted twin in {accuracy:.0%} of {len(s)} pairs")
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(losses)
    ax.set(xlabel="epoch", ylabel="J = mean max(1 + s_c − s, 0)", title="window classifier (max-margin)")
    path = out / "window-loss.png"
    _save(fig, path)
    return StepResult("§3–4 window classifier", f"held-out ranking accuracy {accuracy:.0%}", [path])


def moons_step(out: Path, seed: int, quick: bool, progress: bool) -> StepResult:
    """The same MLP 2→16→16→1 trained on Values and on Tensors: equal results, the §8 speed-up."""
    import nn

    from . import Tensor, no_grad

    X, y = nn.data.make_moons(n_samples=60 if quick else 100, noise=0.1, seed=seed)
    y_pm = 2.0 * y - 1.0  # labels ±1 for the hinge loss
    steps = 15 if quick else 100
    scalar = nn.MLP(2, [16, 16, 1], activation="relu", seed=seed)
    tensor_model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    for linear, layer in zip((tensor_model[0], tensor_model[2], tensor_model[4]), scalar.layers):
        linear.W.data[...] = [[w.data for w in row] for row in layer.W]
        linear.b.data[...] = [b.data for b in layer.b]

    def lr(k: int) -> float:
        return 1.0 - 0.9 * k / steps

    start = time.perf_counter()
    for k in _progress(range(steps), progress, "moons on Values", total=steps):
        scores = [scalar(list(row)) for row in X.tolist()]
        loss_v = sum((1 - yi * si).relu() for yi, si in zip(y_pm.tolist(), scores)) * (1 / len(scores))
        loss_v = loss_v + 1e-4 * sum(p * p for p in scalar.parameters())
        scalar.zero_grad()
        loss_v.backward()
        for p in scalar.parameters():
            p.data -= lr(k) * p.grad
    t_values = time.perf_counter() - start

    start = time.perf_counter()
    params = tensor_model.parameters()
    for k in _progress(range(steps), progress, "moons on Tensors", total=steps):
        scores_t = tensor_model(Tensor(X)).reshape(-1)
        loss_t = (1 - Tensor(y_pm) * scores_t).relu().mean() + 1e-4 * sum((p * p).sum() for p in params)
        tensor_model.zero_grad()
        loss_t.backward()
        with no_grad():
            for p in params:
                p.data -= lr(k) * p.grad
    t_tensors = time.perf_counter() - start
    if abs(loss_v.data - loss_t.item()) > 1e-8:
        raise DemoError(f"Value and Tensor engines disagree: loss {loss_v.data} vs {loss_t.item()}")
    speedup = t_values / t_tensors
    with no_grad():
        accuracy = float(np.mean((tensor_model(Tensor(X)).data.reshape(-1) > 0) == (y_pm > 0)))
    print(f"  {steps} steps on both engines, final loss {loss_t.item():.4f} on each; training accuracy {accuracy:.0%}")
    print(f"  Value engine {t_values:.2f} s, Tensor engine {t_tensors * 1e3:.1f} ms: {speedup:.0f}× faster vectorized")

    plt = _plt()
    xx, yy = np.meshgrid(np.linspace(-1.5, 2.5, 120), np.linspace(-1.0, 1.5, 100))
    with no_grad():
        grid = tensor_model(Tensor(np.c_[xx.ravel(), yy.ravel()])).data.reshape(xx.shape)
    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.contourf(xx, yy, grid > 0, alpha=0.3, cmap="coolwarm")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=20)
    ax.set(title=f"decision boundary (accuracy {accuracy:.0%})")
    path = out / "moons-boundary.png"
    _save(fig, path)
    return StepResult("moons MLP on both engines", f"Tensor {speedup:.0f}× faster than Value", [path])


def digits_step(out: Path, seed: int, quick: bool, progress: bool) -> StepResult:
    """A 64→128→64→10 ReLU MLP on sklearn's digits, Adam + StepLR; test accuracy must reach 95%."""
    from sklearn.datasets import load_digits

    import nn
    import optim

    from . import Tensor, no_grad

    digits = load_digits()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(digits.target))
    n_test = len(order) // 5
    test, train = order[:n_test], order[n_test:]
    scaler = nn.preprocessing.Standardize()
    X_train = scaler.fit_transform(digits.data[train].astype(np.float64))
    X_test = scaler.transform(digits.data[test].astype(np.float64))
    y_train, y_test = digits.target[train], digits.target[test]
    model = nn.Sequential(
        nn.Linear(64, 128, seed=seed), nn.ReLU(), nn.Linear(128, 64, seed=seed + 1), nn.ReLU(),
        nn.Linear(64, 10, seed=seed + 2),
    )
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    epochs = 12 if quick else 25
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.5)
    losses = []
    for _ in _progress(range(epochs), progress, "digits", total=epochs):
        perm = rng.permutation(len(train))
        for start in range(0, len(perm), 64):
            batch = perm[start : start + 64]
            loss = nn.cross_entropy(model(Tensor(X_train[batch])), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    with no_grad():
        accuracy = float(np.mean(model(Tensor(X_test)).data.argmax(axis=1) == y_test))
    print(f"  {epochs} epochs of Adam (lr 3e-3, halved every {max(1, epochs // 3)} epochs): "
          f"test accuracy {accuracy:.1%} on {n_test} held-out digits")
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(losses, lw=0.8)
    ax.set(xlabel="batch", ylabel="cross-entropy", yscale="log", title=f"digits MLP: test accuracy {accuracy:.1%}")
    path = out / "digits-loss.png"
    _save(fig, path)
    if accuracy < 0.95:
        raise DemoError(f"digits test accuracy {accuracy:.1%} is below the 95% target")
    return StepResult("digits MLP (Adam + StepLR)", f"test accuracy {accuracy:.1%}", [path])


STEPS: list[tuple[str, Callable[[Path, int, bool, bool], StepResult]]] = [
    ("1. the §1 neuron", neuron_step),
    ("2. the §3–4 window classifier", window_step),
    ("3. two moons on both engines", moons_step),
    ("4. digits with Adam", digits_step),
]


def _prepare(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        raise DemoError(f"cannot write to the output directory {out}: {error.strerror or error}") from None


def run_demo(out: str | os.PathLike[str] = "demo-output", *, quick: bool = False, progress: bool = True,
             seed: int = 0) -> int:
    """Run every step; print a summary table; return the exit code (0 when every step succeeded)."""
    out = Path(out)
    try:
        _prepare(out)
    except DemoError as error:
        print(f"autodiff demo: {error}", file=sys.stderr)
        return 1
    results = []
    for title, step in STEPS:
        print(f"\n{title}")
        start = time.perf_counter()
        try:
            result = step(out, seed, quick, progress)
        except DemoError as error:
            result = StepResult(title[3:], error=str(error))
        except Exception as error:  # a bug or a missing tool: one line, and the other steps still run
            first_line = str(error).splitlines()[0] if str(error) else ""
            result = StepResult(title[3:], error=f"{type(error).__name__}: {first_line}")
        if result.error:
            print(f"  FAILED: {result.error}", file=sys.stderr)
        print(f"  ({time.perf_counter() - start:.1f} s)")
        results.append(result)
    print("\nsummary")
    width = max(len(r.name) for r in results)
    for r in results:
        number = r.key_number if not r.error else f"FAILED: {r.error}"
        print(f"  {r.name:<{width}}  {number}")
        for path in r.artifacts:
            print(f"  {'':<{width}}    {path}")
    return 1 if any(r.error for r in results) else 0
