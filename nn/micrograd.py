"""micrograd's ``nn`` (Neuron, Layer, MLP) on errorflow's ``Value``, so micrograd's notebooks run unchanged.

Change only the imports of micrograd's ``demo.ipynb`` and ``trace_graph.ipynb``::

    from autodiff import Value                      # was: from micrograd.engine import Value
    from nn.micrograd import Neuron, Layer, MLP     # was: from micrograd.nn import Neuron, Layer, MLP
    import nn.micrograd as nn                       # was: from micrograd import nn

and they train, print and draw the same: the same API (``Neuron(nin, nonlin=True)``, ``Layer(nin, nout,
**kwargs)``, ``MLP(nin, nouts)``, ``parameters()``, ``zero_grad()``), the same ``repr``
(``MLP of [Layer of [ReLUNeuron(2), ...]]``), the same initial weights for the same ``random.seed`` (drawn with
Python's ``random.uniform(-1, 1)``, as micrograd) and the same graph, node for node (a neuron is
``b + w₁x₁ + w₂x₂ + …`` built from ``*`` and ``+``, then ``ReLU``), so the losses agree with micrograd's to
rounding. ``Value._prev``/``Value._op`` give micrograd's tracing code its parents and op names ('+', '*',
'**2', 'ReLU'). One visible difference: a number in an expression (the 2 in ``x * 2``) is a constant of the node
in errorflow, not a node of its own, so trace_graph's diagrams have no box for it.

These follow micrograd, which is not errorflow's own convention: micrograd's hidden neurons are **ReLU** and the
last layer is linear, whereas errorflow's :class:`nn.MLP` defaults to the **sigmoid** neuron of the notes (and
labels its parameters W₁₄⁽¹⁾ …). Use :class:`nn.MLP` for the notes, this module for micrograd's lectures.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from autodiff import Value

from .module import Module
from .scalar import _check_size

__all__ = ["Neuron", "Layer", "MLP"]


class Neuron(Module):
    """ReLU(Σᵢ wᵢxᵢ + b), or the linear Σᵢ wᵢxᵢ + b with ``nonlin=False``; wᵢ ~ U[−1, 1] (Python's ``random``),
    b = 0."""

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        nin = _check_size(nin, "Neuron(nin)")
        if not isinstance(nonlin, (bool, np.bool_)):
            raise TypeError(f"Neuron(nonlin=...) must be True or False, got {nonlin!r}")
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = bool(nonlin)

    def forward(self, x: Sequence[Value | float]) -> Value:
        if not hasattr(x, "__len__") or isinstance(x, (str, bytes)):
            raise TypeError(f"Neuron expects a list of {len(self.w)} inputs (Values, numbers), got {type(x).__name__}")
        if len(x) != len(self.w):
            raise ValueError(f"Neuron expects {len(self.w)} inputs, got {len(x)}")
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons on the same inputs; a single neuron's output comes back as a Value, else a list."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        nout = _check_size(nout, "Layer(nout)")
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers nin → nouts[0] → … → nouts[-1]: ReLU neurons, a linear last layer (micrograd's ``MLP``)."""

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not len(nouts):
            raise TypeError(f"MLP(nin, nouts): nouts must be a non-empty list of layer sizes, got {nouts!r:.40}")
        sizes = [nin, *nouts]
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def forward(self, x: Sequence[Value | float]) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
