"""Loss functions J, each the *mean* over the examples of a batch (PyTorch's default reduction).

* :func:`max_margin_loss` — the notes' §4 objective J = max(Δ + s_c − s, 0) for a true window's score s and a
  corrupted window's score s_c;
* :func:`cross_entropy` — softmax classification, J = −log softmax(f)_y (notes §7.2's data term);
* :func:`mse_loss` — squared error (ŷ − y)²;
* :func:`binary_cross_entropy` — −[y log p + (1 − y) log(1 − p)] for probabilities p = σ(·).

Every loss takes ``Tensor``s (batches) and also ``Value``s or lists of ``Value``s (the scalar engine's outputs),
so one function serves both engines. Plain numbers and numpy arrays are constants.

:class:`CrossEntropyLoss` and :class:`MSELoss` are PyTorch's module forms (``criterion = CrossEntropyLoss();
loss = criterion(logits, targets)``); they and ``nn.functional.cross_entropy`` also take class targets as an
integer ``Tensor`` (what ``autodiff.tensor([2, 0])`` or ``argmax`` gives).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from autodiff import Tensor, Value, clip, softmax_cross_entropy

from .module import Module

__all__ = ["max_margin_loss", "cross_entropy", "mse_loss", "binary_cross_entropy", "CrossEntropyLoss", "MSELoss"]

_LOG_FLOOR = -100.0  # PyTorch's binary_cross_entropy clamps each log term at −100
_TINY = math.exp(_LOG_FLOOR)


def _is_values(x: Any) -> bool:
    return isinstance(x, Value) or (
        isinstance(x, (list, tuple)) and len(x) > 0 and all(isinstance(v, (Value, numbers.Real)) for v in x)
        and any(isinstance(v, Value) for v in x)
    )


def _uses_values(*xs: Any) -> bool:
    return any(_is_values(x) for x in xs) and not any(isinstance(x, Tensor) for x in xs)


def _scalars(x: Any, what: str) -> list[Any]:
    """A Value, a number or a sequence of them as a list (numbers stay numbers: constants)."""
    if isinstance(x, (Value, numbers.Real)) and not isinstance(x, bool):
        return [x]
    if isinstance(x, np.ndarray):
        return [float(v) for v in x.reshape(-1)]
    if isinstance(x, (list, tuple)) and all(isinstance(v, (Value, numbers.Real)) for v in x):
        return list(x)
    raise TypeError(f"{what} must be a Value, a number, or a list of them; got {type(x).__name__}")


def _tensor(x: Any, what: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if _is_values(x):
        raise TypeError(f"{what}: cannot mix Values with Tensors in one loss")
    return Tensor(x)


def _mean(terms: list[Any]) -> Any:
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total * (1.0 / len(terms))


def _nonempty(x: Tensor, what: str) -> None:
    if x.numel() == 0:
        raise ValueError(f"{what} is empty (shape {x.shape}): a loss needs at least one element")


def _same_shape(a: Tensor, b: Tensor, what: str, names: tuple[str, str]) -> None:
    if a.shape != b.shape and a.numel() != 1 and b.numel() != 1:
        raise ValueError(f"{what}: {names[0]} has shape {a.shape} but {names[1]} has shape {b.shape}; they must match")


def max_margin_loss(s: Any, s_c: Any, margin: float = 1.0) -> Any:
    """J = mean over pairs of max(Δ + s_c − s, 0) (notes §4, with Δ = ``margin``).

    ``s`` scores the true windows, ``s_c`` the corrupted ones, pair by pair (same shape). The loss is zero for a
    pair once the true window wins by at least Δ, so such pairs send no gradient: ∂J/∂s = −1/N and ∂J/∂s_c = 1/N
    for the pairs inside the margin, 0 otherwise (and 0 exactly at the kink, as ReLU'(0) = 0).
    """
    if isinstance(margin, bool) or not isinstance(margin, numbers.Real) or not 0 <= margin < math.inf:
        raise ValueError(f"max_margin_loss(margin) must be a finite real number ≥ 0, got {margin!r}")
    margin = float(margin)
    if _uses_values(s, s_c):
        true, corrupt = _scalars(s, "max_margin_loss(s)"), _scalars(s_c, "max_margin_loss(s_c)")
        if len(true) != len(corrupt):
            raise ValueError(f"max_margin_loss: {len(true)} true scores but {len(corrupt)} corrupted ones")
        terms = [_relu(margin + c - t) for t, c in zip(true, corrupt)]
        return _mean(terms)
    s, s_c = _tensor(s, "max_margin_loss(s)"), _tensor(s_c, "max_margin_loss(s_c)")
    if s.shape != s_c.shape:
        raise ValueError(f"max_margin_loss: s has shape {s.shape} but s_c has shape {s_c.shape}; pair them up")
    _nonempty(s, "max_margin_loss(s)")
    return (margin + s_c - s).relu().mean()


def _relu(x: Any) -> Any:
    return x.relu() if isinstance(x, Value) else Value(max(float(x), 0.0))


def _class_targets(targets: Any, batch: int | None, classes: int) -> np.ndarray:
    """Integer class indices in [0, classes), shape (batch,) (or () when ``batch`` is None), else a clear error."""
    targets = index_targets(targets)
    if isinstance(targets, (Tensor, Value)):
        raise TypeError(
            "cross_entropy targets must be integer class indices (an int, a numpy int array or an int64 Tensor), "
            f"not a {type(targets).__name__} holding floats (use targets.long())"
        )
    array = np.asarray(targets)
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"cross_entropy targets must be integer class indices, got dtype {array.dtype}"
            + (" (use targets.astype(int))" if array.dtype.kind == "f" else "")
        )
    expected = () if batch is None else (batch,)
    if array.shape != expected:
        raise ValueError(f"cross_entropy: targets have shape {array.shape}, expected {expected} (one per example)")
    bad = array[(array < 0) | (array >= classes)]
    if bad.size:
        raise ValueError(f"cross_entropy: target {bad.flat[0]} is out of range for {classes} classes [0, {classes})")
    return array.astype(np.intp)


def cross_entropy(logits: Any, targets: Any) -> Any:
    """J = −(1/N) Σₙ log softmax(fₙ)_{yₙ} = (1/N) Σₙ [log Σ_c e^{f_{n,c}} − f_{n,yₙ}]  (notes §7.2's data term).

    ``logits`` are unnormalized scores f: a Tensor of shape (N, C) with ``targets`` a length-N integer array, or
    shape (C,) with one integer target; for the scalar engine a list of C Values (one example) or a list of N such
    lists. Computed stably through log-softmax (log Σ e^{f} = m + log Σ e^{f − m}, m = max f), so large scores do
    not overflow. The gradient with respect to fₙ is (softmax(fₙ) − onehot(yₙ))/N.
    """
    if _uses_values(logits) or (
        isinstance(logits, (list, tuple)) and logits and all(_is_values(row) for row in logits)
    ):
        return _cross_entropy_values(logits, targets)
    logits = _tensor(logits, "cross_entropy(logits)")
    if logits.ndim not in (1, 2) or logits.shape[-1] == 0 or (logits.ndim == 2 and logits.shape[0] == 0):
        raise ValueError(f"cross_entropy: logits must have shape (N, C) or (C,) with N, C ≥ 1; got {logits.shape}")
    if logits.ndim == 1:
        y = _class_targets(targets, None, logits.shape[0])
        return -logits.log_softmax(axis=-1)[int(y)]
    y = _class_targets(targets, logits.shape[0], logits.shape[1])
    return softmax_cross_entropy(logits, y)


def _cross_entropy_values(logits: Any, targets: Any) -> Value:
    rows = [logits] if _is_values(logits) else list(logits)
    single = _is_values(logits)
    if len({len(r) for r in rows}) != 1:
        raise ValueError("cross_entropy: every example needs the same number of class scores")
    y = _class_targets(targets, None if single else len(rows), len(rows[0]))
    terms = []
    for row, target in zip(rows, np.atleast_1d(y)):
        m = max(float(v) for v in row)
        log_sum = sum(((v - m).exp() if isinstance(v, Value) else math.exp(v - m) for v in row), 0.0)
        log_sum = log_sum.log() if isinstance(log_sum, Value) else Value(math.log(log_sum))
        terms.append(log_sum + m - row[int(target)])
    return _mean(terms)


def mse_loss(prediction: Any, target: Any) -> Any:
    """J = (1/n) Σᵢ (ŷᵢ − yᵢ)² over all n elements (PyTorch's ``mse_loss``); ∂J/∂ŷᵢ = 2(ŷᵢ − yᵢ)/n."""
    if _uses_values(prediction, target):
        pred, truth = _scalars(prediction, "mse_loss(prediction)"), _scalars(target, "mse_loss(target)")
        if len(pred) != len(truth):
            raise ValueError(f"mse_loss: {len(pred)} predictions but {len(truth)} targets")
        return _mean([_square(p - t) for p, t in zip(pred, truth)])
    prediction, target = _tensor(prediction, "mse_loss(prediction)"), _tensor(target, "mse_loss(target)")
    if prediction.shape != target.shape:
        raise ValueError(f"mse_loss: prediction has shape {prediction.shape} but target has {target.shape}")
    _nonempty(prediction, "mse_loss(prediction)")
    diff = prediction - target
    return (diff * diff).mean()


def _square(x: Any) -> Any:
    return x * x if isinstance(x, Value) else Value(float(x) ** 2)


def _check_unit_interval(data: np.ndarray, what: str) -> None:
    if data.size and not (np.all(data >= 0) and np.all(data <= 1)):
        bad = data[~((data >= 0) & (data <= 1))].flat[0]
        raise ValueError(f"binary_cross_entropy: every {what} must lie in [0, 1], got {bad}")


def binary_cross_entropy(probabilities: Any, targets: Any) -> Any:
    """J = −(1/n) Σᵢ [yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ)], each log clamped at −100 (PyTorch).

    ``probabilities`` p ∈ [0, 1] (e.g. a sigmoid's output) and ``targets`` y ∈ [0, 1] (usually 0 or 1) have the
    same shape. The clamp keeps J finite when p hits exactly 0 or 1; where it is active the term is the constant
    −100, so it sends no gradient (backprop differentiates the clamped function, and so does the gradient check).
    Elsewhere ∂J/∂pᵢ = (pᵢ − yᵢ) / (n·pᵢ(1 − pᵢ)).
    """
    if _uses_values(probabilities, targets):
        ps, ys = _scalars(probabilities, "binary_cross_entropy(p)"), _scalars(targets, "binary_cross_entropy(y)")
        if len(ps) != len(ys):
            raise ValueError(f"binary_cross_entropy: {len(ps)} probabilities but {len(ys)} targets")
        _check_unit_interval(np.array([float(p) for p in ps]), "probability")
        _check_unit_interval(np.array([float(y) for y in ys]), "target")
        terms = [-(y * _clamped_log(p) + (1 - y) * _clamped_log(1 - p)) for p, y in zip(ps, ys)]
        return _mean([t if isinstance(t, Value) else Value(float(t)) for t in terms])
    p, y = _tensor(probabilities, "binary_cross_entropy(p)"), _tensor(targets, "binary_cross_entropy(y)")
    if p.shape != y.shape:
        raise ValueError(f"binary_cross_entropy: probabilities have shape {p.shape} but targets have {y.shape}")
    _nonempty(p, "binary_cross_entropy(p)")
    _check_unit_interval(p.data, "probability")
    _check_unit_interval(y.data, "target")
    log_p = clip(clip(p, low=_TINY).log(), low=_LOG_FLOOR)
    log_not_p = clip(clip(1.0 - p, low=_TINY).log(), low=_LOG_FLOOR)
    return -(y * log_p + (1.0 - y) * log_not_p).mean()


def _clamped_log(p: Any) -> Any:
    """max(log p, −100) for a Value (a constant where clamped) or a number."""
    if isinstance(p, Value):
        return p.log() if p.data > _TINY else p * 0.0 + _LOG_FLOOR
    return math.log(p) if p > _TINY else _LOG_FLOOR


def index_targets(targets: Any) -> Any:
    """Class targets as :func:`cross_entropy` takes them: an integer (int64) ``Tensor`` becomes its index array;
    anything else is passed on unchanged (and checked there). A float Tensor stays refused, with that reason."""
    if isinstance(targets, Tensor) and targets.dtype.kind in "iu" and not targets.requires_grad:
        return targets.data
    return targets


def _reduction(reduction: Any, what: str) -> str:
    if reduction != "mean":
        raise ValueError(f"{what}(reduction={reduction!r}): only 'mean' (PyTorch's default) is supported")
    return reduction


class CrossEntropyLoss(Module):
    """PyTorch's module form of :func:`cross_entropy`: ``CrossEntropyLoss()(logits, targets)``, the mean over the
    batch of −log softmax(f)_y; targets are integer class indices (an int64 Tensor or a numpy int array)."""

    def __init__(self, reduction: str = "mean") -> None:
        self.reduction = _reduction(reduction, "CrossEntropyLoss")

    def forward(self, input: Any, target: Any) -> Any:
        return cross_entropy(input, index_targets(target))


class MSELoss(Module):
    """PyTorch's module form of :func:`mse_loss`: the mean over all elements of (ŷ − y)²."""

    def __init__(self, reduction: str = "mean") -> None:
        self.reduction = _reduction(reduction, "MSELoss")

    def forward(self, input: Any, target: Any) -> Any:
        return mse_loss(input, target)
