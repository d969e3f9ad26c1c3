"""Weight initialization (notes §7.6), PyTorch's ``torch.nn.init`` names, seeded.

Every function fills its argument **in place** and returns it. The argument can be

* a ``Tensor`` (or ``nn.Parameter``): its ``.data`` array is overwritten (dtype kept);
* a scalar-engine weight matrix: a list of rows of ``Value``s, such as ``nn.Layer(...).W`` (each ``Value.data`` is
  set), or a flat list of ``Value``s / a single ``Value`` for the shape-free fillers (``zeros_``, ``constant_``, …);
* a plain float numpy array.

Shapes follow the notes: a weight matrix W ∈ R^{out×in} maps n⁽ˡ⁾ = in inputs to n⁽ˡ⁺¹⁾ = out outputs, so
fan_in = ``shape[1]`` and fan_out = ``shape[0]`` (for more dimensions each is multiplied by ``prod(shape[2:])``, as
PyTorch). ``nn.Layer(...).W`` has one row per neuron, so it has the same orientation.

Randomness: pass ``rng=`` (a ``numpy.random.Generator``) or ``seed=``; the same seed gives the same weights.
With neither, a fresh unseeded generator is used.

Summary (U = uniform, N = normal):

=================  ===========================================  ============================
function           distribution                                 variance
=================  ===========================================  ============================
xavier_uniform_    U[−a, a], a = gain·√(6/(fan_in + fan_out))   gain²·2/(fan_in + fan_out)
xavier_normal_     N(0, σ²), σ = gain·√(2/(fan_in + fan_out))   gain²·2/(fan_in + fan_out)
lecun_normal_      N(0, σ²), σ = 1/√fan_in                      1/fan_in
kaiming_normal_    N(0, σ²), σ = gain/√fan_mode                 gain²/fan_mode
=================  ===========================================  ============================
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from autodiff import Value

__all__ = [
    "calculate_gain",
    "fan_in_and_fan_out",
    "uniform_",
    "normal_",
    "constant_",
    "zeros_",
    "ones_",
    "xavier_uniform_",
    "xavier_normal_",
    "lecun_normal_",
    "kaiming_normal_",
]

T = TypeVar("T")


# ---- one view over Tensors, arrays and (nested lists of) Values ---------------------------------------------------
def _value_shape(x: Any, path: str = "weight") -> tuple[int, ...]:
    if isinstance(x, Value):
        return ()
    if isinstance(x, (list, tuple)):
        if not x:
            raise ValueError(f"{path} is an empty list: nothing to initialize")
        shapes = {_value_shape(item, f"{path}[{i}]") for i, item in enumerate(x)}
        if len(shapes) != 1:
            raise ValueError(f"{path} is a ragged list (rows of different lengths: shapes {sorted(shapes)})")
        return (len(x), *shapes.pop())
    raise TypeError(f"{path}: expected a Value or a list of Values, got {type(x).__name__}")


def _flat_values(x: Any) -> list[Value]:
    if isinstance(x, Value):
        return [x]
    return [v for item in x for v in _flat_values(item)]


def _target(tensor: Any) -> tuple[tuple[int, ...], Callable[[np.ndarray], None]]:
    """(shape, write) for anything the init functions accept; ``write(array)`` stores an array of that shape."""
    if isinstance(tensor, np.ndarray):
        if tensor.dtype.kind != "f":
            raise TypeError(f"can only initialize a float array, got dtype {tensor.dtype}")
        if not tensor.flags.writeable:
            raise ValueError("cannot initialize a read-only array (a broadcast view?): pass a writable float array")

        def write_array(values: np.ndarray) -> None:
            tensor[...] = values

        return tensor.shape, write_array
    data = getattr(tensor, "data", None)
    if isinstance(data, np.ndarray) and not isinstance(tensor, Value):

        def write_tensor(values: np.ndarray) -> None:
            data[...] = values

        return data.shape, write_tensor
    if isinstance(tensor, (Value, list, tuple)):
        shape = _value_shape(tensor)
        flat = _flat_values(tensor)

        def write_values(values: np.ndarray) -> None:
            for v, x in zip(flat, values.ravel().tolist()):
                v.data = float(x)

        return shape, write_values
    raise TypeError(
        f"cannot initialize a {type(tensor).__name__}: expected a Tensor, a float numpy array, a Value, "
        "or a list (of rows) of Values"
    )


def _rng(rng: np.random.Generator | None, seed: int | None) -> np.random.Generator:
    if rng is not None and seed is not None:
        raise ValueError("pass rng= or seed=, not both")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be an int ≥ 0 or None, got {type(seed).__name__}: {seed!r}")
        if seed < 0:
            raise ValueError(f"seed must be an int ≥ 0 or None, got {seed}")
    return rng if rng is not None else np.random.default_rng(seed)


def _real(x: Any, name: str, *, positive: bool = False) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a finite real number, got {type(x).__name__}: {x!r}")
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite real number, got {x!r}")
    if positive and x <= 0:
        raise ValueError(f"{name} must be > 0, got {x!r}")
    return float(x)


def fan_in_and_fan_out(tensor: Any) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight W ∈ R^{out×in}: (in, out), times ``prod(shape[2:])`` beyond 2-D.

    Raises ``ValueError`` for fewer than two dimensions (a bias or a single neuron's weight list: pass ``[w]``,
    a 1×n matrix, to initialize one neuron's weights).
    """
    shape, _ = _target(tensor)
    if len(shape) < 2:
        raise ValueError(
            f"fan in and fan out can not be computed for a weight with fewer than 2 dimensions (shape {shape}); "
            "a weight matrix W ∈ R^{out×in} is needed (for one neuron's weights w, pass [w])"
        )
    if 0 in shape:
        raise ValueError(f"cannot initialize a weight with no elements (shape {shape}): fan in and fan out would be 0")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


_GAINS = {
    "linear": 1.0,
    "identity": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3.0,
    "relu": math.sqrt(2.0),
    "selu": 0.75,
}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """PyTorch's recommended gains: linear/identity/sigmoid 1, tanh 5/3, relu √2, selu 3/4,
    leaky_relu √(2/(1 + k²)) with negative slope k = ``param`` (default 0.01)."""
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else _real(param, "negative slope")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity in _GAINS:
        return _GAINS[nonlinearity]
    raise ValueError(f"Unsupported nonlinearity {nonlinearity!r}; expected one of {sorted([*_GAINS, 'leaky_relu'])}")


def _fill(tensor: T, sample: Callable[[np.random.Generator, tuple[int, ...]], np.ndarray], rng, seed) -> T:
    shape, write = _target(tensor)
    generator = _rng(rng, seed)
    write(np.asarray(sample(generator, shape), dtype=np.float64))
    return tensor


# ---- fillers ------------------------------------------------------------------------------------------------------
def uniform_(
    tensor: T, a: float = 0.0, b: float = 1.0, *, rng: np.random.Generator | None = None, seed: int | None = None
) -> T:
    """Fill with U[a, b)."""
    a, b = _real(a, "a"), _real(b, "b")
    if a > b:
        raise ValueError(f"uniform_: need a <= b, got a={a}, b={b}")
    return _fill(tensor, lambda g, shape: g.uniform(a, b, size=shape), rng, seed)


def normal_(
    tensor: T, mean: float = 0.0, std: float = 1.0, *, rng: np.random.Generator | None = None, seed: int | None = None
) -> T:
    """Fill with N(mean, std²)."""
    mean, std = _real(mean, "mean"), _real(std, "std")
    if std < 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    return _fill(tensor, lambda g, shape: g.normal(mean, std, size=shape), rng, seed)


def constant_(tensor: T, val: float) -> T:
    """Fill with the constant ``val``."""
    val = _real(val, "val")
    shape, write = _target(tensor)
    write(np.full(shape, val))
    return tensor


def zeros_(tensor: T) -> T:
    """Fill with 0 — the notes' choice for biases (§7.6)."""
    return constant_(tensor, 0.0)


def ones_(tensor: T) -> T:
    """Fill with 1."""
    return constant_(tensor, 1.0)


def xavier_uniform_(
    tensor: T, gain: float = 1.0, *, rng: np.random.Generator | None = None, seed: int | None = None
) -> T:
    r"""Glorot & Bengio (2010), the notes' §7.6: W ~ U[−a, a] with a = gain·√(6 / (fan_in + fan_out)).

    Var(W) = a²/3 = gain²·2/(fan_in + fan_out), the notes' Var(W) = 2/(n_in + n_out): it keeps activation variances
    and back-propagated gradient variances roughly constant from layer to layer (for tanh/sigmoid units).
    """
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    bound = _real(gain, "gain", positive=True) * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(tensor, lambda g, shape: g.uniform(-bound, bound, size=shape), rng, seed)


def xavier_normal_(
    tensor: T, gain: float = 1.0, *, rng: np.random.Generator | None = None, seed: int | None = None
) -> T:
    """W ~ N(0, σ²) with σ = gain·√(2 / (fan_in + fan_out)): the Xavier variance with a normal distribution."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    std = _real(gain, "gain", positive=True) * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill(tensor, lambda g, shape: g.normal(0.0, std, size=shape), rng, seed)


def lecun_normal_(tensor: T, *, rng: np.random.Generator | None = None, seed: int | None = None) -> T:
    """The notes' first recipe, ``W = np.random.randn(fan_in, fan_out) / np.sqrt(fan_in)``: W ~ N(0, 1/fan_in).

    The standard deviation is 1/√fan_in — *not* the "1e-2 standard deviation" of the comment above the notes'
    snippet (that comment describes ``0.01 * randn``, a different, fan-independent recipe). The notes lay W out as
    fan_in × fan_out (x·W); here W ∈ R^{out×in} (W·x), the same distribution. (JAX's ``lecun_normal`` uses a
    truncated normal; this is the plain normal of the notes.)
    """
    fan_in, _ = fan_in_and_fan_out(tensor)
    std = 1.0 / math.sqrt(fan_in)
    return _fill(tensor, lambda g, shape: g.normal(0.0, std, size=shape), rng, seed)


def kaiming_normal_(
    tensor: T,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    *,
    rng: np.random.Generator | None = None,
    seed: int | None = None,
) -> T:
    """He et al. (2015): W ~ N(0, σ²), σ = gain/√fan with fan = fan_in (``mode="fan_in"``, keeps forward variances)
    or fan_out (``"fan_out"``, keeps backward variances) and gain = ``calculate_gain(nonlinearity, a)`` — √2 for
    ReLU (the defaults a = 0, "leaky_relu" give √2 too). PyTorch's signature and defaults."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode!r} not supported, please use one of 'fan_in', 'fan_out'")
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return _fill(tensor, lambda g, shape: g.normal(0.0, std, size=shape), rng, seed)
