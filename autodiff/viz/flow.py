"""The error flow as data: each edge's signal and its formula, taken from the core's step walker."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .. import graph
from .naming import _ACTIVATIONS, _DERIVATIVE_NAME, _delta_name, _fmt, _is_array, _names


# ---- the error flow, from the core's step walker --------------------------------------------------------------
class FlowEdge(NamedTuple):
    """One signal of a backward pass: ``child`` sent ``signal`` to ``parent`` (its input number ``position``).

    ``signal = upstream × local_grad``: ``upstream`` is the error signal ``child`` received (∂root/∂child) and
    ``local_grad`` is ∂child/∂parent (``None`` for a Tensor, whose edges apply a vector-Jacobian product).
    ``symbol`` writes the signal as a formula from the nodes' names (``"δ₁⁽²⁾·x₄"``), or is ``None`` when the
    nodes involved are unnamed. ``step`` is the index of the :class:`~autodiff.graph.Step` that sent it.
    """

    step: int
    child: Any
    parent: Any
    position: int
    signal: Any
    upstream: Any
    local_grad: Any
    symbol: str | None


@dataclass
class _Trace:
    steps: list[graph.Step]
    edges: list[FlowEdge]
    signal: dict[int, Any]  # node id → error signal it received in this pass
    step_of: dict[int, int]  # node id → index of its step
    local_symbol: dict[tuple[int, int], str]  # (node id, position) → the local derivative as a formula
    incoming: dict[int, int]  # node id → how many signals it received


def _seed(root: Any) -> Any:
    """The error signal at the output: 1 (ones for an array output, i.e. the gradient of its sum)."""
    data = root.data
    return np.ones_like(data) if _is_array(data) else 1.0


def _run_steps(root: Any, order: Sequence[Any], error_signal: Any = None) -> list[graph.Step]:
    """All steps of one backward pass, leaving every ``.grad`` as it was before."""
    saved = [(node, node.grad.copy() if _is_array(node.grad) else node.grad) for node in order]
    try:
        return list(graph.backprop_steps(root, _seed(root) if error_signal is None else error_signal))
    finally:
        for node, grad in saved:
            node.grad = grad


class _Product:
    """A signal as a product of factors (strings): ``sign·f₁·f₂…``, or ``None`` when it has no short formula."""

    def __init__(self, factors: Sequence[str] = (), negative: bool = False) -> None:
        self.factors = list(factors)
        self.negative = negative

    def times(self, factor: str) -> _Product:
        if factor == "1":
            return _Product(self.factors, self.negative)
        if factor in ("−1", "-1"):
            return _Product(self.factors, not self.negative)
        if factor.startswith(("-", "−")):
            return _Product([*self.factors, factor[1:]], not self.negative)
        return _Product([*self.factors, factor], self.negative)

    def text(self) -> str:
        body = "·".join(self.factors) or "1"
        return ("−" if self.negative else "") + body


def _is_symbolic(text: str | None) -> bool:
    return bool(text) and any(ch.isalpha() for ch in text)


def _local_symbol(node: Any, position: int, names: dict[int, str]) -> str | None:
    """∂node/∂parent as a formula from names (or numbers where a name is missing); ``None`` for Tensor edges."""
    grads = getattr(node, "local_grads", None)
    if grads is None or _is_array(node.data):
        return None
    parents, op, const = node._parents, node.op, getattr(node, "const", None)
    local = grads[position]

    def name(n: Any) -> str:
        return names.get(id(n)) or _fmt(n.data)

    # which operand of a binary op is this parent? (a constant took the other position)
    operand = position if const is None else 1 - const[0]
    if op == "weighted_sum":  # ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1: name the partner on the other side
        partner = _weighted_sum_partner(node, position)
        return name(partner) if partner is not None else _fmt(local)
    if op == "add":
        return "1"
    if op == "sub":
        return "1" if operand == 0 else "−1"
    if op == "mul":
        return _fmt(const[1]) if const is not None else name(parents[1 - position])
    if op == "div":
        a = _fmt(const[1]) if const is not None and const[0] == 0 else name(parents[0])
        b = _fmt(const[1]) if const is not None and const[0] == 1 else name(parents[-1])
        return f"1/{b}" if operand == 0 else f"−{a}/{b}²"
    if op == "neg":
        return "−1"
    argument = names.get(id(parents[0])) if len(parents) == 1 else None
    if op in _ACTIVATIONS:
        f = _DERIVATIVE_NAME.get(op, op)
        return f"{f}'({argument})" if argument else f"{f}'"
    if argument and op in ("exp", "log", "sqrt", "abs"):
        return {"exp": f"exp({argument})", "log": f"1/{argument}", "sqrt": f"1/(2√{argument})",
                "abs": f"sgn({argument})"}[op]
    if argument and op == "pow_const":
        p = _exponent(node)
        if p is not None:
            return f"{_fmt(p)}·{argument}" if p == 2 else f"{_fmt(p)}·{argument}^{_fmt(p - 1)}"
    return _fmt(local)


def _weighted_sum_partner(node: Any, position: int) -> Any:
    """For z = Σ wᵢxᵢ + b with parents (w₁…wₙ, x₁…xₙ, b): the xᵢ of wᵢ, the wᵢ of xᵢ, ``None`` for b.

    The layout is confirmed from the local gradients (∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1). Inputs given as
    plain numbers are not parents; then the partner is found by matching values (and a constant input has none).
    """
    parents, grads = node._parents, node.local_grads
    for n in {len(parents) // 2, (len(parents) - 1) // 2}:
        if n and len(parents) - 2 * n in (0, 1) and all(
            parents[i + n].data == grads[i] and grads[i + n] == parents[i].data for i in range(n)
        ):
            if position < 2 * n:
                return parents[(position + n) % (2 * n)]
            return None  # the bias
    parent = parents[position]
    for j, other in enumerate(parents):
        if j != position and other.data == grads[position] and grads[j] == parent.data:
            return other
    return None


def _exponent(node: Any) -> float | None:
    """p of a ``x ** p`` node: recorded as ``const`` on Values; for other nodes read back from y = xᵖ and its
    local derivative p·xᵖ⁻¹ (p = y'·x / y)."""
    const = getattr(node, "const", None)
    if const is not None:
        return const[1]
    x, y, local = node._parents[0].data, node.data, node.local_grads[0]
    if x == 0 or y == 0 or not all(map(math.isfinite, (x, y, local))):
        return None
    p = local * x / y
    return float(round(p)) if abs(p - round(p)) < 1e-9 else p


def _trace(root: Any, order: Sequence[Any], names: dict[int, str], error_signal: Any = None) -> _Trace:
    """Run the backward pass step by step and write each signal as a number and, where it can, a formula.

    The formula of the signal a node sends is (its own signal's formula)·(the edge's local derivative). A node's
    own signal is written 1 at the output, δ at a node named z, the single formula it received when that is
    short, and otherwise ∂out/∂name for a named node (the sum of all it received).
    """
    steps = _run_steps(root, order, error_signal)
    root_name = names.get(id(root), "out")
    received: dict[int, list[tuple[_Product | None, str | None]]] = {}
    signal: dict[int, Any] = {}
    step_of: dict[int, int] = {}
    local_symbol: dict[tuple[int, int], str] = {}
    edges: list[FlowEdge] = []
    for index, step in enumerate(steps):
        node = step.node
        signal[id(node)], step_of[id(node)] = step.error_signal, index
        name = names.get(id(node))
        incoming = received.get(id(node), [])
        if node is root:
            own: _Product | None = _Product()
        elif _delta_name(name):
            own = _Product([_delta_name(name)])
        elif len(incoming) == 1 and incoming[0][0] is not None and len(incoming[0][0].factors) <= 3:
            own = incoming[0][0]
        elif name:
            own = _Product([f"∂{root_name}/∂{name}"])
        else:
            own = None
        grads = getattr(node, "local_grads", None)
        for position, (parent, share) in enumerate(zip(node._parents, step.shares)):
            if share is None:
                continue
            local = _local_symbol(node, position, names)
            if local is not None:
                local_symbol[(id(node), position)] = local
            product = own.times(local) if own is not None and local is not None else None
            text = product.text() if product is not None else None
            received.setdefault(id(parent), []).append((product, text))
            local_grad = grads[position] if grads is not None and not _is_array(share) else None
            edges.append(
                FlowEdge(index, node, parent, position, share, step.error_signal, local_grad,
                         text if _is_symbolic(text) else None)
            )
    incoming = {key: len(shares) for key, shares in received.items()}
    return _Trace(steps, edges, signal, step_of, local_symbol, incoming)


def error_flow(root: Any) -> list[FlowEdge]:
    """The signals of one backward pass from ``root`` (error signal 1), one :class:`FlowEdge` per edge, in the
    order the core's :func:`~autodiff.graph.backprop_steps` sends them. Leaves every ``.grad`` unchanged.

    On the notes' worked example the edge into W₁₄⁽¹⁾ carries δ₁⁽²⁾·a₄⁽¹⁾ = a₄⁽¹⁾·f'(z₁⁽²⁾)·W₁⁽²⁾ = ∂s/∂W₁₄⁽¹⁾.
    """
    _check_root(root, "error_flow()")
    order = graph.topological_order(root)
    return _trace(root, order, _names(order)).edges


def _check_root(root: Any, who: str) -> None:
    if not hasattr(root, "_parents"):
        raise TypeError(f"{who} needs a graph node (a Value or a Tensor), got {type(root).__name__}")
