"""The notes' §1–3 networks on scalar ``Value``s: a neuron, a layer, a multi-layer perceptron.

* ``Neuron(n)``: a = f(wᵀx + b), w ∈ Rⁿ, b ∈ R (the notes' sigmoid unit when f = σ);
* ``Layer(n, m)``: a = f(Wx + b), W ∈ R^{m×n} whose i-th row is neuron i's wᵀ, b ∈ Rᵐ;
* ``MLP(n, [m₁, …, m_L])``: layers chained; the last one is linear (a score) unless told otherwise.

Parameters are labelled as in the notes' §5: ``W₁₄⁽¹⁾`` is the weight from unit 4 of layer 1 (the input layer) to
unit 1 of layer 2, ``b₁⁽¹⁾`` that unit's bias, so diagrams read like the notes' figures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autodiff import Value, weighted_sum

from .init import _rng
from .module import Module

__all__ = ["Neuron", "Layer", "MLP", "ACTIVATIONS", "activate"]

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "hardtanh", "softsign", "linear")

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def subscript(*indices: int) -> str:
    """``subscript(1, 4) == "₁₄"``; indices ≥ 10 are separated by commas (``₁,₁₂``) to stay unambiguous."""
    sep = "," if any(i >= 10 for i in indices) else ""
    return sep.join(str(i).translate(_SUB) for i in indices)


def layer_label(symbol: str, layer: int, *indices: int) -> str:
    """``layer_label("W", 1, 1, 4) == "W₁₄⁽¹⁾"``."""
    return f"{symbol}{subscript(*indices)}⁽{str(layer).translate(_SUP)}⁾"


def activate(z: Value, activation: str) -> Value:
    """Apply the named activation f to z (``"linear"`` is the identity)."""
    if activation == "linear":
        return z
    return getattr(z, activation)()


def _check_activation(activation: str | None) -> str:
    activation = activation or "linear"
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; expected one of {', '.join(ACTIVATIONS)}")
    return activation


def _check_size(n: int, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{what} must be a positive int, got {type(n).__name__}: {n!r}")
    if n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return int(n)


class Neuron(Module):
    """a = f(wᵀx + b): n inputs, one output (notes §1).

    Weights start Xavier-uniform, U[−r, r] with r = √(6 / (fan_in + fan_out)) (notes §7.6); the bias starts at 0.
    """

    def __init__(
        self,
        nin: int,
        activation: str | None = "sigmoid",
        *,
        rng: np.random.Generator | None = None,
        seed: int | None = None,
        fan_out: int = 1,
        layer: int = 1,
        index: int = 1,
    ) -> None:
        nin = _check_size(nin, "Neuron(nin)")
        fan_out = _check_size(fan_out, "Neuron(fan_out)")
        layer, index = _check_size(layer, "Neuron(layer)"), _check_size(index, "Neuron(index)")
        self.activation = _check_activation(activation)
        bound = np.sqrt(6.0 / (nin + fan_out))
        weights = _rng(rng, seed).uniform(-bound, bound, size=nin)
        self.w = [Value(float(wj), layer_label("W", layer, index, j + 1)) for j, wj in enumerate(weights)]
        self.b = Value(0.0, layer_label("b", layer, index))

    def forward(self, x: Sequence[Value | float]) -> Value:
        if type(x) is not list and (not hasattr(x, "__len__") or isinstance(x, (str, bytes))):
            raise TypeError(f"Neuron expects a list of {len(self.w)} inputs (Values, numbers), got {type(x).__name__}")
        if len(x) != len(self.w):
            raise ValueError(f"Neuron expects {len(self.w)} inputs, got {len(x)}")
        return activate(weighted_sum(self.w, x, self.b), self.activation)

    def extra_repr(self) -> str:
        return f"nin={len(self.w)}, activation={self.activation!r}"


class Layer(Module):
    """a = f(Wx + b): ``nout`` neurons sharing the input x ∈ R^nin; W ∈ R^{nout×nin} (notes §2)."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | None = "sigmoid",
        *,
        rng: np.random.Generator | None = None,
        seed: int | None = None,
        layer: int = 1,
    ) -> None:
        nin, nout = _check_size(nin, "Layer(nin)"), _check_size(nout, "Layer(nout)")
        rng = _rng(rng, seed)
        self.neurons = [
            Neuron(nin, activation, rng=rng, fan_out=nout, layer=layer, index=i + 1) for i in range(nout)
        ]

    @property
    def W(self) -> list[list[Value]]:
        """The weight matrix as rows: ``W[i][j]`` is W_{i+1, j+1}."""
        return [n.w for n in self.neurons]

    @property
    def b(self) -> list[Value]:
        return [n.b for n in self.neurons]

    def forward(self, x: Sequence[Value | float]) -> list[Value]:
        return [n(x) for n in self.neurons]

    def extra_repr(self) -> str:
        n = self.neurons[0]
        return f"nin={len(n.w)}, nout={len(self.neurons)}, activation={n.activation!r}"


class MLP(Module):
    """Layers nin → sizes[0] → … → sizes[-1]; hidden layers use ``activation``, the last ``final_activation``.

    With one output unit, calling the MLP returns a single ``Value`` (the score s); otherwise a list.
    """

    def __init__(
        self,
        nin: int,
        sizes: Sequence[int],
        activation: str | None = "sigmoid",
        final_activation: str | None = "linear",
        *,
        rng: np.random.Generator | None = None,
        seed: int | None = None,
    ) -> None:
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
            raise TypeError(f"MLP(sizes) must be a non-empty list of layer sizes, got {type(sizes).__name__}")
        if not len(sizes):
            raise ValueError(f"MLP(sizes) must be a non-empty list of layer sizes, got {sizes!r}")
        _check_activation(activation)
        rng = _rng(rng, seed)
        dims = [nin, *sizes]
        self.layers = [
            Layer(dims[k], dims[k + 1], activation if k < len(sizes) - 1 else final_activation, rng=rng, layer=k + 1)
            for k in range(len(sizes))
        ]

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x
