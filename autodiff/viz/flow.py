"""The error flow as data: each edge's signal and its formula, taken from the core's step walker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .. import graph
from ..rules import BINARY, UNARY, fill
from .naming import _delta_name, _fmt, _is_array, _names


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
    """∂node/∂parent as a formula, from the template its rule carries (:mod:`autodiff.rules`) and the nodes' names
    (numbers where a name is missing); ``None`` for Tensor edges, whose shares are written whole (``_share_symbol``).

    Nothing is inferred from values: the structure comes from the node (``const``, ``partners``)."""
    grads = getattr(node, "local_grads", None)
    if grads is None or _is_array(node.data):
        return None
    parents, op, local = node._parents, node.op, grads[position]

    def name(n: Any) -> str:
        return names.get(id(n)) or _fmt(n.data)

    if op == "weighted_sum":  # ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1: the partner on the other side of the product
        partner = node.partners[position] if node.partners is not None else None
        return name(parents[partner]) if partner is not None else _fmt(local)
    const = node.const
    if op in BINARY:
        rule = BINARY[op]
        if const is None:
            a, b, operand = name(parents[0]), name(parents[1]), position
        else:  # a number took the other operand's place
            number = _fmt(const[1])
            a, b = (number, name(parents[0])) if const[0] == 0 else (name(parents[0]), number)
            operand = 1 - const[0]
        b_minus_1 = _fmt(const[1] - 1) if const is not None and const[0] == 1 else f"({b}−1)"
        return fill(rule.local_a if operand == 0 else rule.local_b, a=a, b=b, **{"b−1": b_minus_1})
    rule = UNARY.get(op)
    if rule is None:
        return _fmt(local)
    argument = names.get(id(parents[0]))
    if argument is None:
        return rule.local_unnamed or _fmt(local)
    p = _exponent(node)
    exponent = {"p": _fmt(p), "p−1": _fmt(p - 1)} if p is not None else {}
    if "{p" in rule.local and not exponent:
        return _fmt(local)
    return fill(rule.local, x=argument, **exponent)


def _exponent(node: Any) -> float | None:
    """p of a ``x ** p`` node, as the node recorded it (``const = (1, p)``)."""
    const = getattr(node, "const", None)
    return const[1] if node.op == "pow_const" and const is not None else None


def _share_symbol(node: Any, position: int, own: str | None, names: dict[int, str]) -> str | None:
    """The share a Tensor node sends parent ``position``, from the formula its VJP carries (``share_formulas``):
    ``{δ}`` becomes the node's own signal, ``{0}``, ``{1}``… the parents' names. ``None`` if a name is missing."""
    formulas = getattr(node, "share_formulas", ())
    if position >= len(formulas) or own is None:
        return None
    text = formulas[position]
    if own == "1":  # the seed at a scalar output: δ = 1 drops out of every product
        for pattern in ("{δ}ᵀ·", "{δ}·", "·{δ}", " ∘ {δ}", "{δ} ∘ "):
            text = text.replace(pattern, "")
        text = text.replace("{δ}ᵀ", "1").replace("{δ}", "1")
    signal = own if _is_atom(own) else f"({own})"
    text = text.replace("{δ}", signal).replace("{out}", names.get(id(node), "out"))
    for i, parent in enumerate(node._parents):
        key = "{" + str(i) + "}"
        if key in text:
            parent_name = names.get(id(parent))
            if parent_name is None:
                return None
            text = text.replace(key, parent_name)
    return text


def _short(product: _Product, is_tensor: bool) -> bool:
    """Short enough to be written out again as the next node's own signal (else it is named ∂out/∂name)."""
    return len(product.text()) <= 40 if is_tensor else len(product.factors) <= 3


def _is_atom(text: str) -> bool:
    """One factor (``δ⁽²⁾``, ``∂s/∂a``): needs no parentheses inside a product."""
    return not any(op in text for op in (" ", "·", "∘", "−", "+"))


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
        is_tensor = _is_array(node.data)
        if node is root:
            own: _Product | None = _Product()
        elif _delta_name(name):
            own = _Product([_delta_name(name)])
        elif len(incoming) == 1 and incoming[0][0] is not None and _short(incoming[0][0], is_tensor):
            own = incoming[0][0]
        elif name:
            own = _Product([f"∂{root_name}/∂{name}"])
        else:
            own = None
        grads = getattr(node, "local_grads", None)
        for position, (parent, share) in enumerate(zip(node._parents, step.shares)):
            if share is None:
                continue
            if is_tensor:
                own_text = None if own is None else own.text()
                text = _share_symbol(node, position, own_text, names)
                product = _Product([text]) if text is not None else None
            else:
                local = _local_symbol(node, position, names)
                if local is not None:
                    local_symbol[(id(node), position)] = local
                product = own.times(local) if own is not None and local is not None else None
                text = product.text() if product is not None else None
            received.setdefault(id(parent), []).append((product, text))
            local_grad = grads[position] if grads is not None and not _is_array(share) else None
            symbol = text if (is_tensor and text) or _is_symbolic(text) else None
            edges.append(FlowEdge(index, node, parent, position, share, step.error_signal, local_grad, symbol))
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
