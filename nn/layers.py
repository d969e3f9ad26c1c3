"""Layers on ``Tensor``s, in the notes' notation: a layer computes z = Wx + b, then a = f(z) (notes §2–3, §7.3–7.4).

* :class:`Linear` — z = Wx + b with W ∈ R^{out×in}, b ∈ R^{out} (row i of W is neuron i's weight vector wᵀ₍ᵢ₎);
  for a batch X ∈ R^{N×in} (one example per row) the same thing reads Z = XWᵀ + b.
* :class:`Embedding` — the word-vector lookup: row i of the matrix is the vector of word i.
* :class:`Dropout` — random dropping of units during training (§7.3).
* :class:`Sequential` — modules applied one after the other; :class:`Flatten` — (N, a, b, …) → (N, a·b·…);
  :class:`Softmax` — probabilities along one dim (PyTorch's module forms of ``flatten`` and ``softmax``).
* Activation modules a = f(z), applied elementwise (§7.4): :class:`Sigmoid`, :class:`Tanh`, :class:`HardTanh`,
  :class:`Softsign`, :class:`ReLU`, :class:`LeakyReLU`, :class:`ELU`. They accept a ``Tensor``, a ``Value`` or a
  list of ``Value``s (the scalar engine's layer output), using the same derivative table as the engine.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

from autodiff import Tensor, Value, linear, softmax

from . import init as initializers
from .init import _rng
from .module import Module, Parameter
from .scalar import _check_size as _size

__all__ = [
    "Linear",
    "Sequential",
    "Embedding",
    "Dropout",
    "Identity",
    "Sigmoid",
    "Tanh",
    "HardTanh",
    "Softsign",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "Flatten",
    "Softmax",
    "ACTIVATION_MODULES",
    "activation_module",
    "INITS",
]

INITS = ("xavier_uniform", "xavier_normal", "lecun_normal", "kaiming_normal", "zeros")


def _initial_weight(shape: tuple[int, int], init: str, rng: np.random.Generator) -> np.ndarray:
    """A weight array W ∈ R^{out×in} filled by the named ``nn.init`` scheme (fan_in = in, fan_out = out)."""
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; expected one of {', '.join(INITS)}")
    weight = np.zeros(shape)
    if init == "zeros":
        return initializers.zeros_(weight)
    return getattr(initializers, f"{init}_")(weight, rng=rng)


def _as_tensor(x: Any, what: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Value) or (isinstance(x, (list, tuple)) and any(isinstance(v, Value) for v in x)):
        raise TypeError(f"{what} works on Tensors; got {type(x).__name__} of Values (use nn.Layer for Values)")
    return Tensor(x)


class Linear(Module):
    """z = Wx + b: ``in_features`` inputs, ``out_features`` neurons (notes §2).

    ``W ∈ R^{out×in}`` (PyTorch's ``weight`` layout; row i holds neuron i's weights) and ``b ∈ R^{out}``. The
    input may be one example x ∈ R^{in} (giving z ∈ R^{out}) or a batch X ∈ R^{N×in}, one example per row, giving
    Z = XWᵀ + b ∈ R^{N×out}; the gradients are then summed over the batch, ∇_W = δᵀX and ∇_b = Σₙ δₙ.

    ``init`` names the scheme for W (see ``nn.init``): ``"xavier_uniform"`` (default; U[−r, r] with
    r = √(6/(fan_in + fan_out)), notes §7.6), ``"xavier_normal"``, ``"lecun_normal"``, ``"kaiming_normal"`` or
    ``"zeros"``. The bias starts at 0. ``rng`` (a numpy Generator) or ``seed`` makes the draw reproducible.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        init: str = "xavier_uniform",
        rng: np.random.Generator | None = None,
        seed: int | None = None,
    ) -> None:
        self.in_features = _size(in_features, "Linear(in_features)")
        self.out_features = _size(out_features, "Linear(out_features)")
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"Linear(bias=...) must be True or False, got {type(bias).__name__}: {bias!r}")
        self.init = init
        self.W = Parameter(_initial_weight((self.out_features, self.in_features), init, _rng(rng, seed)), label="W")
        self.b = Parameter(np.zeros(self.out_features), label="b") if bias else None

    @property
    def weight(self) -> Parameter:
        """PyTorch's name for W."""
        return self.W

    @property
    def bias(self) -> Parameter | None:
        """PyTorch's name for b (``None`` when built with ``bias=False``)."""
        return self.b

    def forward(self, x: Any) -> Tensor:
        x = _as_tensor(x, "Linear")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear({self.in_features}, {self.out_features}) got an input of shape {x.shape}; "
                             f"expected (..., {self.in_features})")
        if x.ndim <= 2:
            return linear(x, self.W, self.b)  # one node: ∇_W = δᵀx, ∇_b = Σδ, ∇_x = δW
        z = x @ self.W.T
        return z + self.b if self.b is not None else z

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.b is not None}"


class Sequential(Module):
    """``Sequential(m₁, m₂, …)(x) = …m₂(m₁(x))``; the modules are children ``"0"``, ``"1"``, … as in PyTorch."""

    def __init__(self, *modules: Module) -> None:
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential argument {i} must be a Module, got {type(module).__name__}")
            setattr(self, str(i), module)

    def __len__(self) -> int:
        return sum(1 for _ in self.children())

    def __iter__(self) -> Iterator[Module]:
        return self.children()

    def __getitem__(self, index: int | slice) -> Module:
        """The module at ``index``; a slice is a new ``Sequential`` of the same (shared) modules."""
        modules = list(self.children())
        if isinstance(index, slice):
            return Sequential(*modules[index])
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"Sequential indices must be ints or slices, got {type(index).__name__}")
        if not -len(modules) <= index < len(modules):
            raise IndexError(f"Sequential index {index} is out of range for {len(modules)} modules")
        return modules[index]

    def forward(self, x: Any) -> Any:
        for module in self.children():
            x = module(x)
        return x


class Embedding(Module):
    """Word vectors: row i of ``weight`` ∈ R^{num×dim} is the vector of word i; ``E(idx) = weight[idx]``.

    The lookup is integer indexing on the Tensor, whose gradient scatter-*adds*: a word that appears k times
    in a batch receives the sum of its k error signals. Initial vectors are N(0, 1) (PyTorch), or given with
    :meth:`from_pretrained`.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        rng: np.random.Generator | None = None,
        seed: int | None = None,
    ) -> None:
        self.num_embeddings = _size(num_embeddings, "Embedding(num_embeddings)")
        self.embedding_dim = _size(embedding_dim, "Embedding(embedding_dim)")
        weights = _rng(rng, seed).standard_normal((self.num_embeddings, self.embedding_dim))
        self.weight = Parameter(weights, label="L")

    @classmethod
    def from_pretrained(cls, vectors: Any) -> Embedding:
        """An Embedding whose rows start as a copy of ``vectors`` (num × dim); they stay trainable."""
        try:
            array = np.asarray(vectors.data if isinstance(vectors, Tensor) else vectors)
        except (TypeError, ValueError):
            array = np.asarray(None)
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"Embedding.from_pretrained needs a (num, dim) matrix of numbers, got {type(vectors).__name__}"
                + (f" of dtype {array.dtype}" if array.dtype != object else "")
            )
        if array.ndim != 2 or 0 in array.shape:
            raise ValueError(f"Embedding.from_pretrained needs a non-empty (num, dim) matrix, got shape {array.shape}")
        embedding = cls(array.shape[0], array.shape[1], seed=0)
        embedding.weight = Parameter(array, label="L")
        return embedding

    def forward(self, indices: Any) -> Tensor:
        idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
        if isinstance(indices, Tensor):
            if not np.array_equal(idx, np.round(idx)):
                raise TypeError("Embedding indices must be integers; got a Tensor with fractional (or NaN) values")
            outside = idx[(idx < 0) | (idx >= self.num_embeddings)]
            if outside.size:
                raise IndexError(f"Embedding index {outside.flat[0]:g} is out of range [0, {self.num_embeddings})")
            idx = idx.astype(np.intp)
        elif idx.dtype.kind not in "iu":
            raise TypeError(f"Embedding indices must be integers, got dtype {idx.dtype}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.num_embeddings):
            bad = idx[(idx < 0) | (idx >= self.num_embeddings)].flat[0]
            raise IndexError(f"Embedding index {bad} is out of range [0, {self.num_embeddings})")
        return self.weight[idx]

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


class Dropout(Module):
    """Inverted dropout (notes §7.3): in training, zero each unit with probability ``p``, scale the rest by 1/(1 − p).

    ``p`` is the probability of *dropping* (PyTorch's convention); the notes' p is the probability of *keeping*,
    so notes-p = 1 − p here. Training multiplies h by a fresh random mask m, mᵢ = 1/(1 − p) with probability
    1 − p and 0 otherwise, so E[mᵢhᵢ] = hᵢ: the expected output in training equals the output in evaluation,
    where Dropout is the identity. Backprop passes the signal only through the kept units (times the same
    1/(1 − p)), as the notes describe.

    The notes' exercise ("divide the outputs at test time by what?"): with the notes' non-inverted dropout that
    keeps a unit with probability p and does *not* rescale in training, E[training output] = p·h, so the test-time
    output must be *multiplied* by p (equivalently, divided by 1/p) — not divided by p — for the expectations to
    match; that is the "halve the weights" rule of Srivastava et al. for p = ½. Inverted dropout moves that
    factor into training (÷ keep-probability there), so nothing is needed at test time.

    Randomness comes from ``rng`` or ``seed`` (a numpy Generator kept by the module), so runs are reproducible.
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | None = None, seed: int | None = None) -> None:
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"Dropout(p) is a probability of dropping in [0, 1], got {p!r}")
        self.p = float(p)
        self.rng = _rng(rng, seed)

    def _mask(self, shape: tuple[int, ...]) -> np.ndarray:
        if self.p == 1.0:
            return np.zeros(shape)
        return (self.rng.random(shape) >= self.p) / (1.0 - self.p)

    def forward(self, x: Any) -> Any:
        if not self.training or self.p == 0.0:
            return x
        if isinstance(x, Value):
            return x * float(self._mask(()))
        if isinstance(x, (list, tuple)) and x and all(isinstance(v, Value) for v in x):
            return [v * float(m) for v, m in zip(x, self._mask((len(x),)))]
        x = _as_tensor(x, "Dropout")
        return x * self._mask(x.shape).astype(x.dtype)

    def extra_repr(self) -> str:
        return f"p={self.p:g}"


# ---- activations ------------------------------------------------------------------------------------------------
class _Activation(Module):
    """a = f(z) elementwise, on a Tensor, a Value or a list of Values (derivatives from ``autodiff.rules``)."""

    method = ""

    def _params(self) -> dict[str, float]:
        return {}

    def forward(self, z: Any) -> Any:
        params = self._params()
        if isinstance(z, (Tensor, Value)):
            return getattr(z, self.method)(**params)
        if isinstance(z, (list, tuple)) and z and all(isinstance(v, Value) for v in z):
            return [getattr(v, self.method)(**params) for v in z]
        return getattr(_as_tensor(z, type(self).__name__), self.method)(**params)


class Identity(Module):
    """a = z (a linear unit)."""

    def forward(self, z: Any) -> Any:
        return z


class Sigmoid(_Activation):
    """σ(z) = 1/(1 + e^{−z}) ∈ (0, 1); σ'(z) = σ(z)(1 − σ(z))."""

    method = "sigmoid"


class Tanh(_Activation):
    """tanh(z) = (e^z − e^{−z})/(e^z + e^{−z}) = 2σ(2z) − 1 ∈ (−1, 1); tanh'(z) = 1 − tanh²(z)."""

    method = "tanh"


class HardTanh(_Activation):
    """hardtanh(z) = −1 for z < −1, z for −1 ≤ z ≤ 1, 1 for z > 1; derivative 1 inside (−1, 1), else 0."""

    method = "hardtanh"


class Softsign(_Activation):
    """softsign(z) = z/(1 + |z|); softsign'(z) = 1/(1 + |z|)² (the notes' sgn(z)/(1 + z)² is a misprint)."""

    method = "softsign"


class ReLU(_Activation):
    """rect(z) = max(z, 0); rect'(z) = 1 for z > 0, else 0."""

    method = "relu"


class LeakyReLU(_Activation):
    """leaky(z) = max(z, k·z) for 0 < k < 1; leaky'(z) = 1 for z > 0, else k (PyTorch's ``negative_slope``)."""

    method = "leaky_relu"

    def __init__(self, k: float = 0.01) -> None:
        if isinstance(k, bool) or not isinstance(k, numbers.Real):
            raise TypeError(f"LeakyReLU(k) needs a real number, got {k!r}")
        if not math.isfinite(k):
            raise ValueError(f"LeakyReLU(k) needs a finite number, got {k!r}")
        self.k = float(k)

    def _params(self) -> dict[str, float]:
        return {"k": self.k}

    def extra_repr(self) -> str:
        return f"k={self.k:g}"


class ELU(_Activation):
    """ELU(z) = z for z > 0, α(e^z − 1) otherwise; ELU'(z) = 1 for z > 0, else α·e^z = ELU(z) + α."""

    method = "elu"

    def __init__(self, alpha: float = 1.0) -> None:
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
            raise TypeError(f"ELU(alpha) needs a real number, got {alpha!r}")
        if not math.isfinite(alpha):
            raise ValueError(f"ELU(alpha) needs a finite number, got {alpha!r}")
        self.alpha = float(alpha)

    def _params(self) -> dict[str, float]:
        return {"alpha": self.alpha}

    def extra_repr(self) -> str:
        return f"alpha={self.alpha:g}"


ACTIVATION_MODULES: dict[str, type[Module]] = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "hardtanh": HardTanh,
    "softsign": Softsign,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "linear": Identity,
}


def activation_module(activation: str | Module) -> Module:
    """An activation module from its name (the names of ``nn.scalar.ACTIVATIONS``) or the module itself."""
    if isinstance(activation, Module):
        return activation
    if activation not in ACTIVATION_MODULES:
        raise ValueError(f"unknown activation {activation!r}; expected one of {', '.join(ACTIVATION_MODULES)}")
    return ACTIVATION_MODULES[activation]()


class Flatten(Module):
    """Merge dims ``start_dim`` … ``end_dim`` into one: (N, 28, 28) → (N, 784) by default, as PyTorch's."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        for name, d in (("start_dim", start_dim), ("end_dim", end_dim)):
            if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
                raise TypeError(f"Flatten({name}) must be an int, got {type(d).__name__}: {d!r}")
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x, "Flatten").flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Softmax(Module):
    """softmax along ``dim``: yᵢ = e^{xᵢ} / Σⱼ e^{xⱼ}, so the entries along ``dim`` are probabilities summing to 1.

    ``dim`` must be given (PyTorch guesses one when it is not, with a deprecation warning; a guess about which
    axis holds the classes is a bug waiting to happen)."""

    def __init__(self, dim: int | None = None) -> None:
        if dim is None:
            raise TypeError("Softmax(dim) needs the dim whose entries become probabilities, e.g. Softmax(dim=1) for "
                            "(batch, classes) scores")  # fmt: skip
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"Softmax(dim) must be an int, got {type(dim).__name__}: {dim!r}")
        self.dim = int(dim)

    def forward(self, x: Any) -> Tensor:
        return softmax(_as_tensor(x, "Softmax"), self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
