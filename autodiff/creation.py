"""PyTorch's tensor constructors: ``tensor``, ``zeros``, ``ones``, ``full``, ``arange``, ``linspace``, ``eye``,
``randn``, ``rand``, ``randint``, ``randperm``, ``multinomial`` and the ``*_like`` forms.

Sizes are given as PyTorch does, ``zeros(2, 3)`` or ``zeros((2, 3))``. Floating results are float64 (errorflow's
default precision; PyTorch's is float32) unless ``dtype=`` says otherwise; integer results (``arange`` of ints,
``randint``, ``randperm``, ``multinomial``, ``full`` with an int) are int64 and booleans stay bool, as in PyTorch.
Only floating tensors can be created with ``requires_grad=True``.

``tensor(data)`` follows PyTorch: ``tensor([1, 2])`` is int64, ``tensor([1.0, 2])`` float64, ``tensor([True])``
bool. The class constructor ``Tensor([1, 2])`` stays float64 (it makes the values of the graph, as it always has).

Random constructors draw from ``generator=`` (an :class:`autodiff.Generator`) or the default generator
(:func:`autodiff.manual_seed`); see :mod:`autodiff.random`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .random import resolve_generator
from .tensor import Tensor, _make, _real_array

__all__ = [
    "float32",
    "float64",
    "int64",
    "long",
    "tensor",
    "zeros",
    "ones",
    "full",
    "arange",
    "linspace",
    "eye",
    "randn",
    "rand",
    "randint",
    "randperm",
    "multinomial",
    "zeros_like",
    "ones_like",
    "full_like",
    "randn_like",
    "rand_like",
]

float32, float64, int64 = np.float32, np.float64, np.int64
long = np.int64  # PyTorch's name for int64 (class indices)
_DTYPES = {np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.bool_)}


def _dtype(dtype: Any, what: str) -> np.dtype | None:
    """A supported dtype (float32, float64, int64 or bool; Python's float/int/bool name them too), or None."""
    if dtype is None:
        return None
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{what}: dtype {dtype!r:.40} is not a dtype; use float64, float32, int64 or bool") from None
    if resolved not in _DTYPES:
        raise TypeError(f"{what}: dtype {resolved} is not supported; errorflow tensors are float64, float32, int64 "
                        "or bool")  # fmt: skip
    return resolved


def _wrap(array: np.ndarray, requires_grad: bool, what: str) -> Tensor:
    """A leaf Tensor holding ``array`` (not copied: every caller passes a fresh array)."""
    if not isinstance(requires_grad, (bool, np.bool_)):
        raise TypeError(f"{what}: requires_grad must be True or False, got {requires_grad!r:.40}")
    if requires_grad and array.dtype.kind != "f":
        raise TypeError(f"{what}: only floating-point tensors can require grad, got dtype {array.dtype}")
    out = _make(array, "", (), ())
    out.requires_grad = bool(requires_grad)
    return out


def _size(size: tuple[Any, ...], what: str) -> tuple[int, ...]:
    """``(2, 3)`` from ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])``; every size an int ≥ 0."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for n in size:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{what}: each size must be an int, got {type(n).__name__}: {n!r:.40}")
        if n < 0:
            raise ValueError(f"{what}: sizes must be ≥ 0, got {tuple(size)}")
    return tuple(int(n) for n in size)


def _from_size(size: tuple[Any, ...], what: str) -> tuple[int, ...]:
    """The shape of ``zeros(*size)``: PyTorch refuses ``zeros()``; ``zeros(())`` is a 0-d tensor."""
    if not size:
        name = what.split("(")[0]
        raise TypeError(f"{what} needs a size, as PyTorch: {name}(2, 3) or {name}((2, 3)); {name}(()) is 0-d")
    return _size(size, what)


# ---- from data ------------------------------------------------------------------------------------------------------
def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (a number, nested list, numpy array or Tensor), as
    ``torch.tensor``: Python ints (and numpy integer arrays) give int64, bools bool, floats float64 (a float32
    array stays float32). ``dtype=`` converts."""
    wanted = _dtype(dtype, "tensor")
    array = _real_array(data, "tensor(data)")
    if wanted is None:
        kind = array.dtype.kind
        wanted = np.dtype(np.bool_) if kind == "b" else np.dtype(np.int64) if kind in "iu" else None
        if wanted is None:
            wanted = array.dtype if array.dtype == np.float32 else np.dtype(np.float64)
    if wanted.kind in "iu" and array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ValueError("tensor(data, dtype=int64): the data holds NaN or ±inf, which have no integer value")
    return _wrap(array.astype(wanted, copy=True), requires_grad, "tensor")


def _fill(size: tuple[Any, ...], value: Any, dtype: Any, requires_grad: bool, what: str) -> Tensor:
    shape = _from_size(size, what)
    resolved = _dtype(dtype, what) or np.dtype(np.float64)
    return _wrap(np.full(shape, value, dtype=resolved), requires_grad, what)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return _fill(size, 0, dtype, requires_grad, "zeros(size)")


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    return _fill(size, 1, dtype, requires_grad, "ones(size)")


def _fill_dtype(fill_value: Any, what: str) -> np.dtype:
    if isinstance(fill_value, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(fill_value, (int, np.integer)):
        return np.dtype(np.int64)
    if isinstance(fill_value, numbers.Real):
        return np.dtype(np.float64)
    raise TypeError(f"{what}: fill_value must be a real number or a bool, got {type(fill_value).__name__}")


def full(size: Sequence[int], fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``; its dtype follows the value (int → int64, as
    PyTorch) unless ``dtype=`` is given."""
    if not isinstance(size, (tuple, list)):
        size = (size,)
    resolved = _dtype(dtype, "full") or _fill_dtype(fill_value, "full")
    return _wrap(np.full(_size(tuple(size), "full(size)"), fill_value, dtype=resolved), requires_grad, "full")


def _number(x: Any, what: str) -> int | float:
    if isinstance(x, Tensor):
        x = x.item()
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} needs a real number, got {type(x).__name__}: {x!r:.40}")
    if isinstance(x, (int, np.integer)):
        return int(x)
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{what} needs a finite number, got {x}")
    return x


def arange(
    start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """``arange(end)`` or ``arange(start, end, step)``: start, start + step, … up to but excluding ``end``.
    int64 when every argument is an int, else float64 (as PyTorch)."""
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, f"arange({name})") for v, name in ((start, "start"), (end, "end"), (step, "step")))
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    if (end - start) * step < 0:
        raise ValueError(f"arange: end {end} cannot be reached from start {start} with step {step}")
    all_ints = all(isinstance(v, int) for v in (start, end, step))
    resolved = _dtype(dtype, "arange") or np.dtype(np.int64 if all_ints else np.float64)
    count = max(0, math.ceil((end - start) / step))
    values = start + step * np.arange(count, dtype=np.float64 if not all_ints else np.int64)
    return _wrap(values.astype(resolved), requires_grad, "arange")


def linspace(start: Any, end: Any, steps: int, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (float64)."""
    start, end = _number(start, "linspace(start)"), _number(end, "linspace(end)")
    count = _size((steps,), "linspace(steps)")[0]
    resolved = _dtype(dtype, "linspace") or np.dtype(np.float64)
    return _wrap(np.linspace(start, end, count).astype(resolved), requires_grad, "linspace")


def eye(n: int, m: int | None = None, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The n×m identity matrix (m = n by default)."""
    rows = _size((n,), "eye(n)")[0]
    cols = rows if m is None else _size((m,), "eye(m)")[0]
    return _wrap(np.eye(rows, cols, dtype=_dtype(dtype, "eye") or np.float64), requires_grad, "eye")


# ---- random ---------------------------------------------------------------------------------------------------------
def _float_dtype(dtype: Any, what: str) -> np.dtype:
    resolved = _dtype(dtype, what) or np.dtype(np.float64)
    if resolved.kind != "f":
        raise TypeError(f"{what} draws real numbers: dtype must be float64 or float32, got {resolved}")
    return resolved


def randn(*size: Any, generator: Any = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal draws N(0, 1): ``randn(2, 3)``, ``randn((27, 27), generator=g, requires_grad=True)``."""
    shape = _from_size(size, "randn(size)")
    rng = resolve_generator(generator, "randn")
    return _wrap(rng.standard_normal(shape).astype(_float_dtype(dtype, "randn")), requires_grad, "randn")


def rand(*size: Any, generator: Any = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform draws on [0, 1)."""
    shape = _from_size(size, "rand(size)")
    rng = resolve_generator(generator, "rand")
    return _wrap(rng.random(shape).astype(_float_dtype(dtype, "rand")), requires_grad, "rand")


def randint(*args: Any, generator: Any = None, dtype: Any = None, size: Any = None) -> Tensor:
    """Uniform integers in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``, int64
    (``torch.randint(0, X.shape[0], (32,), generator=g)`` picks a minibatch)."""
    if size is not None:
        args = (*args, size)
    if len(args) == 2:
        low, high, shape = 0, *args
    elif len(args) == 3:
        low, high, shape = args
    else:
        raise TypeError("randint takes (high, size) or (low, high, size), e.g. randint(0, 10, (3,))")
    low, high = (_number(v, f"randint({name})") for v, name in ((low, "low"), (high, "high")))
    if not isinstance(low, int) or not isinstance(high, int):
        raise TypeError(f"randint: low and high must be ints, got {low!r} and {high!r}")
    if low >= high:
        raise ValueError(f"randint: low ({low}) must be smaller than high ({high})")
    shape = _size((shape,) if not isinstance(shape, (tuple, list)) else (tuple(shape),), "randint(size)")
    resolved = _dtype(dtype, "randint") or np.dtype(np.int64)
    rng = resolve_generator(generator, "randint")
    return _wrap(rng.integers(low, high, size=shape).astype(resolved), False, "randint")


def randperm(n: int, *, generator: Any = None) -> Tensor:
    """A random permutation of 0, …, n − 1 (int64)."""
    count = _size((n,), "randperm(n)")[0]
    rng = resolve_generator(generator, "randperm")
    return _wrap(rng.permutation(count).astype(np.int64), False, "randperm")


def multinomial(input: Any, num_samples: int, replacement: bool = False, *, generator: Any = None) -> Tensor:
    """Draw ``num_samples`` category indices per row, with probabilities proportional to the row's
    non-negative weights (they need not sum to 1), as ``torch.multinomial``: int64 of shape (num_samples,) for a
    1-D input, (rows, num_samples) for a 2-D one. Without replacement each category is drawn at most once, so
    a row needs at least ``num_samples`` categories of non-zero weight."""
    weights = np.asarray(input.data if isinstance(input, Tensor) else input, dtype=np.float64)
    if weights.ndim not in (1, 2) or weights.shape[-1] == 0:
        raise ValueError(f"multinomial: weights must be 1-D or 2-D with at least one category, got {weights.shape}")
    count = _size((num_samples,), "multinomial(num_samples)")[0]
    if count == 0:
        raise ValueError("multinomial: num_samples must be ≥ 1")
    if not isinstance(replacement, (bool, np.bool_)):
        raise TypeError(f"multinomial: replacement must be True or False, got {replacement!r:.40}")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError("multinomial: weights must be finite and ≥ 0 (probabilities or counts)")
    rows = weights.reshape(-1, weights.shape[-1])
    totals = rows.sum(axis=1)
    if np.any(totals <= 0):
        raise ValueError("multinomial: a row of weights sums to 0; there is nothing to draw")
    if not replacement:
        nonzero = int(np.min(np.count_nonzero(rows, axis=1)))
        if count > nonzero:
            raise ValueError(f"multinomial: cannot draw {count} distinct categories without replacement from a row "
                             f"with {nonzero} of non-zero weight")  # fmt: skip
    rng = resolve_generator(generator, "multinomial")
    drawn = np.stack([rng.choice(len(p), size=count, replace=bool(replacement), p=p / p.sum()) for p in rows])
    return _wrap(drawn.reshape(*weights.shape[:-1], count).astype(np.int64), False, "multinomial")


# ---- *_like ---------------------------------------------------------------------------------------------------------
def _like(input: Any, what: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{what} needs a Tensor, got {type(input).__name__}")
    return input


def zeros_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``input``'s shape and dtype."""
    t = _like(input, "zeros_like")
    return _fill((t.shape,), 0, dtype or t.dtype, requires_grad, "zeros_like")


def ones_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``input``'s shape and dtype."""
    t = _like(input, "ones_like")
    return _fill((t.shape,), 1, dtype or t.dtype, requires_grad, "ones_like")


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` in ``input``'s shape and dtype."""
    t = _like(input, "full_like")
    _fill_dtype(fill_value, "full_like")
    return _fill((t.shape,), fill_value, dtype or t.dtype, requires_grad, "full_like")


def randn_like(input: Tensor, *, generator: Any = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """N(0, 1) draws of ``input``'s shape (and floating dtype)."""
    t = _like(input, "randn_like")
    wanted = dtype or (t.dtype if t.dtype.kind == "f" else None)
    return randn(t.shape, generator=generator, dtype=wanted, requires_grad=requires_grad)


def rand_like(input: Tensor, *, generator: Any = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """U[0, 1) draws of ``input``'s shape (and floating dtype)."""
    t = _like(input, "rand_like")
    wanted = dtype or (t.dtype if t.dtype.kind == "f" else None)
    return rand(t.shape, generator=generator, dtype=wanted, requires_grad=requires_grad)
